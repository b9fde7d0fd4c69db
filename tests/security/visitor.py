"""The widget visitor, the security suite's customer: ONE place that knows how the widget's
credential travels (channels/widget_auth.py, docs/security.md "The widget credential").

The credential is a token the app issues (`POST /api/widget/session`). HTTP calls carry it as
`Authorization: Bearer <token>`; the sockets (/ws/chat, /ws/rooms) take it in their first
frame, `{"type": "auth", "token": ...}`; the notification stream (EventSource sends no
header) opens with a single-use ticket from `POST /api/widget/notifications/stream-ticket`.
Nothing puts the token in a URL. The tests call `Visitor` methods and never build a widget
request themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import anyio
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.integration.web_support import asgi_get_scope
from tests.integration.widget_support import bearer, customer_key, issue_token

# A 1x1 PNG: the smallest picture the upload accepts.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e226059b0000000049454e44ae426082"
)


class Visitor:
    """A browser with the widget open, holding the token the app issued it;
    `Visitor(client, None)` holds no credential at all (and sends none)."""

    def __init__(self, client: TestClient, token: str | None = "new") -> None:
        self.client = client
        self.token = issue_token(client) if token == "new" else token

    # ---- the credential ----------------------------------------------------------------

    def sign(self, params: dict[str, Any], headers: dict[str, str]) -> None:
        """Add the credential to a plain HTTP request (any route): the Bearer header."""
        if self.token is not None:
            headers.update(bearer(self.token))

    def _headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        self.sign({}, headers)
        return headers

    def key(self, database_url: str) -> str:
        """The customer key the token stands for (the "web" conversation's external id)."""
        assert self.token is not None
        return customer_key(database_url, self.token)

    @contextmanager
    def _socket(self, path: str, lang: str | None = None) -> Iterator[Any]:
        """`path` opened, its first frame the auth frame (none without a credential)."""
        url = f"{path}?lang={lang}" if lang else path
        with self.client.websocket_connect(url) as socket:
            if self.token is not None:
                socket.send_json({"type": "auth", "token": self.token})
            yield socket

    # ---- the widget's endpoints ----------------------------------------------------------

    def session(self) -> Any:
        """`POST /api/widget/session`: the same token while valid, else a new one."""
        return self.client.post("/api/widget/session", headers=self._headers())

    def forget(self) -> Any:
        """`DELETE /api/widget/session`: the widget's "forget this device" (Bearer)."""
        return self.client.delete("/api/widget/session", headers=self._headers())

    @contextmanager
    def chat(self, lang: str = "fr") -> Iterator[Any]:
        """The assistant's socket, its history frame already read."""
        with self._socket("/ws/chat", lang) as socket:
            first = socket.receive_json()
            assert first.get("type") == "history", first
            yield socket

    @contextmanager
    def rooms(self) -> Iterator[Any]:
        """The rooms tab's socket, its room list already read."""
        with self._socket("/ws/rooms") as socket:
            first = socket.receive_json()
            assert first.get("type") == "rooms", first
            yield socket

    def socket_outcome(self, path: str) -> str:
        """'open' when `path` greets this visitor with a frame that is no error, else
        'refused' (an error frame, a close, or a refused handshake). Without a credential
        nothing is sent: the socket waits for the auth frame, then refuses."""
        try:
            with self._socket(path) as socket:
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
        data = {"text": text, "lang": lang}
        return self.client.post("/api/chat/upload", data=data, files=files, headers=self._headers())

    def subscription(self) -> Any:
        return self.client.get("/api/widget/notifications/subscription", headers=self._headers())

    def set_subscription(self, subscribed: bool) -> Any:
        data = {"subscribed": "1" if subscribed else "0"}
        return self.client.post(
            "/api/widget/notifications/subscription", data=data, headers=self._headers()
        )

    def stream_ticket(self) -> Any:
        """`POST /api/widget/notifications/stream-ticket`: a single-use ticket (Bearer)."""
        return self.client.post("/api/widget/notifications/stream-ticket", headers=self._headers())

    def stream_start(self) -> tuple[int, bytes]:
        """The notification stream's status and first chunk, opened with a fresh ticket (none
        without a credential). The stream never ends, so it is read straight from the app in
        the test client's event loop, then cancelled."""
        query = ""
        if self.token is not None:
            answer = self.stream_ticket()
            assert answer.status_code == 200, answer.text
            query = f"ticket={answer.json()['ticket']}"
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

    with anyio.CancelScope() as cancel, anyio.fail_after(10):
        await app(asgi_get_scope(path, query), receive, send)
    return got["status"], got["body"]
