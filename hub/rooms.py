"""Chat rooms on the hub: call core (in a worker thread), then tell the sockets on the bus.

Used by the customers' socket (channels/rooms_socket.py) and by the admin routes
(backoffice/api/rooms.py, backoffice/rooms_pages.py): every change is stored first, then
published. A member banned, moved out by a capacity cut, or in a room being deleted is also
told in their own conversation (hub/room_notices.py, the hub's one way out), so a customer
not connected at that moment learns it. Topics and events (docs/rooms.md):
- `rooms` (the lobby): `{"type": "rooms_changed"}`: a room was created, renamed, resized,
  deleted, or its occupancy changed: sockets send their customer a fresh list;
- `room:{id}`: `{"type": "message", "message": {...}}`, `{"type": "removed", "message_id"}`,
  `{"type": "room", "room": {...}}` (name, capacity, occupancy), `{"type": "closed"}` (the
  room was deleted), `{"type": "kicked", "conversation_id", "reason": "banned"|"capacity"}`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core import rooms
from core.rooms import JoinResult, RoomMessageView, RoomView
from hub.deps import HubDeps
from hub.room_notices import BANNED, CLOSED, EVICTED, tell_members

LOBBY_TOPIC = "rooms"


def room_topic(room_id: int) -> str:
    return f"room:{room_id}"


def room_json(view: RoomView) -> dict[str, Any]:
    return {
        "id": view.id,
        "name": view.name,
        "description": view.description,
        "capacity": view.capacity,
        "members": view.members,
        "status": view.status,
    }


def message_json(view: RoomMessageView) -> dict[str, Any]:
    """A message as published on the bus; sockets replace `conversation_id` with `mine`."""
    return {
        "id": view.id,
        "room_id": view.room_id,
        "author": view.author,
        "text": view.text,
        "at": view.created_at.isoformat(),
        "conversation_id": view.conversation_id,
    }


async def room_changed(deps: HubDeps, view: RoomView) -> None:
    await deps.bus.publish(room_topic(view.id), {"type": "room", "room": room_json(view)})
    await deps.bus.publish(LOBBY_TOPIC, {"type": "rooms_changed"})


# ---- customers ------------------------------------------------------------------------


async def join(deps: HubDeps, room_id: int, conversation_id: int, display_name: str) -> JoinResult:
    result: JoinResult = await deps.core(
        rooms.join_room, room_id, conversation_id, display_name, deps.now()
    )
    if result.joined_now:
        await room_changed(deps, result.room)
    return result


async def leave(deps: HubDeps, room_id: int, conversation_id: int) -> RoomView:
    view: RoomView = await deps.core(rooms.leave_room, room_id, conversation_id)
    await room_changed(deps, view)
    return view


async def post(deps: HubDeps, room_id: int, conversation_id: int, text: str) -> RoomMessageView:
    view: RoomMessageView = await deps.core(
        rooms.post_message, room_id, conversation_id, text, deps.now()
    )
    await deps.bus.publish(room_topic(room_id), {"type": "message", "message": message_json(view)})
    return view


async def report(deps: HubDeps, message_id: int, conversation_id: int) -> int:
    return int(await deps.core(rooms.report_message, message_id, conversation_id, deps.now()))


# ---- admins ---------------------------------------------------------------------------


async def create(
    deps: HubDeps, *, name: str, capacity: int, description: str | None, created_by: int
) -> RoomView:
    view: RoomView = await deps.core(
        rooms.create_room,
        name=name,
        capacity=capacity,
        description=description,
        created_by=created_by,
        now=deps.now(),
    )
    await deps.bus.publish(LOBBY_TOPIC, {"type": "rooms_changed"})
    return view


async def update(
    deps: HubDeps,
    room_id: int,
    *,
    name: str | None = None,
    description: str | None = None,
    capacity: int | None = None,
    evict: bool = False,
) -> tuple[RoomView, int]:
    """Rename and/or resize; returns the room and how many members were evicted."""
    view: RoomView | None = None
    if name is not None or description is not None:
        view = await deps.core(rooms.update_room, room_id, name=name, description=description)
    evicted = 0
    if capacity is not None:
        change = await deps.core(rooms.set_capacity, room_id, capacity, evict=evict)
        view = change.room
        evicted = len(change.evicted)
        for member in change.evicted:
            await _kick(deps, room_id, member.conversation_id, "capacity")
        await tell_members(deps, view, [m.conversation_id for m in change.evicted], EVICTED)
    if view is None:
        view = await deps.core(rooms.get_room, room_id)
    await room_changed(deps, view)
    return view, evicted


async def delete(deps: HubDeps, room_id: int) -> RoomView:
    """Close the room: its members' sockets are told and can no longer post; each member
    at that moment is also told in their conversation (none when it was already closed)."""
    closure: rooms.RoomClosure = await deps.core(rooms.delete_room, room_id, deps.now())
    await deps.bus.publish(room_topic(room_id), {"type": "closed", "room_id": room_id})
    await deps.bus.publish(LOBBY_TOPIC, {"type": "rooms_changed"})
    await tell_members(deps, closure.room, closure.members, CLOSED)
    return closure.room


async def remove_message(deps: HubDeps, message_id: int, staff_id: int) -> RoomMessageView:
    view: RoomMessageView = await deps.core(rooms.remove_message, message_id, staff_id, deps.now())
    await deps.bus.publish(
        room_topic(view.room_id),
        {"type": "removed", "room_id": view.room_id, "message_id": view.id},
    )
    return view


async def ban(
    deps: HubDeps,
    room_id: int,
    *,
    member_id: int | None = None,
    message_id: int | None = None,
    staff_id: int,
) -> rooms.BanResult:
    result: rooms.BanResult = await deps.core(
        rooms.ban_from_room,
        room_id,
        member_id=member_id,
        message_id=message_id,
        staff_id=staff_id,
        now=deps.now(),
    )
    await _kick(deps, room_id, result.conversation_id, "banned")
    await room_changed(deps, result.room)
    if result.removed is not None:  # banning someone not in the room (or twice) removes no one
        await tell_members(deps, result.room, [result.conversation_id], BANNED)
    return result


async def _kick(deps: HubDeps, room_id: int, conversation_id: int, reason: str) -> None:
    event = {
        "type": "kicked",
        "room_id": room_id,
        "conversation_id": conversation_id,
        "reason": reason,
    }
    await deps.bus.publish(room_topic(room_id), event)


def when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
