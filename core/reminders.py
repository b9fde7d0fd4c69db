"""Sending the reminder before a booking and the survey after it (table `reminders`).

The rows are the truth (core/booking_reminders.py keeps them in step with the booking);
whoever wakes up at the due time (an APScheduler job on any web replica) first claims the
row with one conditional UPDATE: `pending` -> `sending` only while it is due and the booking
still confirmed (and, for a reminder, not started). The row count says who won, so a
reminder is sent once whatever the number of replicas. A claim older than CLAIM_TIMEOUT
(the sender died) can be claimed again: a crash mid-send may repeat a message, never lose it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session

from core import i18n
from core.bookings import BookingView, get_booking
from core.formatting import format_slot
from core.models import (
    Agency,
    Booking,
    Calendar,
    ChannelIdentity,
    Conversation,
    Customer,
    Reminder,
    Service,
)
from core.uow import UnitOfWork

CLAIM_TIMEOUT = timedelta(minutes=10)
KINDS = ("reminder", "survey")


@dataclass(frozen=True)
class ChannelRecipient:
    """One conversation of the customer on the booking's channel."""

    conversation_id: int
    channel: str
    external_id: str
    opted_out: bool


@dataclass(frozen=True)
class ReminderTask:
    """A claimed reminder and everything needed to word and send it."""

    reminder_id: int
    kind: str  # "reminder" | "survey"
    due_at: datetime
    claimed_at: datetime
    booking_id: int
    booking: BookingView
    service_name: str  # in the customer's language
    agency_address: str  # "12 rue X, 75018 Paris"
    agency_phone: str
    customer_name: str | None
    customer_email: str | None
    customer_phone: str | None
    language: str  # "fr" | "en"
    recipients: tuple[ChannelRecipient, ...]


def pending_reminders(uow: UnitOfWork, now: datetime | None = None) -> list[tuple[int, datetime]]:
    """(reminder id, due_at) of every pending row, soonest first.

    With `now`, a row whose claim went stale (its sender died) is listed too, due at the
    moment its claim can be taken again.
    """
    with uow:
        rows = list(
            uow.session.execute(
                select(Reminder.id, Reminder.due_at)
                .where(Reminder.status == "pending")
                .order_by(Reminder.due_at, Reminder.id)
            ).tuples()
        )
        if now is not None:
            stale = uow.session.execute(
                select(Reminder.id, Reminder.claimed_at).where(
                    Reminder.status == "sending", Reminder.claimed_at.is_not(None)
                )
            ).tuples()
            rows += [(rid, claimed + CLAIM_TIMEOUT) for rid, claimed in stale if claimed]
        return rows


def _sendable(now: datetime):  # type: ignore[no-untyped-def]
    """The booking of the reminder row is confirmed (and, for a reminder, not started)."""
    return exists().where(
        Booking.id == Reminder.booking_id,
        Booking.status == "confirmed",
        or_(Reminder.kind == "survey", Booking.start_utc > now),
    )


