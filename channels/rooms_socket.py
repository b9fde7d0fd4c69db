"""`WS /ws/rooms`: the widget's rooms tab. The first frame authenticates, as on /ws/chat
(`{"type": "auth", "token"}`, channels/widget_auth.py): the same customer key, so the same web
conversation.

Frames in (JSON): `{"type": "list"}`, `{"type": "join", "room_id", "name"}` (also to reopen a
room one is in: it answers the recent history), `{"type": "leave", "room_id"}`,
`{"type": "post", "room_id", "text"}`, `{"type": "report", "message_id"}`.
Frames out: `{"type": "rooms", "rooms": [{id, name, description, capacity, members,
joined, banned, full}]}`, `{"type": "joined", "room", "messages"}`, `{"type": "left",
"room_id"}`, `{"type": "message", "room_id", "message": {id, author, text, at, mine}}`,
`{"type": "removed", "room_id", "message_id"}`, `{"type": "room", "room"}`,
`{"type": "closed", "room_id"}`, `{"type": "kicked", "room_id", "reason"}`,
`{"type": "reported", "message_id"}`, `{"type": "error", "code", "message", ...}`.
Texts are plain strings: the widget shows them with textContent only.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable
from contextlib import suppress
from typing import Any

from fastapi import APIRouter, WebSocket
from fastapi.responses import FileResponse
from starlette.websockets import WebSocketDisconnect, WebSocketState

from channels.http import RESYNC_CLOSE, client_ip, static_asset
from channels.web import STATIC_DIR
from channels.widget_auth import authenticate_socket
from core import rooms
from core.conversations import get_or_create_conversation
from core.errors import PitlaneError, RateLimited
from core.rooms import RoomMessageView
from hub import rooms as rooms_hub
from hub.deps import HubDeps, StoreUnavailable
from hub.limits import count_customer_action
from hub.ports import SubscriptionLost
from hub.texts import normalise_language
from hub.work import off_loop

log = logging.getLogger(__name__)
router = APIRouter(tags=["rooms"])
MAX_FRAME_CHARS = 4 * 1024


@router.get("/rooms.js", include_in_schema=False)
async def get_rooms_script() -> FileResponse:
    return _asset("rooms.js", "text/javascript; charset=utf-8")


@router.get("/rooms.css", include_in_schema=False)
async def get_rooms_style() -> FileResponse:
    return _asset("rooms.css", "text/css; charset=utf-8")


def _asset(name: str, media_type: str) -> FileResponse:
    return static_asset(STATIC_DIR, name, media_type)


@router.websocket("/ws/rooms")
async def rooms_socket(websocket: WebSocket) -> None:
    """The customer's rooms: list, join, leave, post, report; live messages of the room open."""
    await websocket.accept()
    language = normalise_language(websocket.query_params.get("lang"))
    customer_key = await authenticate_socket(websocket, language)  # the first frame
    if customer_key is None:
        return
    hub: HubDeps = websocket.app.state.hub
    try:
        conversation = await off_loop(
            lambda: get_or_create_conversation(hub.uow_factory(), "web", customer_key)
        )
    except StoreUnavailable:
        await websocket.close(code=1011)
        return
    session = _RoomsSession(websocket, hub, conversation.id)
    session.sender = (customer_key, client_ip(websocket))  # customers' rate limits
    try:
        async with hub.bus.subscribe(rooms_hub.LOBBY_TOPIC) as lobby:
            session.follow_lobby(lobby)
            await session.send_rooms()
            await session.receive_loop()
    except WebSocketDisconnect:
        pass
    finally:
        await session.stop()


