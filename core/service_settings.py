"""Service settings per (agency, service): capacity, staff, slot length, opening hours and
closed dates; what a change would do to the upcoming bookings, and applying it.

No booking disappears silently: a change that leaves upcoming confirmed bookings outside
the new hours, on a closed date, off the new slot grid or over the new
min(capacity, staff_count) is refused with the list, unless the admin decided to keep them
as they are or to cancel them (the web app then tells each customer).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.bookings import BookingView, cancel_booking, get_calendar, list_bookings
from core.calendars import (
    WEEKDAYS,
    OpeningHours,
    effective_capacity,
    find_slot,
    local_day,
    parse_opening_hours,
)
from core.conversations import ConversationView
from core.errors import InvalidValue, SettingsConflict
from core.models import (
    Agency,
    Booking,
    Calendar,
    CalendarClosure,
    ChannelIdentity,
    Conversation,
)
from core.uow import UnitOfWork

MIN_SLOT_MINUTES, MAX_SLOT_MINUTES = 5, 480
MIN_PLACES, MAX_PLACES = 1, 50  # capacity and staff count
MAX_INTERVALS_PER_DAY = 4
MAX_CLOSED_DATES = 366
DECISIONS = ("refuse", "keep", "cancel")
# Why an upcoming booking conflicts with new settings, most telling first.
REASONS = ("closed_date", "outside_hours", "off_grid", "over_capacity")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class CalendarSettings:
    capacity: int
    staff_count: int
    slot_minutes: int
    opening_hours: dict[str, list[list[str]]]  # {"mon": [["09:00", "12:00"], ...]}
    closed_dates: list[date]  # local dates, today or later


@dataclass(frozen=True)
class Conflict:
    booking: BookingView
    reason: str  # one of REASONS


@dataclass(frozen=True)
class ApplyResult:
    settings: CalendarSettings
    cancelled: list[BookingView]  # cancelled by this change: tell each customer
    kept: list[Conflict]  # conflicting bookings the admin chose to keep


@dataclass(frozen=True)
class BookingSlot:
    """What the conflict rules need of a booking; `order` ranks who booked first."""

    reference: str
    start_utc: datetime
    end_utc: datetime
    order: tuple[Any, ...]


# ------------------------------------------------------------------ rules (pure)


def validate_settings(new: CalendarSettings, today: date) -> CalendarSettings:
    """The settings cleaned (intervals and dates sorted); InvalidValue with a precise code:
    invalid_capacity, invalid_staff_count, invalid_slot_minutes (5..480), invalid_weekday,
    invalid_time (HH:MM), too_many_intervals, interval_order (start < end),
    interval_overlap, interval_too_short (holds no slot), invalid_closed_date,
    closed_date_past, too_many_closed_dates."""
    _check_number(new.capacity, "invalid_capacity", MIN_PLACES, MAX_PLACES)
    _check_number(new.staff_count, "invalid_staff_count", MIN_PLACES, MAX_PLACES)
    _check_number(new.slot_minutes, "invalid_slot_minutes", MIN_SLOT_MINUTES, MAX_SLOT_MINUTES)
    hours = clean_opening_hours(new.opening_hours, new.slot_minutes)
    dates = clean_closed_dates(new.closed_dates, today)
    return CalendarSettings(new.capacity, new.staff_count, new.slot_minutes, hours, dates)


def clean_opening_hours(raw: Any, slot_minutes: int) -> dict[str, list[list[str]]]:
    """Opening hours checked and sorted, weekdays in order, closed days left out."""
    if not isinstance(raw, Mapping):
        raise InvalidValue("invalid_opening_hours", "opening hours must map weekdays to intervals")
    cleaned: dict[str, list[list[str]]] = {}
    for day in raw:
        if day not in WEEKDAYS:
            raise InvalidValue("invalid_weekday", f"unknown weekday {day!r}")
    for day in WEEKDAYS:
        intervals = raw.get(day) or []
        if not isinstance(intervals, (list, tuple)):
            raise InvalidValue("invalid_opening_hours", f"{day}: a list of intervals expected")
        if len(intervals) > MAX_INTERVALS_PER_DAY:
            raise InvalidValue(
                "too_many_intervals", f"{day}: at most {MAX_INTERVALS_PER_DAY} intervals"
            )
        parsed = sorted(_interval(day, interval, slot_minutes) for interval in intervals)
        for (_, previous_end), (start, _) in zip(parsed, parsed[1:], strict=False):
            if start < previous_end:
                raise InvalidValue("interval_overlap", f"{day}: intervals overlap")
        if parsed:
            cleaned[day] = [[_hhmm(start), _hhmm(end)] for start, end in parsed]
    return cleaned


def clean_closed_dates(raw: Collection[Any], today: date) -> list[date]:
    """Closed dates sorted without duplicates; none before `today`."""
    dates = set()
    for value in raw:
        if not isinstance(value, date) or isinstance(value, datetime):
            raise InvalidValue("invalid_closed_date", f"not a date: {value!r}")
        if value < today:
            raise InvalidValue("closed_date_past", f"{value.isoformat()} is in the past")
        dates.add(value)
    if len(dates) > MAX_CLOSED_DATES:
        raise InvalidValue("too_many_closed_dates", f"at most {MAX_CLOSED_DATES} closed dates")
    return sorted(dates)


def conflict_reason(
    start_utc: datetime,
    end_utc: datetime,
    hours: OpeningHours,
    slot_minutes: int,
    closed: Collection[date],
    tz: str,
) -> str | None:
    """Why one booking no longer fits the hours, dates and grid (capacity aside), or None."""
    day = local_day(start_utc, tz)
    if day in closed:
        return "closed_date"
    slot = find_slot(hours, slot_minutes, start_utc, tz)
    if slot is not None and slot.end_utc == end_utc:
        return None
    zone = ZoneInfo(tz)
    start = start_utc.astimezone(zone)
    end = end_utc.astimezone(zone)
    inside = end.date() == day and any(
        opens <= start.time() and end.time() <= closes
        for opens, closes in hours.get(day.weekday(), [])
    )
    return "off_grid" if inside else "outside_hours"


def find_conflicts(
    bookings: Sequence[BookingSlot], new: CalendarSettings, tz: str
) -> dict[str, str]:
    """{reference: reason} of the bookings the new settings do not hold. Per slot, the
    bookings beyond min(capacity, staff_count) are over capacity: the latest booked."""
    hours = parse_opening_hours(new.opening_hours)
    closed = set(new.closed_dates)
    reasons: dict[str, str] = {}
    per_slot: dict[datetime, list[BookingSlot]] = {}
    for booking in bookings:
        reason = conflict_reason(
            booking.start_utc, booking.end_utc, hours, new.slot_minutes, closed, tz
        )
        if reason is not None:
            reasons[booking.reference] = reason
        else:
            per_slot.setdefault(booking.start_utc, []).append(booking)
    places = effective_capacity(new.capacity, new.staff_count)
    for in_slot in per_slot.values():
        for booking in sorted(in_slot, key=lambda b: b.order)[places:]:
            reasons[booking.reference] = "over_capacity"
    return reasons


def _check_number(value: Any, code: str, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidValue(code, f"a whole number from {low} to {high} is expected")


def _interval(day: str, interval: Any, slot_minutes: int) -> tuple[time, time]:
    if not isinstance(interval, (list, tuple)) or len(interval) != 2:
        raise InvalidValue("invalid_time", f"{day}: expected [start, end], got {interval!r}")
    start, end = (_time(day, value) for value in interval)
    if end <= start:
        raise InvalidValue("interval_order", f"{day}: {interval[0]} is not before {interval[1]}")
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    if minutes < slot_minutes:
        raise InvalidValue(
            "interval_too_short", f"{day}: {interval[0]}-{interval[1]} holds no slot"
        )
    return start, end


def _time(day: str, value: Any) -> time:
    match = _HHMM.match(value) if isinstance(value, str) else None
    if match is None:
        raise InvalidValue("invalid_time", f"{day}: expected HH:MM, got {value!r}")
    return time(int(match[1]), int(match[2]))


def _hhmm(moment: time) -> str:
    return moment.strftime("%H:%M")


# ------------------------------------------------------------------ the store


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
