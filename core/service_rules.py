"""The rules of service settings that need no database: checking new settings, and which
upcoming bookings they would leave out (the store: core/service_settings.py)."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from core.calendars import (
    WEEKDAYS,
    OpeningHours,
    effective_capacity,
    find_slot,
    local_day,
    parse_opening_hours,
)
from core.errors import InvalidValue

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
class BookingSlot:
    """What the conflict rules need of a booking; `order` ranks who booked first."""

    reference: str
    start_utc: datetime
    end_utc: datetime
    order: tuple[Any, ...]


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