class _RoomsSession:
    """One widget's rooms socket: answers frames and forwards the open room's events."""

    def __init__(self, websocket: WebSocket, hub: HubDeps, conversation_id: int) -> None:
        self.websocket = websocket
        self.hub = hub
        self.conversation_id = conversation_id
        self.room_id: int | None = None
        self.sender: tuple[str, str | None] | None = None  # (customer key, IP)
        self._lock = asyncio.Lock()
        self._tasks: dict[str, asyncio.Task[None]] = {}

    async def send(self, frame: dict[str, Any]) -> None:
        if self.websocket.application_state != WebSocketState.CONNECTED:
            return
        async with self._lock:
            await self.websocket.send_json(frame)

    def follow_lobby(self, lobby: Any) -> None:
        async def forward() -> None:
            async for _event in lobby:
                await asyncio.sleep(0.05)  # a burst of changes: one list
                lobby.take_waiting()
                await self.send_rooms()

        self._tasks["lobby"] = asyncio.create_task(self._resync_on_loss(forward()))

    async def _resync_on_loss(self, forwarding: Awaitable[None]) -> None:
        """Forward; when live events may have been lost, close the socket: the widget
        reconnects, lists the rooms and joins its room again (its recent messages)."""
        try:
            await forwarding
        except SubscriptionLost:
            with suppress(Exception):  # already closed by the widget
                await self.websocket.close(code=RESYNC_CLOSE)

    def watch(self, room_id: int | None) -> None:
        """Forward the live events of `room_id` (one open room at a time)."""
        previous = self._tasks.pop("room", None)
        if previous is not None:
            previous.cancel()
        self.room_id = room_id
        if room_id is None:
            return

        async def forward() -> None:
            async with self.hub.bus.subscribe(rooms_hub.room_topic(room_id)) as events:
                async for event in events:
                    await self._forward(room_id, event)

        self._tasks["room"] = asyncio.create_task(self._resync_on_loss(forward()))

    async def _forward(self, room_id: int, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "message":
            message = dict(event["message"])
            message["mine"] = message.pop("conversation_id", None) == self.conversation_id
            await self.send({"type": "message", "room_id": room_id, "message": message})
        elif kind == "kicked":
            if event.get("conversation_id") == self.conversation_id:
                await self.send({"type": "kicked", "room_id": room_id, "reason": event["reason"]})
                self.watch(None)
        elif kind == "closed":
            await self.send({"type": "closed", "room_id": room_id})
            self.watch(None)
        elif kind in ("removed", "room"):
            await self.send({**event, "room_id": room_id})

    async def stop(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        for task in self._tasks.values():
            with suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()

    async def send_rooms(self) -> None:
        found = await self.hub.core(rooms.rooms_for_customer, self.conversation_id)
        listed = [
            {
                **rooms_hub.room_json(item.room),
                "joined": item.joined,
                "banned": item.banned,
                "full": item.room.members >= item.room.capacity,
            }
            for item in found
        ]
        await self.send({"type": "rooms", "rooms": listed})

    async def receive_loop(self) -> None:
        while True:
            event = await self.websocket.receive()
            if event["type"] == "websocket.disconnect":
                return
            frame = _parse(event)
            if "error" in frame:
                await self.send(frame["error"])
                continue
            try:
                await self._handle(frame)
            except PitlaneError as exc:
                extra = {"room_id": frame.get("room_id")}
                if isinstance(exc, RateLimited):
                    extra["retry_after"] = exc.retry_after_seconds
                await self.send(_error(exc.code, exc.message, **extra))
            except StoreUnavailable:
                await self.send(_error("unavailable", "the rooms are unavailable, retry later"))
            except Exception:  # a bug must not cut the customer off
                log.exception("rooms frame failed")
                await self.send(_error("internal_error", "unexpected error"))

    async def _handle(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "list":
            await self.send_rooms()
        elif kind == "join":
            room_id = _int(frame, "room_id")
            result = await rooms_hub.join(
                self.hub, room_id, self.conversation_id, _str(frame, "name")
            )
            self.watch(room_id)
            await self.send(
                {
                    "type": "joined",
                    "room": rooms_hub.room_json(result.room),
                    "name": result.member.display_name,
                    "messages": [self._message(m) for m in result.history],
                }
            )
        elif kind == "leave":
            room_id = _int(frame, "room_id")
            await rooms_hub.leave(self.hub, room_id, self.conversation_id)
            if self.room_id == room_id:
                self.watch(None)
            await self.send({"type": "left", "room_id": room_id})
        elif kind == "post":
            if self.sender is not None:  # the customer's message limit, rooms included
                customer_key, ip = self.sender
                await count_customer_action(self.hub, "message", "web", customer_key, ip)
            await rooms_hub.post(
                self.hub, _int(frame, "room_id"), self.conversation_id, _str(frame, "text")
            )
        elif kind == "report":
            message_id = _int(frame, "message_id")
            await rooms_hub.report(self.hub, message_id, self.conversation_id)
            await self.send({"type": "reported", "message_id": message_id})
        else:
            await self.send(_error("invalid_frame", "unknown frame type"))

    def _message(self, view: RoomMessageView) -> dict[str, Any]:
        message = rooms_hub.message_json(view)
        message["mine"] = message.pop("conversation_id") == self.conversation_id
        return message


class _BadFrame(PitlaneError):
    default_code = "invalid_frame"


def _int(frame: dict[str, Any], key: str) -> int:
    value = frame.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        raise _BadFrame("invalid_frame", f"{key} must be a positive whole number")
    return value


def _str(frame: dict[str, Any], key: str) -> str:
    value = frame.get(key)
    if not isinstance(value, str):
        raise _BadFrame("invalid_frame", f"{key} must be a string")
    return value


def _parse(event: dict[str, Any]) -> dict[str, Any]:
    raw = event.get("text")
    if raw is None:
        return {"error": _error("binary_frame", "send JSON text frames")}
    if len(raw) > MAX_FRAME_CHARS:
        return {"error": _error("frame_too_large", "the frame is too large")}
    try:
        frame = json.loads(raw)
    except (ValueError, RecursionError):
        return {"error": _error("invalid_json", "the frame is not valid JSON")}
    if not isinstance(frame, dict):
        return {"error": _error("invalid_frame", "expected a JSON object")}
    return frame


def _error(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message, **extra}
