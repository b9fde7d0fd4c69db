"""The manager's planning (issue 16, item 7): which bookings staff have looked at."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime, utcnow


class BookingAcknowledgement(Base):
    """A booking a manager has seen (or moved) on the planning: it leaves the incoming
    requests. The primary key makes it once per booking, whoever sees it first."""

    __tablename__ = "booking_acknowledgements"

    booking_id: Mapped[int] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True
    )
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