def claim_reminder(uow: UnitOfWork, reminder_id: int, now: datetime) -> ReminderTask | None:
    """Take the row for sending, or None when there is nothing to send (not due yet,
    cancelled, booking started, sent or being sent elsewhere).

    A due pending (or stale) row whose booking is cancelled or started is closed
    ('cancelled') in the same transaction, so nobody wakes up for it again.
    """
    with uow:
        session = uow.session
        claimable = or_(
            Reminder.status == "pending",
            and_(Reminder.status == "sending", Reminder.claimed_at <= now - CLAIM_TIMEOUT),
        )
        claimed = session.execute(
            update(Reminder)
            .where(Reminder.id == reminder_id, claimable, Reminder.due_at <= now, _sendable(now))
            .values(status="sending", claimed_at=now, attempts=Reminder.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            session.execute(
                update(Reminder)
                .where(
                    Reminder.id == reminder_id, claimable, Reminder.due_at <= now, ~_sendable(now)
                )
                .values(status="cancelled")
                .execution_options(synchronize_session=False)
            )
            uow.commit()
            return None
        task = _task(uow, session, reminder_id)
        uow.commit()
        return task


def finish_reminder(
    uow: UnitOfWork,
    reminder_id: int,
    *,
    sent: bool,
    now: datetime,
    claimed_at: datetime | None = None,
) -> bool:
    """Record the outcome of a claim: 'sent' (with sent_at) or 'failed'. With `claimed_at`,
    only that claim is finished (a stale claim taken over since is left alone). True when
    the row changed."""
    conditions = [Reminder.id == reminder_id, Reminder.status == "sending"]
    if claimed_at is not None:
        conditions.append(Reminder.claimed_at == claimed_at)
    values = {"status": "sent", "sent_at": now} if sent else {"status": "failed"}
    with uow:
        result = uow.session.execute(
            update(Reminder)
            .where(*conditions)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        uow.commit()
        return result.rowcount == 1


def reminder_status(uow: UnitOfWork, reminder_id: int) -> tuple[str, int, datetime | None]:
    """(status, attempts, sent_at) of one row (staff pages, tests)."""
    with uow:
        row = uow.session.execute(
            select(Reminder.status, Reminder.attempts, Reminder.sent_at).where(
                Reminder.id == reminder_id
            )
        ).first()
        if row is None:
            raise LookupError(reminder_id)
        return row.status, row.attempts, row.sent_at


def _task(uow: UnitOfWork, session: Session, reminder_id: int) -> ReminderTask:
    row = session.execute(
        select(Reminder, Booking, Service, Agency, Customer)
        .join(Booking, Booking.id == Reminder.booking_id)
        .join(Calendar, Calendar.id == Booking.calendar_id)
        .join(Service, Service.code == Calendar.service_code)
        .join(Agency, Agency.id == Calendar.agency_id)
        .outerjoin(Customer, Customer.id == Booking.customer_id)
        .where(Reminder.id == reminder_id)
    ).one()
    reminder, booking, service, agency, customer = row
    if customer is not None and customer.erased_at is not None:
        customer = None  # an erased account is not contacted
    recipients = _recipients(session, customer, booking.channel)
    language = _language(session, customer, recipients)
    assert reminder.claimed_at is not None
    return ReminderTask(
        reminder_id=reminder.id,
        kind=reminder.kind,
        due_at=reminder.due_at,
        claimed_at=reminder.claimed_at,
        booking_id=booking.id,
        booking=get_booking(uow, booking.reference),
        service_name=service.name_en if language == "en" else service.name_fr,
        agency_address=f"{agency.address}, {agency.postcode} {agency.city}",
        agency_phone=agency.phone,
        customer_name=customer.name if customer else None,
        customer_email=customer.email if customer else None,
        customer_phone=customer.phone if customer else None,
        language=language,
        recipients=recipients,
    )


def _recipients(
    session: Session, customer: Customer | None, channel: str
) -> tuple[ChannelRecipient, ...]:
    """The customer's conversations on the booking's channel, most recent first."""
    if customer is None:
        return ()
    rows = session.execute(
        select(Conversation)
        .join(
            ChannelIdentity,
            and_(
                ChannelIdentity.channel == Conversation.channel,
                ChannelIdentity.external_id == Conversation.external_id,
            ),
        )
        .where(ChannelIdentity.customer_id == customer.id, Conversation.channel == channel)
        .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
    ).scalars()
    return tuple(
        ChannelRecipient(c.id, c.channel, c.external_id, c.opted_out_at is not None) for c in rows
    )


def _language(
    session: Session, customer: Customer | None, recipients: tuple[ChannelRecipient, ...]
) -> str:
    if customer is not None and customer.language in ("fr", "en"):
        return customer.language
    for recipient in recipients:
        language = session.scalar(
            select(Conversation.language).where(Conversation.id == recipient.conversation_id)
        )
        if language in ("fr", "en"):
            return language
    return "fr"


def reminder_message(task: ReminderTask, tz: str) -> tuple[str, str]:
    """(subject, body) of the reminder in the customer's language, the time in `tz`."""
    name = f" {task.customer_name}" if task.customer_name else ""
    values = {
        "name": name,
        "service": task.service_name,
        "agency": task.booking.agency_name,
        "address": task.agency_address,
        "when": when_text(task, tz),
        "reference": task.booking.reference,
        "phone": task.agency_phone,
    }
    return (
        i18n.text("reminders", "subject", task.language, **values),
        i18n.text("reminders", "body", task.language, **values),
    )


def when_text(task: ReminderTask, tz: str) -> str:
    """The booking's local start as the customer reads it: 'lun. 30 mars 09:00'."""
    return format_slot(task.booking.start_utc, tz, task.language)
