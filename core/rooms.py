"""Chat rooms between customers: admins create, rename, resize and delete them; customers
join, leave, post and report; admins remove messages and ban customers. This module holds
the customers' side and re-exports the rest: the admins' side is core/rooms_admin.py, the rules
that need no database core/room_rules.py, the shared row helpers core/room_queries.py.

A customer is their conversation (`conversation_id`): a web visitor's widget id, a Telegram
chat, a WhatsApp number. Every guarantee is the database's, in one transaction:
- capacity: the room row is locked (FOR UPDATE on PostgreSQL; SQLite serialises writers with
  BEGIN IMMEDIATE), then `member_count` is raised by a conditional UPDATE that only matches
  while below capacity, and a CHECK keeps `member_count <= capacity` whatever happens;
- a deleted room takes no message: the post locks the room row for share (a deletion in
  progress is waited for) and the INSERT itself only happens while the room is open;
- the rate limit is a conditional UPDATE of the member's row (its window and count)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

from core.errors import BannedFromRoom, InvalidValue, NotFound, NotRoomMember, RoomClosed, RoomFull
from core.models import Room, RoomBan, RoomMember, RoomMessage, RoomMessageReport, UTCDateTime
from core.room_queries import (
    count_message,
    is_banned_from_room,
    is_in_room,
    latest_visible_messages,
    locked_room,
    remove_member,
)
from core.room_rules import (
    DESCRIPTION_MAX,
    DISPLAY_NAME_LENGTH,
    HISTORY_ON_JOIN,
    MAX_CAPACITY,
    MESSAGE_MAX,
    NAME_LENGTH,
    RATE_LIMIT_MESSAGES,
    RATE_LIMIT_WINDOW,
    BanResult,
    CapacityChange,
    CustomerRoomView,
    JoinResult,
    MemberView,
    RoomClosure,
    RoomMessageView,
    RoomView,
    member_view,
    message_view,
    room_view,
    valid_display_name,
    valid_message_text,
)
from core.rooms_admin import (
    ban_from_room,
    create_room,
    delete_room,
    get_room,
    list_rooms,
    remove_message,
    room_history,
    room_members,
    set_capacity,
    update_room,
)
from core.uow import UnitOfWork

__all__ = [
    "BanResult",
    "CapacityChange",
    "CustomerRoomView",
    "DESCRIPTION_MAX",
    "DISPLAY_NAME_LENGTH",
    "HISTORY_ON_JOIN",
    "JoinResult",
    "MAX_CAPACITY",
    "MESSAGE_MAX",
    "MemberView",
    "NAME_LENGTH",
    "RATE_LIMIT_MESSAGES",
    "RATE_LIMIT_WINDOW",
    "RoomClosure",
    "RoomMessageView",
    "RoomView",
    "ban_from_room",
    "create_room",
    "delete_room",
    "get_room",
    "join_room",
    "leave_room",
    "list_rooms",
    "post_message",
    "recent_messages",
    "remove_message",
    "report_message",
    "room_history",
    "room_members",
    "rooms_for_customer",
    "set_capacity",
    "update_room",
]


def rooms_for_customer(uow: UnitOfWork, conversation_id: int) -> list[CustomerRoomView]:
    """The open rooms with their occupancy, and whether this customer is in / banned from each."""
    joined = select(RoomMember.room_id).where(RoomMember.conversation_id == conversation_id)
    banned = select(RoomBan.room_id).where(RoomBan.conversation_id == conversation_id)
    with uow:
        rows = uow.session.execute(
            select(Room, Room.id.in_(joined), Room.id.in_(banned))
            .where(Room.status == "open")
            .order_by(Room.name)
        ).all()
        return [
            CustomerRoomView(room=room_view(room), joined=bool(is_in), banned=bool(is_banned))
            for room, is_in, is_banned in rows
        ]


def join_room(
    uow: UnitOfWork, room_id: int, conversation_id: int, display_name: str, now: datetime
) -> JoinResult:
    """Enter a room under `display_name`, with its recent history.

    RoomFull, RoomClosed (deleted), BannedFromRoom, NotFound. Joining a room one is already
    in returns it again (the display name is updated).
    """
    name = valid_display_name(display_name)
    with uow:
        session = uow.session
        room = locked_room(session, room_id)
        if room.status != "open":
            raise RoomClosed("room_closed", "this room was deleted")
        member = session.scalar(
            select(RoomMember).where(
                RoomMember.room_id == room_id, RoomMember.conversation_id == conversation_id
            )
        )
        joined_now = member is None
        if member is not None:
            member.display_name = name
        else:
            if is_banned_from_room(session, room_id, conversation_id):
                raise BannedFromRoom("banned_from_room", "an admin banned you from this room")
            taken = session.execute(
                update(Room)
                .where(
                    Room.id == room_id,
                    Room.status == "open",
                    Room.member_count < Room.capacity,
                )
                .values(member_count=Room.member_count + 1)
                .execution_options(synchronize_session=False)
            ).rowcount
            if taken != 1:
                raise RoomFull("room_full", "this room is full")
            member = RoomMember(
                room_id=room_id,
                conversation_id=conversation_id,
                display_name=name,
                joined_at=now,
                window_count=0,
            )
            session.add(member)
        session.flush()
        session.refresh(room)
        result = JoinResult(
            room=room_view(room),
            member=member_view(member),
            history=latest_visible_messages(session, room_id, HISTORY_ON_JOIN),
            joined_now=joined_now,
        )
        uow.commit()
        return result


def leave_room(uow: UnitOfWork, room_id: int, conversation_id: int) -> RoomView:
    """Leave a room (nothing happens when not a member); returns the room's new occupancy."""
    with uow:
        room = locked_room(uow.session, room_id)
        remove_member(uow.session, room, conversation_id)
        view = room_view(room)
        uow.commit()
        return view


