"""A fake Sentry on 127.0.0.1 for the error reports' tests: it takes the SDK's envelopes
(POST /api/<project>/envelope/, gzip or not) and keeps their items."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.http_stub import StubHandler, serving


@dataclass
class FakeSentry:
    """What the fake endpoint received: the raw bodies and the parsed items."""

    dsn: str
    bodies: list[bytes] = field(default_factory=list)
    items: list[tuple[dict[str, Any], bytes]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(payload) for header, payload in self.items if header["type"] == "event"]

    def wait_for_events(self, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.events()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.events()


def envelope_items(body: bytes) -> list[tuple[dict[str, Any], bytes]]:
    """The (item header, payload) pairs of a Sentry envelope: a header line, then for each
    item a header line and a payload of `length` bytes (or up to the next newline)."""
    _, _, rest = body.partition(b"\n")
    items = []
    while rest.strip():
        header_line, _, rest = rest.partition(b"\n")
        header = json.loads(header_line)
        if "length" in header:
            payload, rest = rest[: header["length"]], rest[header["length"] :]
            rest = rest.removeprefix(b"\n")
        else:
            payload, _, rest = rest.partition(b"\n")
        items.append((header, payload))
    return items


@contextmanager
def fake_sentry() -> Iterator[FakeSentry]:
    """A fake Sentry on a free local port; yields it with its DSN (project 1)."""
    received: list[FakeSentry] = []

    class Handler(StubHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            if self.headers.get("content-encoding") == "gzip":
                body = gzip.decompress(body)
            sentry = received[0]
            sentry.paths.append(self.path)
            sentry.bodies.append(body)
            sentry.items.extend(envelope_items(body))
            self.answer(200)

    with serving(Handler) as url:
        received.append(FakeSentry(dsn=url.replace("http://", "http://public@") + "/1"))
        yield received[0]
