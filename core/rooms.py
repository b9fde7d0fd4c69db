"""Chat rooms between customers: admins create, rename, resize and delete them; customers
join, leave, post and report; admins remove messages and ban customers.

A customer is their conversation (`conversation_id`): a web visitor's widget id, a Telegram
chat, a WhatsApp number. Every guarantee is the database's, in one transaction:
- capacity: the room row is locked (FOR UPDATE on PostgreSQL; SQLite serialises writers with
  BEGIN IMMEDIATE), then `member_count` is raised by a conditional UPDATE that only matches
  while below capacity, and a CHECK keeps `member_count <= capacity` whatever happens;
- a deleted room takes no message: the post locks the room row for share (a deletion in
  progress is waited for) and the INSERT itself only happens while the room is open;
- the rate limit is a conditional UPDATE of the member's row (its window and count).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import (
    BannedFromRoom,
    CapacityBelowMembers,
    Conflict,
    InvalidValue,
    NotFound,
    NotRoomMember,
    RateLimited,
    RoomClosed,
    RoomFull,
)
from core.models import (
    Room,
    RoomBan,
    RoomMember,
    RoomMessage,
    RoomMessageReport,
    UTCDateTime,
)
from core.uow import UnitOfWork

MAX_CAPACITY = 500
NAME_LENGTH = (2, 60)
DESCRIPTION_MAX = 300
DISPLAY_NAME_LENGTH = (2, 40)
MESSAGE_MAX = 500
RATE_LIMIT_MESSAGES = 5  # at most this many messages ...
RATE_LIMIT_WINDOW = timedelta(seconds=10)  # ... per member in this window
HISTORY_ON_JOIN = 50


@dataclass(frozen=True)
class RoomView:
    id: int
    name: str
    description: str | None
    capacity: int
    members: int
    status: str  # "open" | "deleted"
    created_at: datetime
    deleted_at: datetime | None


@dataclass(frozen=True)
class CustomerRoomView:
    room: RoomView
    joined: bool
    banned: bool


@dataclass(frozen=True)
class MemberView:
    id: int
    room_id: int
    conversation_id: int
    display_name: str
    joined_at: datetime


@dataclass(frozen=True)
class RoomMessageView:
    id: int
    room_id: int
    conversation_id: int | None
    author: str
    text: str
    created_at: datetime
    removed_at: datetime | None
    reports: int = 0


@dataclass(frozen=True)
class JoinResult:
    room: RoomView
    member: MemberView
    history: list[RoomMessageView]
    joined_now: bool  # False: already a member (joining is idempotent)


@dataclass(frozen=True)
class CapacityChange:
    room: RoomView
    evicted: list[MemberView]  # the latest arrivals removed to fit the new capacity


@dataclass(frozen=True)
class BanResult:
    room: RoomView
    conversation_id: int
    removed: MemberView | None  # their membership, when they were in the room


# ---- admins ---------------------------------------------------------------------------


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
        name=_name(name),
        description=_description(description),
        capacity=_capacity(capacity),
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
            raise _name_taken(room.name) from None
        view = _room_view(room)
        uow.commit()
        return view


def update_room(
    uow: UnitOfWork, room_id: int, *, name: str | None = None, description: str | None = None
) -> RoomView:
    """Rename a room and/or change its description (`""` clears it); RoomClosed if deleted."""
    with uow:
        room = _locked_room(uow.session, room_id)
        if room.status != "open":
            raise RoomClosed("room_closed", "a deleted room cannot be changed")
        new_name = room.name if name is None else _name(name)
        try:
            with uow.session.begin_nested():
                room.name = new_name
                if description is not None:
                    room.description = _description(description)
        except IntegrityError:
            raise _name_taken(new_name) from None
        view = _room_view(room)
        uow.commit()
        return view


def set_capacity(
    uow: UnitOfWork, room_id: int, capacity: int, *, evict: bool = False
) -> CapacityChange:
    """Change how many members the room holds.

    Below the current number of members, CapacityBelowMembers is raised unless `evict`:
    then the latest arrivals are removed (and returned, to be told) until the room fits.
    """
    capacity = _capacity(capacity)
    with uow:
        session = uow.session
        room = _locked_room(session, room_id)
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
            evicted = [_member_view(m) for m in latest]
            session.execute(delete(RoomMember).where(RoomMember.id.in_([m.id for m in latest])))
            room.member_count -= len(latest)
            session.flush()
        room.capacity = capacity
        session.flush()
        view = _room_view(room)
        uow.commit()
        return CapacityChange(room=view, evicted=evicted)


def delete_room(uow: UnitOfWork, room_id: int, now: datetime) -> RoomView:
    """Close the room for good: no join, no message; its history stays for admins.

    Idempotent: deleting a deleted room returns it unchanged.
    """
    with uow:
        room = _locked_room(uow.session, room_id)
        if room.status == "open":
            room.status = "deleted"
            room.deleted_at = now
            uow.session.flush()
        view = _room_view(room)
        uow.commit()
        return view


def list_rooms(uow: UnitOfWork, *, include_deleted: bool = True) -> list[RoomView]:
    """Rooms for admins: open ones by name, then deleted ones, latest deleted first."""
    stmt = select(Room).order_by(Room.status.desc(), Room.deleted_at.desc(), Room.name)
    if not include_deleted:
        stmt = stmt.where(Room.status == "open")
    with uow:
        return [_room_view(room) for room in uow.session.scalars(stmt)]


def get_room(uow: UnitOfWork, room_id: int) -> RoomView:
    with uow:
        return _room_view(_room(uow.session, room_id))


def room_members(uow: UnitOfWork, room_id: int) -> list[MemberView]:
    """The room's members, first arrivals first."""
    with uow:
        _room(uow.session, room_id)
        members = uow.session.scalars(
            select(RoomMember)
            .where(RoomMember.room_id == room_id)
            .order_by(RoomMember.joined_at, RoomMember.id)
        )
        return [_member_view(m) for m in members]


