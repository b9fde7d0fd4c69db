"""Chat rooms between customers (docs/rooms.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime, utcnow

ROOM_STATUSES = ("open", "deleted")
OPEN_ROOM = "status = 'open'"


class Room(Base):
    """A chat room an admin created; `member_count` is the capacity guard (conditional
    update, and a CHECK that it never exceeds the capacity). Deleting closes it for good."""

    __tablename__ = "rooms"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'deleted')", name="status"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("member_count >= 0", name="member_count_not_negative"),
        CheckConstraint("member_count <= capacity", name="member_count_within_capacity"),
        # Two open rooms never share a name; a deleted room's name can be used again.
        Index(
            "uq_rooms_open_name",
            "name",
            unique=True,
            sqlite_where=text(OPEN_ROOM),
            postgresql_where=text(OPEN_ROOM),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    description: Mapped[str | None] = mapped_column(String(300))
    capacity: Mapped[int] = mapped_column(Integer)
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RoomMember(Base):
    """A customer (their conversation) in a room, under the name they chose; the rate
    limit's window lives on this row so one conditional update checks and counts."""

    __tablename__ = "room_members"
    __table_args__ = (UniqueConstraint("room_id", "conversation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    display_name: Mapped[str] = mapped_column(String(40))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_count: Mapped[int] = mapped_column(Integer, default=0)


class RoomMessage(Base):
    """A message posted in a room (plain text); an admin may remove it (kept for admins)."""

    __tablename__ = "room_messages"
    __table_args__ = (Index(None, "room_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL")
    )
    author: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )


class RoomMessageReport(Base):
    """A customer reported a room message; one report per message and reporter."""

    __tablename__ = "room_message_reports"
    __table_args__ = (UniqueConstraint("message_id", "conversation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("room_messages.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RoomBan(Base):
    """A customer an admin banned from a room: they cannot join it again."""

    __tablename__ = "room_bans"
    __table_args__ = (UniqueConstraint("room_id", "conversation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    banned_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
