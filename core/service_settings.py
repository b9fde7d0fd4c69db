"""Service settings per (agency, service): capacity, staff, slot length, opening hours and
closed dates; what a change would do to the upcoming bookings, and applying it.

No booking disappears silently: a change that leaves upcoming confirmed bookings outside
the new hours, on a closed date, off the new slot grid or over the new
min(capacity, staff_count) is refused with the list, unless the admin decided to keep them
as they are or to cancel them (the web app then tells each customer).

The rules that need no database live in core/service_rules.py, re-exported here."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.bookings import BookingView, cancel_booking, get_calendar, list_bookings
from core.calendars import WEEKDAYS, local_day
from core.conversations import ConversationView
from core.errors import SettingsConflict
from core.models import Agency, Booking, Calendar, CalendarClosure, ChannelIdentity, Conversation
from core.service_rules import (
    DECISIONS,
    MAX_CLOSED_DATES,
    MAX_INTERVALS_PER_DAY,
    MAX_PLACES,
    MAX_SLOT_MINUTES,
    MIN_PLACES,
    MIN_SLOT_MINUTES,
    REASONS,
    BookingSlot,
    CalendarSettings,
    clean_closed_dates,
    clean_opening_hours,
    conflict_reason,
    find_conflicts,
    validate_settings,
)
from core.staff_agencies import check_staff_count
from core.uow import UnitOfWork

__all__ = [
    "ApplyResult",
    "BookingSlot",
    "CalendarSettings",
    "Conflict",
    "DECISIONS",
    "MAX_CLOSED_DATES",
    "MAX_INTERVALS_PER_DAY",
    "MAX_PLACES",
    "MAX_SLOT_MINUTES",
    "MIN_PLACES",
    "MIN_SLOT_MINUTES",
    "REASONS",
    "apply_settings",
    "calendar_agency_code",
    "clean_closed_dates",
    "clean_opening_hours",
    "conflict_reason",
    "customer_conversation",
    "find_conflicts",
    "get_settings",
    "settings_conflicts",
    "validate_settings",
]


@dataclass(frozen=True)
class Conflict:
    booking: BookingView
    reason: str  # one of REASONS


@dataclass(frozen=True)
class ApplyResult:
    settings: CalendarSettings
    cancelled: list[BookingView]  # cancelled by this change: tell each customer
    kept: list[Conflict]  # conflicting bookings the admin chose to keep


def get_settings(
    uow: UnitOfWork, agency_code: str, service_code: str, today: date | None = None
) -> CalendarSettings:
    """The calendar's settings; with `today`, only the closed dates from today on."""
    with uow:
        calendar = get_calendar(uow.session, agency_code, service_code)
        return _settings_of(uow.session, calendar, today)


def settings_conflicts(
    uow: UnitOfWork, agency_code: str, service_code: str, new: CalendarSettings, now: datetime
) -> list[Conflict]:
    """The upcoming confirmed bookings the new settings would not hold, soonest first."""
    with uow:
        calendar = get_calendar(uow.session, agency_code, service_code)
        return _conflicts(uow, calendar, new, now)


def apply_settings(
    uow: UnitOfWork,
    agency_code: str,
    service_code: str,
    new: CalendarSettings,
    now: datetime,
    *,
    conflicts: str = "refuse",
    seen: Collection[str] | None = None,
) -> ApplyResult:
    """Validate and store the settings in one transaction, the calendar row locked.

    `conflicts`: "refuse" raises SettingsConflict when a booking conflicts; "keep" leaves
    them as they are; "cancel" cancels them (core.bookings.cancel_booking, in this same
    transaction) and returns them. `seen`: the references the admin was shown; a
    conflict not among them (booked meanwhile) raises SettingsConflict
    (`settings_conflicts_changed`) so that they decide again.
    """
    if conflicts not in DECISIONS:
        raise ValueError(f"conflicts must be one of {DECISIONS}")
    with uow:
        session = uow.session
        today = local_day(now, uow.timezone)
        new = validate_settings(new, today)
        calendar = _locked_calendar(session, agency_code, service_code)
        check_staff_count(session, calendar, new.staff_count)  # issue 16: mechanics
        found = _conflicts(uow, calendar, new, now)
        if seen is not None and {c.booking.reference for c in found} - set(seen):
            raise SettingsConflict(
                found, "settings_conflicts_changed", "bookings were made meanwhile: look again"
            )
        if found and conflicts == "refuse":
            raise SettingsConflict(found)
        calendar.capacity = new.capacity
        calendar.staff_count = new.staff_count
        calendar.slot_minutes = new.slot_minutes
        calendar.opening_hours = {day: list(map(list, v)) for day, v in new.opening_hours.items()}
        _replace_closures(session, calendar.id, new.closed_dates, today)
        session.flush()
        cancelled = []
        if conflicts == "cancel":
            inner = _Nested(uow)
            cancelled = [cancel_booking(inner, c.booking.reference) for c in found]  # type: ignore[arg-type]
        stored = _settings_of(session, calendar, today)
        uow.commit()
        return ApplyResult(stored, cancelled, found if conflicts == "keep" else [])


