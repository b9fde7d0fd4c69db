"""When the bus may have lost events (a Redis link cut and back, a failed publish), the
widget's sockets close with 1012 and its notification stream ends: the clients reconnect
and read again from the database what they missed (docs/scaling.md)."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest
from starlette.websockets import WebSocketDisconnect

from channels.bus import Bus, Subscription
from channels.http import RESYNC_CLOSE
from tests.integration.staff_web_support import ADVISOR, login
from tests.integration.web_support import asgi_get_scope, web_client
from tests.integration.widget_support import authenticated_socket, bearer, issue_token


class SpyBus:
    """The in-process bus, keeping the subscriptions it opened (a test double at the port)."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self.opened: list[Subscription] = []

    async def publish(self, topic: str, event: dict[str, Any]) -> int:
        return await self.bus.publish(topic, event)

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[Subscription]:
        async with self.bus.subscribe(topic) as subscription:
            self.opened.append(subscription)
            yield subscription

    def subscriber_count(self, topic: str) -> int:
        return self.bus.subscriber_count(topic)

    async def interrupt(self, topic_prefix: str) -> None:
        """Interrupt the subscriptions to topics starting with `topic_prefix` (on the app's
        event loop), once the socket under test has opened one."""
        deadline = time.monotonic() + 5
        while not any(s.topic.startswith(topic_prefix) for s in self.opened):
            assert time.monotonic() < deadline, f"no subscription to {topic_prefix}"
            await asyncio.sleep(0.02)
        for subscription in self.opened:
            if subscription.topic.startswith(topic_prefix):
                subscription.interrupt()


def spied(client: Any) -> SpyBus:
    spy = SpyBus(client.app.state.bus)
    client.app.state.hub = dataclasses.replace(client.app.state.hub, bus=spy)
    client.app.state.bus = spy
    return spy


def close_code(socket: Any) -> int:
    with pytest.raises(WebSocketDisconnect) as closed:
        while True:
            socket.receive_json()
    return closed.value.code


def test_the_chat_socket_closes_for_a_resync_when_events_may_be_lost(
    seeded_sqlite_url: str,
) -> None:
    with web_client(seeded_sqlite_url) as client:
        spy = spied(client)
        token = issue_token(client)
        with authenticated_socket(client, "/ws/chat", token) as socket:
            assert socket.receive_json()["type"] == "history"
            client.portal.call(spy.interrupt, "conversation:")
            assert close_code(socket) == RESYNC_CLOSE


def test_the_rooms_socket_closes_for_a_resync_when_events_may_be_lost(
    seeded_sqlite_url: str,
) -> None:
    with web_client(seeded_sqlite_url) as client:
        spy = spied(client)
        token = issue_token(client)
        with authenticated_socket(client, "/ws/rooms", token) as socket:
            assert socket.receive_json()["type"] == "rooms"
            client.portal.call(spy.interrupt, "rooms")
            assert close_code(socket) == RESYNC_CLOSE


def test_the_advisor_console_closes_for_a_resync_when_events_may_be_lost(
    seeded_sqlite_url: str,
) -> None:
    with web_client(seeded_sqlite_url) as client:
        spy = spied(client)
        login(client, ADVISOR)
        with client.websocket_connect("/ws/console") as socket:
            assert socket.receive_json()["type"] == "queue"
            client.portal.call(spy.interrupt, "queue")
            assert close_code(socket) == RESYNC_CLOSE


def test_the_notification_stream_ends_when_events_may_be_lost(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url) as client:
        spy = spied(client)
        token = issue_token(client)
        ticket = client.post("/api/widget/notifications/stream-ticket", headers=bearer(token))
        assert ticket.status_code == 200, ticket.text
        query = f"ticket={ticket.json()['ticket']}"
        status, chunks = client.portal.call(whole_stream, client.app, spy, query)
    assert status == 200
    assert chunks[0].startswith(b"retry:")
    assert chunks[-1] == b""  # the end of the response: it would go on forever otherwise
    assert not any(b"data:" in chunk for chunk in chunks)


async def whole_stream(app: Any, spy: SpyBus, query: str) -> tuple[int, list[bytes]]:
    """Open the stream through the ASGI app, interrupt its subscription, and read the
    response to its end (10 s at most)."""
    got: dict[str, Any] = {"status": 0, "chunks": []}
    ended = anyio.Event()

    async def receive() -> dict[str, Any]:
        await anyio.sleep_forever()
        return {"type": "http.disconnect"}  # never reached

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            got["status"] = message["status"]
        elif message["type"] == "http.response.body":
            got["chunks"].append(message.get("body", b""))
            if not message.get("more_body", False):
                ended.set()

    scope = asgi_get_scope("/api/widget/notifications/stream", query)
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(app, scope, receive, send)
            await spy.interrupt("notifications")
            await ended.wait()
            tasks.cancel_scope.cancel()
    return got["status"], got["chunks"]
