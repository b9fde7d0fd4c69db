"""One-time codes, and the outbox where the development transport keeps SMS and e-mails."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime, utcnow

OTP_PURPOSES = ("identify", "verify_contact", "signup")
OTP_TRANSPORTS = ("sms", "email")


class OtpChallenge(Base):
    """A one-time code sent to one destination (rules in core/otp.py); the code is not stored."""

    __tablename__ = "otp_challenges"
    __table_args__ = (
        CheckConstraint("purpose IN ('identify', 'verify_contact', 'signup')", name="purpose"),
        CheckConstraint("transport IN ('sms', 'email')", name="transport"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index(None, "conversation_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicles.id", ondelete="CASCADE"))
    transport: Mapped[str] = mapped_column(String(10))
    destination: Mapped[str] = mapped_column(String(254))
    secret: Mapped[str] = mapped_column(String(64))  # pyotp base32; the code is HOTP(counter)
    counter: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxMessage(Base):
    """An SMS or e-mail the development transport kept instead of sending it."""

    __tablename__ = "outbox_messages"
    __table_args__ = (CheckConstraint("transport IN ('sms', 'email')", name="transport"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transport: Mapped[str] = mapped_column(String(10))
    destination: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
