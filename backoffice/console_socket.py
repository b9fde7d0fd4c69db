"""`WS /ws/console`: the advisor console's live feed (and `GET /assets/console.js`, its script).

The socket needs the staff session cookie of an advisor or an admin (CONVERSATION_STAFF,
backoffice/auth.py; and, from a browser, an Origin on this host); otherwise it is closed
with 1008. It then sends snapshots read from the store, never the
bus events themselves: `{"type": "queue", "requests": [...]}` whenever the `queue` topic
moves, `{"type": "mine", "requests": [...]}` and `{"type": "conversation", "request": {...}}`
for events on `advisor:{staff_id}`. The console sends `{"type": "heartbeat"}` every 30 s: the
advisor is then "seen" (core `heartbeat`) and the session checked again; a socket silent for
two minutes is closed (1008).

Typing indicators (hub/typing_signals.py), the one kind of bus event passed on as it came:
`{"type": "typing", "request_id", "conversation_id", "state"}` on `advisor:{staff_id}` (the
customer types) goes to the console as that frame; the console's `{"type": "typing",
"request_id", "state": "on"|"off"}` reaches that request's customer only when this advisor
holds it, accepted (anything else is ignored, unanswered).

A session that ends closes the socket with 4401 `session_ended` (the console then shows the
sign-in page): found at a heartbeat, or at once when `session_revoked` comes on
`advisor:{staff_id}` (backoffice/session_events.py: published by whatever ended sessions of
that member, on any replica sharing the bus); the socket then reads its session again from
the database, and stays open if it is still valid (another of their sessions ended).
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
from fastapi import APIRouter, WebSocket
from fastapi.responses import Response
from starlette.websockets import WebSocketDisconnect, WebSocketState

from backoffice.api.deps import Core, core_of
from backoffice.auth import CONVERSATION_STAFF, StaffSession, needs_totp_enrolment, read_session
from backoffice.handoff_views import load_mine, load_queue, load_request
from channels.http import RESYNC_CLOSE
from channels.script_bundle import CONSOLE_SECTIONS, bundle
from core import staff as staff_core
from core.errors import NotFound
from hub.ports import Subscription, SubscriptionLost
from hub.topics import SESSION_REVOKED, advisor_topic, queue_topic
from hub.typing_signals import TYPING, advisor_typing, typing_state

log = logging.getLogger(__name__)
router = APIRouter()
CONSOLE_SCRIPT = Path(__file__).parent / "static" / "console.js"

SILENCE_LIMIT = 120.0  # seconds without any frame from the console
POLICY_VIOLATION = 1008
SESSION_ENDED = 4401  # the staff session is gone: sign in again, do not reconnect
# What sending to or reading from a console that has gone away raises.
_GONE = (WebSocketDisconnect, RuntimeError, OSError)


def _same_origin(websocket: WebSocket) -> bool:
    """No Origin (not a browser) or an Origin naming this host: no cross-site hijacking."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc.lower() == websocket.headers.get("host", "").lower()


def _may_converse(websocket: WebSocket, session: StaffSession | None) -> bool:
    """A live session, two-factor enrolment done when required, of a role that converses."""
    if session is None or needs_totp_enrolment(websocket, session.staff):
        return False
    return session.staff.role in CONVERSATION_STAFF


@router.get("/assets/console.js", include_in_schema=False)  # before the /assets mount's file
async def get_console_script() -> Response:
    """The console with the shared helpers and its texts (channels/script_bundle.py)."""
    script = bundle(CONSOLE_SCRIPT, CONSOLE_SECTIONS)
    headers = {"Cache-Control": "no-cache"}
    return Response(script, media_type="text/javascript; charset=utf-8", headers=headers)


@router.websocket("/ws/console")
async def console_socket(websocket: WebSocket) -> None:
    """Queue snapshots and the advisor's conversations, live; heartbeats in."""
    await websocket.accept()
    core = core_of(websocket.app)
    session = await read_session(websocket, core) if _same_origin(websocket) else None
    if not _may_converse(websocket, session):
        await websocket.close(code=POLICY_VIOLATION, reason="staff session required")
        return
    assert session is not None
    feed = _Feed(websocket, core, session.staff.id)
    bus = websocket.app.state.bus
    async with (
        bus.subscribe(queue_topic()) as queue_events,
        bus.subscribe(advisor_topic(session.staff.id)) as advisor_events,
        anyio.create_task_group() as tasks,
    ):

        async def until_one_ends(loop: Callable[[], Awaitable[None]]) -> None:
            """Run one of the feed's loops; when any ends, the others are cancelled."""
            try:
                await loop()
            except _GONE:
                pass
            except SubscriptionLost:  # the console reconnects and reads both snapshots again
                feed.closing = (RESYNC_CLOSE, "resync")
            except Exception:  # a bug must end this socket, not the server
                log.exception("console socket of staff %s failed", session.staff.id)
            finally:
                tasks.cancel_scope.cancel()

        tasks.start_soon(until_one_ends, feed.converse)
        tasks.start_soon(until_one_ends, partial(feed.follow_queue, queue_events))
        tasks.start_soon(until_one_ends, partial(feed.follow_advisor, advisor_events))
    connected = WebSocketState.CONNECTED
    if websocket.application_state == connected and websocket.client_state == connected:
        code, reason = feed.closing
        with anyio.move_on_after(5), contextlib.suppress(*_GONE):
            await websocket.close(code=code, reason=reason)


