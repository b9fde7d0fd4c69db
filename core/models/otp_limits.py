"""What the limits of one-time codes count across conversations (rules in core/otp_limits.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime

OTP_EVENT_KINDS = ("send", "attempt", "lookup", "alert")


class OtpEvent(Base):
    """A code sent, a code tried, a vehicle looked up or an owner alerted; never a code.

    The owner's contact is kept as its sha256 only; events are forgotten after a day.
    """

    __tablename__ = "otp_events"
    __table_args__ = (
        CheckConstraint("kind IN ('send', 'attempt', 'lookup', 'alert')", name="kind"),
        Index(None, "kind", "vehicle_id", "at"),
        Index(None, "kind", "contact_hash", "at"),
        Index(None, "kind", "ip", "at"),
        Index(None, "kind", "sender", "at"),
        Index(None, "conversation_id", "kind", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    outcome: Mapped[str] = mapped_column(String(20))
    vehicle_id: Mapped[int | None] = mapped_column(Integer)  # no key: counts outlive a vehicle
    contact_hash: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    sender: Mapped[str | None] = mapped_column(String(240))
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    challenge_id: Mapped[int | None] = mapped_column(
        ForeignKey("otp_challenges.id", ondelete="CASCADE")
    )
    detail: Mapped[int | None] = mapped_column(Integer)  # tries left, or seconds to wait
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # read by the action
