"""Commercial notifications, who received them and who asked for them (docs/rooms.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime, utcnow

NOTIFICATION_AUDIENCES = ("all", "opted_in", "language")
NOTIFICATION_STATUSES = ("scheduled", "sending", "sent", "cancelled")


class Notification(Base):
    """A commercial notification an admin composed; sent at `send_at` by whoever claims it
    first (conditional update scheduled -> sending)."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint("audience IN ('all', 'opted_in', 'language')", name="audience"),
        CheckConstraint("status IN ('scheduled', 'sending', 'sent', 'cancelled')", name="status"),
        Index(None, "status", "send_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    audience: Mapped[str] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    send_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NotificationReceipt(Base):
    """One customer received one notification (live stream, catch-up, or their channel)."""

    __tablename__ = "notification_receipts"

    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), primary_key=True
    )
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NotificationSubscription(Base):
    """A customer's explicit yes to commercial notifications (the "opted-in" audience)."""

    __tablename__ = "notification_subscriptions"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    subscribed: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
