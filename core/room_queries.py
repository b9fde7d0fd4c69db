"""The room rows the room services share: the locked room, membership and ban lookups, the
rate-limit count and the latest messages; each runs in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, literal, or_, select, update
from sqlalchemy.orm import Session

from core.errors import InvalidValue, NotFound, NotRoomMember, RateLimited
from core.models import Room, RoomBan, RoomMember, RoomMessage, UTCDateTime
from core.room_rules import (
    RATE_LIMIT_MESSAGES,
    RATE_LIMIT_WINDOW,
    MemberView,
    RoomMessageView,
    member_view,
    message_view,
)


def locked_room(session: Session, room_id: int) -> Room:
    """The room row, locked until the transaction ends (FOR UPDATE; SQLite: BEGIN IMMEDIATE)."""
    room = session.scalar(
        select(Room)
        .where(Room.id == room_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if room is None:
        raise NotFound("unknown_room", f"no room {room_id}")
    return room


def room_row(session: Session, room_id: int) -> Room:
    room = session.get(Room, room_id)
    if room is None:
        raise NotFound("unknown_room", f"no room {room_id}")
    return room


def is_in_room(session: Session, room_id: int, conversation_id: int) -> bool:
    return (
        session.scalar(
            select(RoomMember.id).where(
                RoomMember.room_id == room_id, RoomMember.conversation_id == conversation_id
            )
        )
        is not None
    )


def is_banned_from_room(session: Session, room_id: int, conversation_id: int) -> bool:
    return (
        session.scalar(
            select(RoomBan.id).where(
                RoomBan.room_id == room_id, RoomBan.conversation_id == conversation_id
            )
        )
        is not None
    )


def remove_member(session: Session, room: Room, conversation_id: int) -> MemberView | None:
    """Delete the membership and lower the count, in the caller's transaction (room locked)."""
    member = session.scalar(
        select(RoomMember).where(
            RoomMember.room_id == room.id, RoomMember.conversation_id == conversation_id
        )
    )
    if member is None:
        return None
    view = member_view(member)
    session.delete(member)
    room.member_count = max(0, room.member_count - 1)
    session.flush()
    return view


def ban_target(
    session: Session, room_id: int, member_id: int | None, message_id: int | None
) -> int:
    if member_id is not None:
        member = session.get(RoomMember, member_id)
        if member is None or member.room_id != room_id:
            raise NotFound("unknown_member", f"no member {member_id} in room {room_id}")
        return member.conversation_id
    if message_id is not None:
        message = session.get(RoomMessage, message_id)
        if message is None or message.room_id != room_id or message.conversation_id is None:
            raise NotFound("unknown_message", f"no message {message_id} in room {room_id}")
        return message.conversation_id
    raise InvalidValue("ban_target_missing", "give a member_id or a message_id")


def count_message(session: Session, room_id: int, conversation_id: int, now: datetime) -> str:
    """Count one message in the member's rate-limit window (one conditional UPDATE); returns
    their display name. NotRoomMember, or RateLimited with the seconds to wait."""
    cutoff = now - RATE_LIMIT_WINDOW
    expired = or_(RoomMember.window_start.is_(None), RoomMember.window_start <= cutoff)
    counted = session.execute(
        update(RoomMember)
        .where(
            RoomMember.room_id == room_id,
            RoomMember.conversation_id == conversation_id,
            or_(expired, RoomMember.window_count < RATE_LIMIT_MESSAGES),
        )
        .values(
            window_start=case(
                (expired, literal(now, UTCDateTime())), else_=RoomMember.window_start
            ),
            window_count=case((expired, 1), else_=RoomMember.window_count + 1),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    member = session.execute(
        select(RoomMember.display_name, RoomMember.window_start).where(
            RoomMember.room_id == room_id, RoomMember.conversation_id == conversation_id
        )
    ).first()
    if member is None:
        raise NotRoomMember("not_room_member", "join the room first")
    if counted != 1:
        start = member.window_start or now
        wait = int((start + RATE_LIMIT_WINDOW - now).total_seconds()) + 1
        raise RateLimited(max(1, wait))
    return member.display_name


def latest_visible_messages(session: Session, room_id: int, limit: int) -> list[RoomMessageView]:
    messages = session.scalars(
        select(RoomMessage)
        .where(RoomMessage.room_id == room_id, RoomMessage.removed_at.is_(None))
        .order_by(RoomMessage.id.desc())
        .limit(limit)
    ).all()
    return [message_view(m) for m in reversed(messages)]