def room_history(uow: UnitOfWork, room_id: int, limit: int = 200) -> list[RoomMessageView]:
    """Admins: the room's latest messages, removed ones included, with their report counts;
    also for a deleted room."""
    reports = (
        select(func.count(RoomMessageReport.id))
        .where(RoomMessageReport.message_id == RoomMessage.id)
        .scalar_subquery()
    )
    with uow:
        _room(uow.session, room_id)
        rows = uow.session.execute(
            select(RoomMessage, reports)
            .where(RoomMessage.room_id == room_id)
            .order_by(RoomMessage.id.desc())
            .limit(limit)
        ).all()
        return [_message_view(message, count) for message, count in reversed(rows)]


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
        view = _message_view(message)
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
        room = _locked_room(session, room_id)
        conversation_id = _ban_target(session, room_id, member_id, message_id)
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
        removed = _remove_member(session, room, conversation_id)
        view = _room_view(room)
        uow.commit()
        return BanResult(room=view, conversation_id=conversation_id, removed=removed)


# ---- customers ------------------------------------------------------------------------


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
            CustomerRoomView(room=_room_view(room), joined=bool(is_in), banned=bool(is_banned))
            for room, is_in, is_banned in rows
        ]


def join_room(
    uow: UnitOfWork, room_id: int, conversation_id: int, display_name: str, now: datetime
) -> JoinResult:
    """Enter a room under `display_name`, with its recent history.

    RoomFull, RoomClosed (deleted), BannedFromRoom, NotFound. Joining a room one is already
    in returns it again (the display name is updated).
    """
    name = _display_name(display_name)
    with uow:
        session = uow.session
        room = _locked_room(session, room_id)
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
            if _is_banned(session, room_id, conversation_id):
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
            room=_room_view(room),
            member=_member_view(member),
            history=_recent(session, room_id, HISTORY_ON_JOIN),
            joined_now=joined_now,
        )
        uow.commit()
        return result


def leave_room(uow: UnitOfWork, room_id: int, conversation_id: int) -> RoomView:
    """Leave a room (nothing happens when not a member); returns the room's new occupancy."""
    with uow:
        room = _locked_room(uow.session, room_id)
        _remove_member(uow.session, room, conversation_id)
        view = _room_view(room)
        uow.commit()
        return view


def post_message(
    uow: UnitOfWork, room_id: int, conversation_id: int, text: str, now: datetime
) -> RoomMessageView:
    """Post a plain-text message: RoomClosed once the room is deleted (even when the
    deletion happens while the message is on its way), NotRoomMember, RateLimited,
    InvalidValue (`empty_message`, `message_too_long`)."""
    body = _message_text(text)
    with uow:
        session = uow.session
        status = session.scalar(
            select(Room.status).where(Room.id == room_id).with_for_update(read=True)
        )
        if status is None:
            raise NotFound("unknown_room", f"no room {room_id}")
        if status != "open":
            raise RoomClosed("room_closed", "this room was deleted")
        author = _count_message(session, room_id, conversation_id, now)
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
        view = _message_view(message)
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
        if not _is_member(session, message.room_id, conversation_id):
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
        if not _is_member(uow.session, room_id, conversation_id):
            raise NotRoomMember("not_room_member", "join the room first")
        return _recent(uow.session, room_id, limit)