def customer_conversation(
    uow: UnitOfWork, customer_id: int | None, channel: str
) -> ConversationView | None:
    """The customer's conversation on `channel` (the latest active), to tell them something."""
    if customer_id is None:
        return None
    with uow:
        conversation = uow.session.scalar(
            select(Conversation)
            .join(
                ChannelIdentity,
                (ChannelIdentity.channel == Conversation.channel)
                & (ChannelIdentity.external_id == Conversation.external_id),
            )
            .where(ChannelIdentity.customer_id == customer_id, Conversation.channel == channel)
            .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
            .limit(1)
        )
        if conversation is None:
            return None
        return ConversationView(
            id=conversation.id,
            channel=conversation.channel,
            external_id=conversation.external_id,
            language=conversation.language,
            sender_id=f"{conversation.channel}:{conversation.external_id}",
        )


def _locked_calendar(session: Session, agency_code: str, service_code: str) -> Calendar:
    """The calendar row, locked until commit (FOR UPDATE on PostgreSQL; SQLite transactions
    start with BEGIN IMMEDIATE, one writer at a time): two admins saving at once are
    serialised and the second one checks the bookings against what the first stored."""
    calendar_id = get_calendar(session, agency_code, service_code).id
    locked = session.scalar(
        select(Calendar)
        .where(Calendar.id == calendar_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert locked is not None  # just found
    return locked


def _conflicts(
    uow: UnitOfWork, calendar: Calendar, new: CalendarSettings, now: datetime
) -> list[Conflict]:
    rows = uow.session.execute(
        select(
            Booking.reference, Booking.start_utc, Booking.end_utc, Booking.created_at, Booking.id
        )
        .where(
            Booking.calendar_id == calendar.id,
            Booking.status == "confirmed",
            Booking.start_utc > now,
        )
        .order_by(Booking.start_utc, Booking.created_at, Booking.id)
    ).all()
    slots = [BookingSlot(r[0], r[1], r[2], (r[3], r[4])) for r in rows]
    reasons = find_conflicts(slots, new, uow.timezone)
    if not reasons:
        return []
    agency_code = calendar_agency_code(uow.session, calendar)
    views = list_bookings(
        uow,
        agency=agency_code,
        service=calendar.service_code,
        start_from=min(s.start_utc for s in slots),
        status="confirmed",
    )
    return [Conflict(view, reasons[view.reference]) for view in views if view.reference in reasons]


def calendar_agency_code(session: Session, calendar: Calendar) -> str:
    code = session.scalar(select(Agency.code).where(Agency.id == calendar.agency_id))
    assert code is not None  # foreign key
    return code


def _settings_of(session: Session, calendar: Calendar, today: date | None) -> CalendarSettings:
    query = select(CalendarClosure.day).where(CalendarClosure.calendar_id == calendar.id)
    if today is not None:
        query = query.where(CalendarClosure.day >= today)
    return CalendarSettings(
        capacity=calendar.capacity,
        staff_count=calendar.staff_count,
        slot_minutes=calendar.slot_minutes,
        opening_hours={
            day: [list(i) for i in calendar.opening_hours.get(day) or []]
            for day in WEEKDAYS
            if (calendar.opening_hours or {}).get(day)
        },
        closed_dates=sorted(session.scalars(query.order_by(CalendarClosure.day))),
    )


def _replace_closures(
    session: Session, calendar_id: int, closed: Sequence[date], today: date
) -> None:
    """Closed dates from today on become `closed` (kept ones keep their reason); past ones
    stay as history."""
    wanted = set(closed)
    session.execute(
        delete(CalendarClosure)
        .where(
            CalendarClosure.calendar_id == calendar_id,
            CalendarClosure.day >= today,
            CalendarClosure.day.not_in(wanted) if wanted else CalendarClosure.day >= today,
        )
        .execution_options(synchronize_session=False)
    )
    present = set(
        session.scalars(
            select(CalendarClosure.day).where(
                CalendarClosure.calendar_id == calendar_id, CalendarClosure.day >= today
            )
        )
    )
    for day in sorted(wanted - present):
        session.add(CalendarClosure(calendar_id=calendar_id, day=day))


class _Nested:
    """The caller's unit of work for a core function called inside its transaction: the
    function's own commit is left to the caller (one transaction for the whole change)."""

    def __init__(self, outer: UnitOfWork) -> None:
        self.session = outer.session
        self.timezone = outer.timezone

    def __enter__(self) -> _Nested:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def commit(self) -> None:
        self.session.flush()

    def rollback(self) -> None:  # the caller's `with` rolls back on the way out
        return None
