"""The widget visitor, the security suite's customer: ONE place that knows how the widget's
credential travels.

Today the widget's credential is its `client_id` (a UUID chosen by the browser) in the query
string of the sockets and the stream, and a form field of the upload and the subscription
switch. When the server issues a Bearer token instead, only this module changes: the tests
call `Visitor` methods and never build a widget URL themselves.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import anyio
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

# A 1x1 PNG: the smallest picture the upload accepts.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e226059b0000000049454e44ae426082"
)


class Visitor:
    """A browser with the widget open; `Visitor(client, None)` holds no credential at all."""

    def __init__(self, client: TestClient, client_id: str | None = "new") -> None:
        self.client = client
        self.client_id = str(uuid.uuid4()) if client_id == "new" else client_id

    # ---- the credential ----------------------------------------------------------------

    def sign(self, params: dict[str, Any], headers: dict[str, str]) -> None:
        """Add the credential to a plain HTTP request (any route)."""
        if self.client_id is not None:
            params["client_id"] = self.client_id

    def _query(self, lang: str | None = None) -> str:
        parts = [] if self.client_id is None else [f"client_id={self.client_id}"]
        if lang:
            parts.append(f"lang={lang}")
        return ("?" + "&".join(parts)) if parts else ""

    def _fields(self) -> dict[str, str]:
        return {} if self.client_id is None else {"client_id": self.client_id}

    # ---- the widget's endpoints ----------------------------------------------------------

    @contextmanager
    def chat(self, lang: str = "fr") -> Iterator[Any]:
        """The assistant's socket, its history frame already read."""
        with self.client.websocket_connect(f"/ws/chat{self._query(lang)}") as socket:
            first = socket.receive_json()
            assert first.get("type") == "history", first
            yield socket

    @contextmanager
    def rooms(self) -> Iterator[Any]:
        """The rooms tab's socket, its room list already read."""
        with self.client.websocket_connect(f"/ws/rooms{self._query()}") as socket:
            first = socket.receive_json()
            assert first.get("type") == "rooms", first
            yield socket

    def socket_outcome(self, path: str) -> str:
        """'open' when `path` greets this visitor with a frame that is no error, else
        'refused' (an error frame, a close, or a refused handshake)."""
        try:
            with self.client.websocket_connect(f"{path}{self._query()}") as socket:
                first = socket.receive_json()
        except WebSocketDisconnect:
            return "refused"
        return "refused" if first.get("type") == "error" else "open"

    def say(self, text: str) -> list[dict[str, Any]]:
        """Send one message over the socket; the frames up to the answer (or the error)."""
        with self.chat() as socket:
            socket.send_json({"type": "message", "text": text})
            frames = []
            while True:
                frame = socket.receive_json()
                frames.append(frame)
                if frame.get("type") in ("error", "done"):
                    return frames

    def upload(self, text: str = "photo", lang: str = "fr") -> Any:
        files = {"file": ("photo.png", PNG, "image/png")}
        data = {**self._fields(), "text": text, "lang": lang}
        return self.client.post("/api/chat/upload", data=data, files=files)

    def subscription(self) -> Any:
        params: dict[str, Any] = {}
        self.sign(params, {})
        return self.client.get("/api/widget/notifications/subscription", params=params)

    def set_subscription(self, subscribed: bool) -> Any:
        data = {**self._fields(), "subscribed": "1" if subscribed else "0"}
        return self.client.post("/api/widget/notifications/subscription", data=data)

    def stream_start(self) -> tuple[int, bytes]:
        """The notification stream's status and first chunk (the stream never ends, so it is
        read straight from the app in the test client's event loop, then cancelled)."""
        params: dict[str, Any] = {}
        self.sign(params, {})
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return self.client.portal.call(
            first_chunk, self.client.app, "/api/widget/notifications/stream", query
        )


async def first_chunk(app: Any, path: str, query: str) -> tuple[int, bytes]:
    """Run one GET through the ASGI app until its first body chunk; (status, chunk)."""
    got: dict[str, Any] = {"status": 0, "body": b""}

    async def receive() -> dict[str, Any]:
        await anyio.sleep_forever()
        return {"type": "http.disconnect"}  # never reached

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            got["status"] = message["status"]
        elif message["type"] == "http.response.body":
            got["body"] = message.get("body", b"")
            cancel.cancel()

    scope = {
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
    with anyio.CancelScope() as cancel, anyio.fail_after(10):
        await app(scope, receive, send)
    return got["status"], got["body"]
