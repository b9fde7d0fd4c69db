"""The reminder rows of a booking (table `reminders`), kept in step with the booking inside
the caller's transaction: created when it is booked, moved with it, cancelled with it.

Due times are exact durations on aware UTC instants: "24 h before" is 24 real hours, also
across a DST change (the local wall-clock time of the reminder then differs by one hour).
Sending them is core/reminders.py's job.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.models import Booking, Reminder
from core.settings_store import REMINDER_HOURS_BEFORE, SURVEY_DELAY_HOURS, number_setting


def due_times(session: Session, start_utc: datetime, end_utc: datetime) -> dict[str, datetime]:
    """{"reminder": start - reminder_hours_before, "survey": end + survey_delay_hours}."""
    before = max(0.0, float(number_setting(session, REMINDER_HOURS_BEFORE)))
    after = max(0.0, float(number_setting(session, SURVEY_DELAY_HOURS)))
    return {
        "reminder": start_utc - timedelta(hours=before),
        "survey": end_utc + timedelta(hours=after),
    }


def schedule_reminders(session: Session, booking: Booking, now: datetime) -> None:
    """Add the pending rows of a new booking; a reminder already due is skipped."""
    for kind, due in due_times(session, booking.start_utc, booking.end_utc).items():
        if kind == "reminder" and due <= now:
            continue
        session.add(Reminder(booking_id=booking.id, kind=kind, due_at=due, status="pending"))
    session.flush()


def cancel_reminders(session: Session, booking_id: int) -> int:
    """Cancel the booking's pending rows; returns how many."""
    result = session.execute(
        update(Reminder)
        .where(Reminder.booking_id == booking_id, Reminder.status == "pending")
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def move_reminders(session: Session, booking: Booking, now: datetime) -> None:
    """Recompute the rows after the booking moved to `booking.start_utc`/`end_utc`.

    Pending (or sent, cancelled, failed: the reminder was about the old time) rows get the
    new due time and become pending again, or cancelled when that time is already past; a
    row missing (skipped at booking) is added when its new time is still ahead. A row being
    sent right now ('sending') is left to its sender.
    """
    existing = dict(
        session.execute(
            select(Reminder.kind, Reminder.status).where(Reminder.booking_id == booking.id)
        ).all()
    )
    for kind, due in due_times(session, booking.start_utc, booking.end_utc).items():
        ahead = due > now
        if kind not in existing:
            if ahead:
                session.add(
                    Reminder(booking_id=booking.id, kind=kind, due_at=due, status="pending")
                )
            continue
        session.execute(
            update(Reminder)
            .where(
                Reminder.booking_id == booking.id,
                Reminder.kind == kind,
                Reminder.status != "sending",
            )
            .values(
                due_at=due,
                status="pending" if ahead else "cancelled",
                claimed_at=None,
                sent_at=None,
                attempts=0,
            )
            .execution_options(synchronize_session=False)
        )
    session.flush()


def reminders_of(session: Session, booking_id: int) -> dict[str, tuple[datetime, str]]:
    """{kind: (due_at, status)} of one booking (for tests and staff pages)."""
    rows = session.execute(
        select(Reminder.kind, Reminder.due_at, Reminder.status).where(
            Reminder.booking_id == booking_id
        )
    )
    return {kind: (due, status) for kind, due, status in rows}


def booking_id_of(session: Session, reference: str) -> int | None:
    return session.scalar(select(Booking.id).where(Booking.reference == reference.strip().upper()))
