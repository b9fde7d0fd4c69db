"""A vehicle's mileage readings and its owner's maintenance reminder subscription
(docs/workshop.md, "Vehicle history"); both go when the vehicle is erased."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime, utcnow

MILEAGE_SOURCES = ("booking", "check_in", "customer", "staff")


class MileageReading(Base):
    """The odometer of one vehicle at one moment. Never lower than an earlier reading nor
    higher than a later one (core/mileage.py inserts it with one conditional INSERT)."""

    __tablename__ = "mileage_readings"
    __table_args__ = (
        CheckConstraint("km >= 0", name="km_not_negative"),
        CheckConstraint(
            "source IN (" + ", ".join(repr(s) for s in MILEAGE_SOURCES) + ")", name="source"
        ),
        Index(None, "vehicle_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id", ondelete="CASCADE"))
    km: Mapped[int] = mapped_column(Integer)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(20))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("repair_jobs.id", ondelete="SET NULL"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MaintenanceSubscription(Base):
    """A customer's yes to "tell me when the service is due" for one vehicle.

    `sent_due_on` is the due date of the last reminder sent: one reminder per service cycle
    (a new one only once a service on or after that date is known). The sender claims the
    row with a conditional UPDATE of `claimed_due_on` / `claimed_at`
    (core/maintenance_reminders.py).
    """

    __tablename__ = "maintenance_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(
        ForeignKey("vehicles.id", ondelete="CASCADE"), unique=True
    )
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(20))  # where they said yes: where it is sent
    # The last service the customer told in the maintenance check (history may know none).
    declared_last_service: Mapped[date | None] = mapped_column(Date)
    opted_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_due_on: Mapped[date | None] = mapped_column(Date)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_due_on: Mapped[date | None] = mapped_column(Date)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
