"""Repair jobs (work orders): a vehicle in the workshop from check-in to pickup, the photos the
customer sent, and every change of the job (docs/workshop.md, "Repair jobs")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime, utcnow

JOB_STATUSES = (
    "received",
    "diagnosing",
    "estimate_sent",
    "approved",
    "declined",
    "in_progress",
    "waiting_parts",
    "ready_for_pickup",
    "returned",
    "cancelled",
)
JOB_EVENT_KINDS = ("opened", "status", "assigned", "note", "expected")
# The customer is told of these events (hub/job_notices.py): the opening and each status change.
TOLD_KINDS = ("opened", "status")
# notice: NULL = nothing to tell (an assignment, a note); pending -> sending (claimed) -> told
# (reached the customer), skipped (nobody to tell: erased, no conversation, opted out) or
# failed (stored but refused by the channel, or never stored after NOTICE_ATTEMPTS tries).
NOTICE_STATES = ("pending", "sending", "told", "skipped", "failed")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class RepairJob(Base):
    """One vehicle's visit in the workshop. `status` only changes by a conditional UPDATE on
    (id, version, status) that bumps `version` (core/jobs.py): two staff moving the same job
    at once cannot both win."""

    __tablename__ = "repair_jobs"
    __table_args__ = (
        CheckConstraint(_one_of("status", JOB_STATUSES), name="status"),
        CheckConstraint("version > 0", name="version_positive"),
        Index(None, "agency_id", "status"),
        Index(None, "mechanic_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"))
    # Kept when the customer's account is erased (its vehicles go with it): the job's record
    # stays, without the person.
    vehicle_id: Mapped[int | None] = mapped_column(
        ForeignKey("vehicles.id", ondelete="SET NULL"), index=True
    )
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    # The booking checked in; none for a walk-in. One job per booking.
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="SET NULL"), unique=True
    )
    problem: Mapped[str] = mapped_column(Text)
    mechanic_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(20), default="received")
    expected_completion: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class JobPhoto(Base):
    """A photo the customer sent (an attachment of their conversation) shown with the job."""

    __tablename__ = "job_photos"

    job_id: Mapped[int] = mapped_column(
        ForeignKey("repair_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    attachment_id: Mapped[int] = mapped_column(
        ForeignKey("attachments.id", ondelete="CASCADE"), primary_key=True
    )


def _notice_of(context: Any) -> str | None:
    """A new event's notice state: pending when the customer is to be told of its kind."""
    return "pending" if context.get_current_parameters().get("kind") in TOLD_KINDS else None


class JobEvent(Base):
    """One change of a job: its opening, a status change, a mechanic assigned, a note (no
    status change), a new expected completion; who and when. The opening and status changes
    carry the state of the customer's notice (`notice`,
    claimed once by a conditional UPDATE: core/job_notices.py)."""

    __tablename__ = "job_events"
    __table_args__ = (
        CheckConstraint(_one_of("kind", JOB_EVENT_KINDS), name="kind"),
        Index(None, "job_id", "id"),
        CheckConstraint(_one_of("notice", NOTICE_STATES), name="notice"),
        Index(None, "notice", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("repair_jobs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    # the mechanic assigned (kind "assigned"), none when unassigned
    mechanic_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    note: Mapped[str | None] = mapped_column(Text)
    # the expected completion set (kind "expected"), none when it was cleared (0018)
    expected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the customer's notice of this event (issue 16, item 3; migration 0021)
    notice: Mapped[str | None] = mapped_column(String(10), default=_notice_of)
    notice_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notice_attempts: Mapped[int] = mapped_column(Integer, default=0)
    told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when it was finished