# ---- helpers --------------------------------------------------------------------------


def _locked_room(session: Session, room_id: int) -> Room:
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


def _room(session: Session, room_id: int) -> Room:
    room = session.get(Room, room_id)
    if room is None:
        raise NotFound("unknown_room", f"no room {room_id}")
    return room


def _is_member(session: Session, room_id: int, conversation_id: int) -> bool:
    return (
        session.scalar(
            select(RoomMember.id).where(
                RoomMember.room_id == room_id, RoomMember.conversation_id == conversation_id
            )
        )
        is not None
    )


def _is_banned(session: Session, room_id: int, conversation_id: int) -> bool:
    return (
        session.scalar(
            select(RoomBan.id).where(
                RoomBan.room_id == room_id, RoomBan.conversation_id == conversation_id
            )
        )
        is not None
    )


def _remove_member(session: Session, room: Room, conversation_id: int) -> MemberView | None:
    """Delete the membership and lower the count, in the caller's transaction (room locked)."""
    member = session.scalar(
        select(RoomMember).where(
            RoomMember.room_id == room.id, RoomMember.conversation_id == conversation_id
        )
    )
    if member is None:
        return None
    view = _member_view(member)
    session.delete(member)
    room.member_count = max(0, room.member_count - 1)
    session.flush()
    return view


def _ban_target(
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


def _count_message(session: Session, room_id: int, conversation_id: int, now: datetime) -> str:
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


def _recent(session: Session, room_id: int, limit: int) -> list[RoomMessageView]:
    messages = session.scalars(
        select(RoomMessage)
        .where(RoomMessage.room_id == room_id, RoomMessage.removed_at.is_(None))
        .order_by(RoomMessage.id.desc())
        .limit(limit)
    ).all()
    return [_message_view(m) for m in reversed(messages)]


def _clean(text: str, *, keep_newlines: bool) -> str:
    kept = "".join(
        c
        for c in text
        if (keep_newlines and c == "\n") or unicodedata.category(c) not in ("Cc", "Cf")
    )
    if keep_newlines:
        return "\n".join(" ".join(line.split()) for line in kept.strip().split("\n")).strip()
    return " ".join(kept.split())


def _name(value: str) -> str:
    name = _clean(value or "", keep_newlines=False)
    low, high = NAME_LENGTH
    if not low <= len(name) <= high:
        raise InvalidValue("invalid_room_name", f"a room name has {low} to {high} characters")
    return name


def _description(value: str | None) -> str | None:
    if value is None:
        return None
    text = _clean(value, keep_newlines=False)
    if len(text) > DESCRIPTION_MAX:
        raise InvalidValue("description_too_long", f"{DESCRIPTION_MAX} characters at most")
    return text or None


def _capacity(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CAPACITY:
        raise InvalidValue("invalid_capacity", f"a capacity is a whole number 1 to {MAX_CAPACITY}")
    return value


def _display_name(value: str) -> str:
    name = _clean(value or "", keep_newlines=False)
    low, high = DISPLAY_NAME_LENGTH
    if not low <= len(name) <= high:
        raise InvalidValue("invalid_display_name", f"a display name has {low} to {high} characters")
    return name


def _message_text(value: str) -> str:
    text = _clean(value or "", keep_newlines=True)
    if not text:
        raise InvalidValue("empty_message", "the message is empty")
    if len(text) > MESSAGE_MAX:
        raise InvalidValue("message_too_long", f"{MESSAGE_MAX} characters at most")
    return text


def _name_taken(name: str) -> Conflict:
    return Conflict("room_name_taken", f"an open room is already called {name!r}")


def _room_view(room: Room) -> RoomView:
    return RoomView(
        id=room.id,
        name=room.name,
        description=room.description,
        capacity=room.capacity,
        members=room.member_count,
        status=room.status,
        created_at=room.created_at,
        deleted_at=room.deleted_at,
    )


def _member_view(member: RoomMember) -> MemberView:
    return MemberView(
        id=member.id,
        room_id=member.room_id,
        conversation_id=member.conversation_id,
        display_name=member.display_name,
        joined_at=member.joined_at,
    )


def _message_view(message: RoomMessage, reports: int = 0) -> RoomMessageView:
    return RoomMessageView(
        id=message.id,
        room_id=message.room_id,
        conversation_id=message.conversation_id,
        author=message.author,
        text=message.text,
        created_at=message.created_at,
        removed_at=message.removed_at,
        reports=int(reports or 0),
    )