def post_message(
    uow: UnitOfWork, room_id: int, conversation_id: int, text: str, now: datetime
) -> RoomMessageView:
    """Post a plain-text message: RoomClosed once the room is deleted (even when the
    deletion happens while the message is on its way), NotRoomMember, RateLimited,
    InvalidValue (`empty_message`, `message_too_long`)."""
    body = valid_message_text(text)
    with uow:
        session = uow.session
        status = session.scalar(
            select(Room.status).where(Room.id == room_id).with_for_update(read=True)
        )
        if status is None:
            raise NotFound("unknown_room", f"no room {room_id}")
        if status != "open":
            raise RoomClosed("room_closed", "this room was deleted")
        author = count_message(session, room_id, conversation_id, now)
        open_room = exists().where(Room.id == room_id, Room.status == "open")
        new_id = session.scalar(
            insert(RoomMessage)
            .from_select(
                ["room_id", "conversation_id", "author", "text", "created_at"],
                select(
                    literal(room_id),
                    literal(conversation_id),
                    literal(author),
                    literal(body),
                    literal(now, UTCDateTime()),
                ).where(open_room),
            )
            .returning(RoomMessage.id)
        )
        if new_id is None:
            raise RoomClosed("room_closed", "this room was deleted")
        message = session.get(RoomMessage, new_id)
        assert message is not None
        view = message_view(message)
        uow.commit()
        return view


def report_message(uow: UnitOfWork, message_id: int, conversation_id: int, now: datetime) -> int:
    """A member reports another member's message; returns how many reported it."""
    with uow:
        session = uow.session
        message = session.get(RoomMessage, message_id)
        if message is None or message.removed_at is not None:
            raise NotFound("unknown_message", f"no room message {message_id}")
        if message.conversation_id == conversation_id:
            raise InvalidValue("own_message", "you cannot report your own message")
        if not is_in_room(session, message.room_id, conversation_id):
            raise NotRoomMember("not_room_member", "join the room first")
        try:
            with session.begin_nested():
                session.add(
                    RoomMessageReport(
                        message_id=message_id, conversation_id=conversation_id, created_at=now
                    )
                )
        except IntegrityError:  # reported twice by the same customer: counted once
            pass
        count = session.scalar(
            select(func.count(RoomMessageReport.id)).where(
                RoomMessageReport.message_id == message_id
            )
        )
        uow.commit()
        return int(count or 0)


def recent_messages(
    uow: UnitOfWork, room_id: int, conversation_id: int, limit: int = HISTORY_ON_JOIN
) -> list[RoomMessageView]:
    """A member's view of the room's latest messages (removed ones left out)."""
    with uow:
        if not is_in_room(uow.session, room_id, conversation_id):
            raise NotRoomMember("not_room_member", "join the room first")
        return latest_visible_messages(uow.session, room_id, limit)
