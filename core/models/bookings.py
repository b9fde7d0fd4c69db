"""Calendars (one per agency and service), their slots' capacity guard, closures and bookings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime, utcnow


def _staff_default(context: Any) -> int:
    return int(context.get_current_parameters()["capacity"])


class Calendar(Base):
    """The bookable slots of one service at one agency."""

    __tablename__ = "calendars"
    __table_args__ = (
        UniqueConstraint("agency_id", "service_code"),
        CheckConstraint("slot_minutes > 0", name="slot_minutes_positive"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("staff_count > 0", name="staff_count_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    service_code: Mapped[str] = mapped_column(ForeignKey("services.code"))
    slot_minutes: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    # {"mon": [["09:00", "12:00"], ["14:00", "18:00"]], ...}; absent or empty = closed
    opening_hours: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Staff on duty for this service: a slot never holds more bookings than staff.
    # Not given: as many staff as places (like migration 0005 does for existing rows).
    staff_count: Mapped[int] = mapped_column(Integer, default=_staff_default, server_default="1")
    # issue 16 (reviews): a closed service takes no new booking; its bookings are kept
    bookable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class SlotCounter(Base):
    """Places taken in one slot: the capacity guard, updated by a conditional upsert."""

    __tablename__ = "slot_counters"
    __table_args__ = (CheckConstraint("taken >= 0", name="taken_not_negative"),)

    calendar_id: Mapped[int] = mapped_column(
        ForeignKey("calendars.id", ondelete="CASCADE"), primary_key=True
    )
    start_utc: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    taken: Mapped[int] = mapped_column(Integer)


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (
        # no_show: a confirmed booking whose slot started without the customer (staff set it;
        # core/planning.py)
        CheckConstraint("status IN ('confirmed', 'cancelled', 'no_show')", name="status"),
        Index(None, "calendar_id", "start_utc"),
        Index(None, "start_utc"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendars.id", ondelete="CASCADE"))
    start_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    end_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="confirmed")
    # What the customer told for this service: {"mileage": 12000, "description": "...",
    # "attachment_ids": [3, 4], "quote_number": "..."}; shown to staff with the booking.
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CalendarClosure(Base):
    """A date on which one calendar takes no booking (holiday, staff training...)."""

    __tablename__ = "calendar_closures"
    __table_args__ = (UniqueConstraint("calendar_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendars.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)  # local date (PITLANE_TIMEZONE)
    reason: Mapped[str | None] = mapped_column(String(200))
