"""Pure slot arithmetic: local opening hours -> UTC slots, local weeks, DST-correct (zoneinfo)."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from core.errors import InvalidValue

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

OpeningHours = dict[int, list[tuple[time, time]]]  # weekday (0 = Monday) -> local intervals


@dataclass(frozen=True)
class Slot:
    start_utc: datetime
    end_utc: datetime


def parse_opening_hours(raw: Mapping[str, Any] | None) -> OpeningHours:
    """`{"mon": [["09:00", "12:00"], ...]}` -> intervals per weekday; InvalidValue if malformed."""
    hours: OpeningHours = {}
    for key, intervals in (raw or {}).items():
        if key not in WEEKDAYS:
            raise InvalidValue("invalid_opening_hours", f"unknown weekday {key!r}")
        parsed = [_parse_interval(interval) for interval in intervals or []]
        parsed.sort()
        for (_, previous_end), (start, _) in zip(parsed, parsed[1:], strict=False):
            if start < previous_end:
                raise InvalidValue("invalid_opening_hours", f"overlapping intervals on {key}")
        if parsed:
            hours[WEEKDAYS.index(key)] = parsed
    return hours


def _parse_interval(interval: Any) -> tuple[time, time]:
    if not isinstance(interval, (list, tuple)) or len(interval) != 2:
        raise InvalidValue("invalid_opening_hours", f"expected [start, end], got {interval!r}")
    start, end = (_parse_hhmm(value) for value in interval)
    if end <= start:
        raise InvalidValue("invalid_opening_hours", f"interval ends before it starts: {interval}")
    return start, end


def _parse_hhmm(value: Any) -> time:
    match = _HHMM.match(str(value))
    if not match:
        raise InvalidValue("invalid_opening_hours", f"expected HH:MM, got {value!r}")
    return time(int(match[1]), int(match[2]))


def local_week_start(now: datetime, tz: str, weeks_ahead: int = 0) -> date:
    """The local Monday of the week containing `now` (plus `weeks_ahead` weeks)."""
    today = _aware(now).astimezone(ZoneInfo(tz)).date()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_ahead)


def week_bounds(now: datetime, tz: str, weeks_ahead: int = 0) -> tuple[datetime, datetime]:
    """[local Monday 00:00, next local Monday 00:00) of `now`'s week, as UTC datetimes."""
    monday = local_week_start(now, tz, weeks_ahead)
    return _local_midnight_utc(monday, tz), _local_midnight_utc(monday + timedelta(days=7), tz)


def day_slots(hours: OpeningHours, slot_minutes: int, day: date, tz: str) -> list[Slot]:
    """Slots of one local day, stepping in wall-clock time; local times that do not exist
    (spring-forward gap) are skipped, ambiguous ones (fall-back) take their first occurrence."""
    zone = ZoneInfo(tz)
    length = timedelta(minutes=slot_minutes)
    slots = []
    for start, end in hours.get(day.weekday(), []):
        wall = datetime.combine(day, start)
        last = datetime.combine(day, end) - length
        while wall <= last:
            start_utc = wall.replace(tzinfo=zone).astimezone(timezone.utc)
            if start_utc.astimezone(zone).replace(tzinfo=None) == wall:
                slots.append(Slot(start_utc, start_utc + length))
            wall += length
    return slots


def week_slots(
    hours: OpeningHours, slot_minutes: int, now: datetime, tz: str, weeks_ahead: int = 0
) -> list[Slot]:
    """Every slot of the local week containing `now` (plus `weeks_ahead`), past ones included."""
    monday = local_week_start(now, tz, weeks_ahead)
    slots: list[Slot] = []
    for offset in range(7):
        slots.extend(day_slots(hours, slot_minutes, monday + timedelta(days=offset), tz))
    return slots


def find_slot(hours: OpeningHours, slot_minutes: int, start_utc: datetime, tz: str) -> Slot | None:
    """The slot starting exactly at `start_utc`, or None if the calendar has no such slot."""
    start_utc = _aware(start_utc)
    day = start_utc.astimezone(ZoneInfo(tz)).date()
    return next(
        (s for s in day_slots(hours, slot_minutes, day, tz) if s.start_utc == start_utc), None
    )


def effective_capacity(capacity: int, staff_count: int | None) -> int:
    """Bookings one slot can hold: each needs a place and one of the staff on duty."""
    return capacity if staff_count is None else min(capacity, staff_count)


def local_day(moment: datetime, tz: str) -> date:
    """The local date (in `tz`) of an aware instant."""
    return _aware(moment).astimezone(ZoneInfo(tz)).date()


def without_closed_days(slots: Iterable[Slot], closed: Collection[date], tz: str) -> list[Slot]:
    """The slots whose local start date is not one of the `closed` dates."""
    return [slot for slot in slots if local_day(slot.start_utc, tz) not in closed]


def spread_slots(
    starts: Iterable[datetime], limit: int, tz: str, per_day: int = 2
) -> list[datetime]:
    """At most `limit` starts spread over the days and times of the week: first one a day
    for every day (mornings and afternoons alternating from day to day), then a second one
    a day (the other half of the day) from the earliest days, at most `per_day` a day;
    topped up with the earliest others when days run out."""
    ordered = sorted(starts)
    zone = ZoneInfo(tz)
    by_day: dict[date, tuple[list[datetime], list[datetime]]] = {}
    for start in ordered:
        local = start.astimezone(zone)
        halves = by_day.setdefault(local.date(), ([], []))
        halves[local.hour >= 12].append(start)
    chosen: list[datetime] = []
    taken: set[datetime] = set()
    for round_ in range(per_day):
        for index, day in enumerate(sorted(by_day)):
            if len(chosen) >= limit:
                break
            halves = by_day[day]
            afternoon_first = (index + round_) % 2 == 1
            candidates = [*halves[afternoon_first], *halves[not afternoon_first]]
            pick = next((start for start in candidates if start not in taken), None)
            if pick is not None:
                chosen.append(pick)
                taken.add(pick)
    rest = [start for start in ordered if start not in taken]
    chosen.extend(rest[: max(0, limit - len(chosen))])
    return sorted(chosen)


def _local_midnight_utc(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: pass an aware datetime")
    return moment
