"""Chat rooms, the admins' side: create, rename, resize and delete rooms; read their members
and history; remove messages and ban customers (the guarantees: core/rooms.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from core.errors import CapacityBelowMembers, NotFound, RoomClosed
from core.models import Room, RoomBan, RoomMember, RoomMessage, RoomMessageReport
from core.room_queries import ban_target, locked_room, remove_member, room_row
from core.room_rules import (
    BanResult,
    CapacityChange,
    MemberView,
    RoomClosure,
    RoomMessageView,
    RoomView,
    member_view,
    message_view,
    name_taken,
    room_view,
    valid_capacity,
    valid_description,
    valid_room_name,
)
from core.uow import UnitOfWork


def create_room(
    uow: UnitOfWork,
    *,
    name: str,
    capacity: int,
    description: str | None = None,
    created_by: int | None = None,
    now: datetime,
) -> RoomView:
    """A new open room; Conflict `room_name_taken` when an open room has that name."""
    room = Room(
        name=valid_room_name(name),
        description=valid_description(description),
        capacity=valid_capacity(capacity),
        member_count=0,
        status="open",
        created_by=created_by,
        created_at=now,
    )
    with uow:
        try:
            with uow.session.begin_nested():
                uow.session.add(room)
        except IntegrityError:
            raise name_taken(room.name) from None
        view = room_view(room)
        uow.commit()
        return view


def update_room(
    uow: UnitOfWork, room_id: int, *, name: str | None = None, description: str | None = None
) -> RoomView:
    """Rename a room and/or change its description (`""` clears it); RoomClosed if deleted."""
    with uow:
        room = locked_room(uow.session, room_id)
        if room.status != "open":
            raise RoomClosed("room_closed", "a deleted room cannot be changed")
        new_name = room.name if name is None else valid_room_name(name)
        try:
            with uow.session.begin_nested():
                room.name = new_name
                if description is not None:
                    room.description = valid_description(description)
        except IntegrityError:
            raise name_taken(new_name) from None
        view = room_view(room)
        uow.commit()
        return view


def set_capacity(
    uow: UnitOfWork, room_id: int, capacity: int, *, evict: bool = False
) -> CapacityChange:
    """Change how many members the room holds.

    Below the current number of members, CapacityBelowMembers is raised unless `evict`:
    then the latest arrivals are removed (and returned, to be told) until the room fits.
    """
    capacity = valid_capacity(capacity)
    with uow:
        session = uow.session
        room = locked_room(session, room_id)
        if room.status != "open":
            raise RoomClosed("room_closed", "a deleted room cannot be changed")
        evicted: list[MemberView] = []
        excess = room.member_count - capacity
        if excess > 0:
            if not evict:
                raise CapacityBelowMembers(room.member_count)
            latest = session.scalars(
                select(RoomMember)
                .where(RoomMember.room_id == room_id)
                .order_by(RoomMember.joined_at.desc(), RoomMember.id.desc())
                .limit(excess)
            ).all()
            evicted = [member_view(m) for m in latest]
            session.execute(delete(RoomMember).where(RoomMember.id.in_([m.id for m in latest])))
            room.member_count -= len(latest)
            session.flush()
        room.capacity = capacity
        session.flush()
        view = room_view(room)
        uow.commit()
        return CapacityChange(room=view, evicted=evicted)


def delete_room(uow: UnitOfWork, room_id: int, now: datetime) -> RoomClosure:
    """Close the room for good: no join, no message; its history stays for admins. The
    result names the members at that moment (read under the room's lock, so no join slips
    in between), to be told.

    Idempotent: deleting a deleted room returns it unchanged, with no members to tell.
    """
    with uow:
        session = uow.session
        room = locked_room(session, room_id)
        members: list[int] = []
        if room.status == "open":
            members = list(
                session.scalars(
                    select(RoomMember.conversation_id)
                    .where(RoomMember.room_id == room_id)
                    .order_by(RoomMember.joined_at, RoomMember.id)
                )
            )
            room.status = "deleted"
            room.deleted_at = now
            session.flush()
        view = room_view(room)
        uow.commit()
        return RoomClosure(room=view, members=members)


def list_rooms(uow: UnitOfWork, *, include_deleted: bool = True) -> list[RoomView]:
    """Rooms for admins: open ones by name, then deleted ones, latest deleted first."""
    stmt = select(Room).order_by(Room.status.desc(), Room.deleted_at.desc(), Room.name)
    if not include_deleted:
        stmt = stmt.where(Room.status == "open")
    with uow:
        return [room_view(room) for room in uow.session.scalars(stmt)]


def get_room(uow: UnitOfWork, room_id: int) -> RoomView:
    with uow:
        return room_view(room_row(uow.session, room_id))


def room_members(uow: UnitOfWork, room_id: int) -> list[MemberView]:
    """The room's members, first arrivals first."""
    with uow:
        room_row(uow.session, room_id)
        members = uow.session.scalars(
            select(RoomMember)
            .where(RoomMember.room_id == room_id)
            .order_by(RoomMember.joined_at, RoomMember.id)
        )
        return [member_view(m) for m in members]


def room_history(uow: UnitOfWork, room_id: int, limit: int = 200) -> list[RoomMessageView]:
    """Admins: the room's latest messages, removed ones included, with their report counts;
    also for a deleted room."""
    reports = (
        select(func.count(RoomMessageReport.id))
        .where(RoomMessageReport.message_id == RoomMessage.id)
        .scalar_subquery()
    )
    with uow:
        room_row(uow.session, room_id)
        rows = uow.session.execute(
            select(RoomMessage, reports)
            .where(RoomMessage.room_id == room_id)
            .order_by(RoomMessage.id.desc())
            .limit(limit)
        ).all()
        return [message_view(message, count) for message, count in reversed(rows)]


def remove_message(
    uow: UnitOfWork, message_id: int, staff_id: int, now: datetime
) -> RoomMessageView:
    """An admin removes a message: customers no longer see it; admins still do."""
    with uow:
        message = uow.session.get(RoomMessage, message_id)
        if message is None:
            raise NotFound("unknown_message", f"no room message {message_id}")
        if message.removed_at is None:
            message.removed_at = now
            message.removed_by = staff_id
            uow.session.flush()
        view = message_view(message)
        uow.commit()
        return view


def ban_from_room(
    uow: UnitOfWork,
    room_id: int,
    *,
    member_id: int | None = None,
    message_id: int | None = None,
    staff_id: int,
    now: datetime,
) -> BanResult:
    """Ban a member (by membership id) or a message's author from the room: they leave it
    and cannot join again. Banning twice is harmless."""
    with uow:
        session = uow.session
        room = locked_room(session, room_id)
        conversation_id = ban_target(session, room_id, member_id, message_id)
        try:
            with session.begin_nested():
                session.add(
                    RoomBan(
                        room_id=room_id,
                        conversation_id=conversation_id,
                        banned_by=staff_id,
                        created_at=now,
                    )
                )
        except IntegrityError:  # already banned
            pass
        removed = remove_member(session, room, conversation_id)
        view = room_view(room)
        uow.commit()
        return BanResult(room=view, conversation_id=conversation_id, removed=removed)
