"""Clients of the scaled stack over real sockets (asyncio): a widget visitor (its credential,
its chat and rooms sockets, its notification stream), a REST integration's customer, and a
staff member signed in through the JSON API. Each call names the replica it goes to."""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import websockets

API_TOKEN = secrets.token_hex(24)
REST_CLIENT, REST_TOKEN = "scale", secrets.token_hex(24)
ADVISOR = ("conseiller@pitlane.example", "advisor-demo-2026")  # demo staff (data/demo.yaml)
ADMIN = ("admin@pitlane.example", "admin-demo-2026")
WAIT = 20.0  # seconds a frame or an event may take to cross replicas on 2 busy cores
# No connection is reused: uvicorn closes a keep-alive connection idle for 5 s, and a request
# sent on it at that moment fails on the client (httpx.ReadError) without reaching the app.
# Each request on a fresh connection keeps the tests about the replicas, not that race.
FRESH_CONNECTIONS = httpx.Limits(max_keepalive_connections=0)


class Socket:
    """A WebSocket (widget or console) that reads frames by type."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.seen: list[dict[str, Any]] = []

    async def send(self, frame: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(frame))

    async def next(self, kind: str, timeout: float = WAIT, **match: Any) -> dict[str, Any]:
        """The next frame of type `kind` (whose keys equal `match`), skipping the others."""

        async def read() -> dict[str, Any]:
            while True:
                frame = json.loads(await self.connection.recv())
                self.seen.append(frame)
                if frame.get("type") == kind and all(frame.get(k) == v for k, v in match.items()):
                    return frame

        return await asyncio.wait_for(read(), timeout)


def ws_url(base: str, path: str) -> str:
    return "ws" + base.removeprefix("http") + path


async def widget_token(base: str) -> str:
    """A new widget credential from replica `base`."""
    async with httpx.AsyncClient(timeout=WAIT, limits=FRESH_CONNECTIONS) as client:
        response = await client.post(f"{base}/api/widget/session")
    assert response.status_code == 201, response.text
    return response.json()["token"]


@asynccontextmanager
async def widget_socket(
    base: str, path: str, token: str, first: str, lang: str = "fr"
) -> AsyncIterator[Socket]:
    """`path` (/ws/chat, /ws/rooms) on replica `base`, authenticated, its `first` frame read."""
    async with websockets.connect(ws_url(base, f"{path}?lang={lang}")) as connection:
        socket = Socket(connection)
        await socket.send({"type": "auth", "token": token})
        await socket.next(first)
        yield socket


async def chat_say(socket: Socket, text: str) -> list[dict[str, Any]]:
    """Send a message on a widget chat socket; the frames up to its `done`."""
    start = len(socket.seen)
    await socket.send({"type": "message", "text": text})
    await socket.next("done", timeout=90)
    return socket.seen[start:]


class Notifications:
    """A widget's notification stream (SSE) on one replica."""

    def __init__(self, lines: AsyncIterator[str]) -> None:
        self.lines = lines
        self.received: list[dict[str, Any]] = []

    async def next(self, timeout: float = WAIT) -> dict[str, Any]:
        async def read() -> dict[str, Any]:
            event, data = None, None
            async for line in self.lines:
                if line.startswith("event:"):
                    event = line.partition(":")[2].strip()
                elif line.startswith("data:"):
                    data = line.partition(":")[2].strip()
                elif line == "" and event == "notification" and data is not None:
                    self.received.append(json.loads(data))
                    return self.received[-1]
                elif line == "":
                    event, data = None, None
            raise AssertionError("the notification stream ended")

        return await asyncio.wait_for(read(), timeout)


@asynccontextmanager
async def notification_stream(base: str, token: str) -> AsyncIterator[Notifications]:
    """Open the stream on replica `base` with a ticket issued by that replica."""
    async with httpx.AsyncClient(
        timeout=httpx.Timeout(WAIT, read=None), limits=FRESH_CONNECTIONS
    ) as client:
        ticket = await client.post(
            f"{base}/api/widget/notifications/stream-ticket",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert ticket.status_code == 200, ticket.text
        params = {"ticket": ticket.json()["ticket"]}
        url = f"{base}/api/widget/notifications/stream"
        async with client.stream("GET", url, params=params) as response:
            assert response.status_code == 200, response.status_code
            stream = Notifications(response.aiter_lines())
            yield stream


class Staff:
    """A staff member signed in once; the session (a cookie, stored in the database) is
    valid on every replica, so each call names its replica."""

    def __init__(self, who: tuple[str, str]) -> None:
        self.who = who
        self.client = httpx.AsyncClient(timeout=WAIT, limits=FRESH_CONNECTIONS)
        self.csrf = ""

    async def sign_in(self, base: str) -> Staff:
        response = await self.client.post(
            f"{base}/api/staff/login", json={"email": self.who[0], "password": self.who[1]}
        )
        assert response.status_code == 200, response.text
        self.csrf = response.json()["csrf_token"]
        return self

    async def call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {"X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})}
        return await self.client.request(method, url, headers=headers, **kwargs)

    @asynccontextmanager
    async def console(self, base: str) -> AsyncIterator[Socket]:
        """The advisor console's socket on replica `base` (the session cookie, no Origin)."""
        cookie = "; ".join(f"{name}={value}" for name, value in self.client.cookies.items())
        url = ws_url(base, "/ws/console")
        async with websockets.connect(url, extra_headers={"Cookie": cookie}) as connection:
            yield Socket(connection)

    async def aclose(self) -> None:
        await self.client.aclose()


class RestCustomer:
    """A customer of the REST integration (the hub's webhook), on any replica per message."""

    def __init__(self) -> None:
        self.sender = f"scale-{uuid.uuid4().hex[:12]}"
        self.replies: list[dict[str, Any]] = []

    async def say(self, base: str, text: str, client: httpx.AsyncClient) -> list[dict[str, Any]]:
        response = await client.post(
            f"{base}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text},
            headers={"Authorization": f"Bearer {REST_TOKEN}"},
            timeout=120,
        )
        assert response.status_code == 200, response.text
        self.replies = response.json()
        assert self.replies, f"no answer to {text!r}"
        return self.replies

    @property
    def text(self) -> str:
        return "\n".join(r.get("text") or "" for r in self.replies)

    @property
    def payloads(self) -> list[str]:
        return [b["payload"] for r in self.replies for b in r.get("buttons") or []]

    def payload(self, prefix: str) -> str:
        matching = [p for p in self.payloads if p.startswith(prefix)]
        assert matching, f"no button {prefix!r} in {self.payloads} / {self.text!r}"
        return matching[0]