class _Feed:
    """One console connection: serialised sends, snapshots, the heartbeat loop."""

    def __init__(self, websocket: WebSocket, core: Core, staff_id: int) -> None:
        self.websocket = websocket
        self.core = core
        self.staff_id = staff_id
        self._lock = anyio.Lock()
        self.closing = (POLICY_VIOLATION, "console closed")  # the close frame once it ends

    async def send(self, frame: dict[str, Any]) -> None:
        async with self._lock:
            await self.websocket.send_text(json.dumps(frame, default=str))

    async def send_queue(self) -> None:
        requests = await self.core.read(load_queue, self.core.now())
        await self.send(
            {"type": "queue", "requests": [r.model_dump(mode="json") for r in requests]}
        )

    async def send_mine(self) -> None:
        requests = await self.core.read(load_mine, self.staff_id, self.core.now())
        await self.send({"type": "mine", "requests": [r.model_dump(mode="json") for r in requests]})

    async def send_request(self, request_id: int) -> None:
        try:
            request = await self.core.read(load_request, request_id, self.core.now())
        except NotFound:
            return
        await self.send({"type": "conversation", "request": request.model_dump(mode="json")})

    async def follow_queue(self, events: Subscription) -> None:
        async for _event in events:
            await _drain(events)  # a burst of changes: one fresh snapshot is enough
            await self.send_queue()

    async def follow_advisor(self, events: Subscription) -> None:
        """The advisor's events: one conversation changed (its snapshot), a burst (all of
        theirs), or sessions of theirs ended (this one's checked; gone: the loop ends)."""
        async for event in events:
            burst = [event, *events.take_waiting()]
            revoked = any(one.get("type") == SESSION_REVOKED for one in burst)
            if revoked and not await self._session_alive():
                return
            for one in burst:
                if one.get("type") == TYPING:
                    await self.send(_typing_frame(one))
            changes = [one for one in burst if one.get("type") not in (SESSION_REVOKED, TYPING)]
            request_id = changes[0].get("request_id") if len(changes) == 1 else None
            if isinstance(request_id, int):
                await self.send_request(request_id)
            elif changes:
                await self.send_mine()

    async def converse(self) -> None:
        """Seen now, both snapshots; then read the console's frames until it leaves, goes
        silent or its session ends."""
        await self.core.run(staff_core.heartbeat, self.staff_id, self.core.now())
        await self.send_queue()
        await self.send_mine()
        while True:
            with anyio.move_on_after(SILENCE_LIMIT):
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                if _frame_type(message) == "heartbeat" and not await self._heartbeat():
                    return
                if _frame_type(message) == TYPING:
                    await self._typing(message)
                continue
            return  # silent for too long

    async def _session_alive(self) -> bool:
        """This socket's session read again from the database; when it has ended, the
        socket will close with `SESSION_ENDED`."""
        session = await read_session(self.websocket, self.core)
        if not _may_converse(self.websocket, session):
            self.closing = (SESSION_ENDED, "session_ended")
            return False
        return True

    async def _typing(self, message: dict[str, Any]) -> None:
        """The advisor types (or stopped) in one of their conversations: its customer is told."""
        frame = json.loads(message["text"])
        request_id, state = frame.get("request_id"), typing_state(frame)
        if isinstance(request_id, int) and not isinstance(request_id, bool) and state:
            await advisor_typing(self.websocket.app.state.hub, request_id, self.staff_id, state)

    async def _heartbeat(self) -> bool:
        """The advisor is seen now; False when their session has ended meanwhile."""
        if not await self._session_alive():
            return False
        await self.core.run(staff_core.heartbeat, self.staff_id, self.core.now())
        await self.send({"type": "heartbeat"})
        return True


async def _drain(events: Subscription) -> None:
    while events.pending():
        await events.get()


def _typing_frame(event: dict[str, Any]) -> dict[str, Any]:
    """The console's frame of a customer's typing event: its known fields only."""
    return {
        "type": TYPING,
        "request_id": event.get("request_id"),
        "conversation_id": event.get("conversation_id"),
        "state": event.get("state"),
    }


def _frame_type(message: dict[str, Any]) -> str | None:
    text = message.get("text")
    if not isinstance(text, str) or len(text) > 1024:
        return None
    try:
        frame = json.loads(text)
    except ValueError:
        return None
    return frame.get("type") if isinstance(frame, dict) else None
