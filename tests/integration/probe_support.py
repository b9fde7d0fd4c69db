"""A stand-in HTTP server on 127.0.0.1 for the readiness tests: answers GET requests from a
function of the path (query string included) and keeps every path it was asked."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from tests.http_stub import StubHandler, serving

Answer = Callable[[str], tuple[int, Any]]


@contextmanager
def probe_server(answer: Answer) -> Iterator[tuple[str, list[str]]]:
    """(base URL, the paths asked so far); `answer(path)` gives (status, JSON body)."""
    asked: list[str] = []

    class Handler(StubHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            asked.append(self.path)
            status, body = answer(self.path)
            self.answer_json(status, body)

    with serving(Handler) as url:
        yield url, asked


def rasa_answer(token: str, model_id: str | None = "20261207-pitlane") -> Answer:
    """Rasa 3.6's `/status`: 401 without the right `?token=`, 409 without a model."""

    def answer(path: str) -> tuple[int, Any]:
        if not path.startswith("/status"):
            return 200, {"version": "3.6.21"}
        if f"token={token}" not in path:
            return 401, {"status": "failure", "reason": "NotAuthenticated"}
        if model_id is None:
            return 409, {"status": "failure", "reason": "Conflict"}
        return 200, {"model_file": "models/pitlane.tar.gz", "model_id": model_id}

    return answer
