"""The rules of chat rooms that need no database: limits, the cleaning and checking of names
and messages, and the views the room services return."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.errors import Conflict, InvalidValue
from core.models import Room, RoomMember, RoomMessage
from core.unicode_text import INVALID_TEXT, encodable

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
class RoomClosure:
    room: RoomView
    members: list[int]  # the conversations in the room as it closed; none if already closed


@dataclass(frozen=True)
class BanResult:
    room: RoomView
    conversation_id: int
    removed: MemberView | None  # their membership, when they were in the room


def clean_text(text: str, *, keep_newlines: bool) -> str:
    if not encodable(text):
        raise InvalidValue(INVALID_TEXT, "the text holds invalid Unicode (a lone surrogate)")
    kept = "".join(
        c
        for c in text
        if (keep_newlines and c == "\n") or unicodedata.category(c) not in ("Cc", "Cf")
    )
    if keep_newlines:
        return "\n".join(" ".join(line.split()) for line in kept.strip().split("\n")).strip()
    return " ".join(kept.split())


def valid_room_name(value: str) -> str:
    name = clean_text(value or "", keep_newlines=False)
    low, high = NAME_LENGTH
    if not low <= len(name) <= high:
        raise InvalidValue("invalid_room_name", f"a room name has {low} to {high} characters")
    return name


def valid_description(value: str | None) -> str | None:
    if value is None:
        return None
    text = clean_text(value, keep_newlines=False)
    if len(text) > DESCRIPTION_MAX:
        raise InvalidValue("description_too_long", f"{DESCRIPTION_MAX} characters at most")
    return text or None


def valid_capacity(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CAPACITY:
        raise InvalidValue("invalid_capacity", f"a capacity is a whole number 1 to {MAX_CAPACITY}")
    return value


def valid_display_name(value: str) -> str:
    name = clean_text(value or "", keep_newlines=False)
    low, high = DISPLAY_NAME_LENGTH
    if not low <= len(name) <= high:
        raise InvalidValue("invalid_display_name", f"a display name has {low} to {high} characters")
    return name


def valid_message_text(value: str) -> str:
    text = clean_text(value or "", keep_newlines=True)
    if not text:
        raise InvalidValue("empty_message", "the message is empty")
    if len(text) > MESSAGE_MAX:
        raise InvalidValue("message_too_long", f"{MESSAGE_MAX} characters at most")
    return text


def name_taken(name: str) -> Conflict:
    return Conflict("room_name_taken", f"an open room is already called {name!r}")


def room_view(room: Room) -> RoomView:
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


def member_view(member: RoomMember) -> MemberView:
    return MemberView(
        id=member.id,
        room_id=member.room_id,
        conversation_id=member.conversation_id,
        display_name=member.display_name,
        joined_at=member.joined_at,
    )


def message_view(message: RoomMessage, reports: int = 0) -> RoomMessageView:
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
