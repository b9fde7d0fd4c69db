"""Helpers shared by the hub and web app tests (imported, not a conftest)."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool

from core.models import Conversation, Message
from tests.http_stub import StubHandler, serving
from webapp.settings import WebSettings

API_TOKEN = "test-token-0123456789abcdef"
# The REST webhook's integration in tests: senders are stored as "test:<sender>".
REST_CLIENT, REST_TOKEN = "test", "rest-token-0123456789abcdef"
REST_AUTH = {"Authorization": f"Bearer {REST_TOKEN}"}
# How long a served app waits for open streams when it stops (see served_app).
SHUTDOWN_GRACE_SECONDS = 1


def closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def web_settings(database_url: str, rasa_url: str, **overrides: Any) -> WebSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "rasa_url": rasa_url,
        "rasa_timeout": 1.0,
        "actions_url": f"http://127.0.0.1:{closed_port()}",  # /readyz reports it down
        "api_token": API_TOKEN,
        "rest_webhook_tokens": f"{REST_CLIENT}:{REST_TOKEN}",
        "env": "test",
        "timezone": "Europe/Paris",
        "scheduler": False,  # reminders: tests/integration/test_scheduler.py starts one
    }
    values.update(overrides)
    return WebSettings(**values)


@dataclass(frozen=True)
class StoredMessage:
    channel: str
    external_id: str
    language: str | None
    direction: str
    sender: str
    text: str
    payload: dict[str, Any] | None
    status: str


def stored_messages(database_url: str) -> list[StoredMessage]:
    """Every stored message with its conversation, oldest first."""
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(
                    Conversation.channel,
                    Conversation.external_id,
                    Conversation.language,
                    Message.direction,
                    Message.sender,
                    Message.text,
                    Message.payload,
                    Message.status,
                )
                .join(Conversation, Conversation.id == Message.conversation_id)
                .order_by(Message.id)
            ).all()
    finally:
        engine.dispose()
    return [StoredMessage(*row) for row in rows]


@contextmanager
def local_http_server(
    answer: list[dict[str, Any]], delay: float = 0.0
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A tiny HTTP server on 127.0.0.1 answering every POST with `answer` after `delay` s.

    Yields its base URL and the list of JSON bodies it received.
    """
    received: list[dict[str, Any]] = []

    class Handler(StubHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("content-length", "0"))
            received.append(json.loads(self.rfile.read(length) or b"null"))
            time.sleep(delay)
            with contextlib.suppress(OSError):  # the client gave up waiting
                self.answer_json(200, answer)

    with serving(Handler) as url:
        yield url, received


@contextmanager
def web_client(database_url: str, rasa_url: str | None = None, **overrides: Any) -> Iterator:
    """A TestClient on the real app (lifespan run); Rasa on a closed port unless given."""
    from fastapi.testclient import TestClient

    from webapp.main import create_app

    rasa_url = rasa_url or f"http://127.0.0.1:{closed_port()}"
    app = create_app(web_settings(database_url, rasa_url, **overrides))
    with TestClient(app) as client:
        yield client


@contextmanager
def served_app(settings: WebSettings) -> Iterator[str]:
    """The web app served by uvicorn on a free local port, in a thread; yields its base URL."""
    import uvicorn

    from webapp.main import create_app

    port = closed_port()
    # A page left open keeps an SSE stream (or a WebSocket) that never ends by itself:
    # without a graceful-shutdown timeout uvicorn waits for it until the join below gives up
    # (10 s a test). One second, then its tasks are cancelled and the lifespan stops cleanly.
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def asgi_get_scope(path: str, query: str = "") -> dict[str, Any]:
    """The ASGI scope of a plain GET from 127.0.0.1, for a test calling the app directly
    (a stream that never ends is read chunk by chunk, which the TestClient cannot)."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "root_path": "",
    }
