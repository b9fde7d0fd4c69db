"""Typed time preferences: when a customer wants to come, as typed, and the slots matching it.

Pure functions, no I/O; French and English; accents, case and small typos tolerated. The
rules (documented in docs/workshop.md, "Typed time preferences"):
- A day name is its next occurrence; said on that very day it means today when today still
  has a matching slot, else the same day next week (`fallback`, settled by
  `resolve_preference`). "prochain" / "next" is the first one strictly after today;
  "vendredi en huit" a week after that.
- A day of month ("le 9", "the 9th") is the next such date from today (today included),
  skipping the months without that day ("le 31" said on 19 November: 31 December). A day
  and month ("9 décembre", "09/12") is the next such date from today; with a year, that date.
  A date wins over a day name said with it ("mercredi 9": the 9th).
- "semaine prochaine" is next Monday..Sunday; "cette semaine" today..Sunday; "ce week-end"
  the coming Saturday..Sunday (today included); "week-end prochain" the first one after today.
- Parts of the day are windows of slot starts: morning 00:00-11:59, afternoon 12:00-17:59,
  end of day 16:00-23:59, evening 17:00-23:59 (all of them in core/when_hours.py). A time
  ("vers 10h", "at 10", "2pm") is a target: the slots within an hour of it, nearest first.
  A bare hour from 1 to 7 is in the afternoon ("at 2" is 14:00) unless "am" or "du matin"
  says otherwise.
- Only a part of the day, a time, or "le plus tôt possible": every day from today over
  `HORIZON_DAYS`.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from core.when_days import HORIZON_DAYS, Days, explicit_date, horizon, read_days
from core.when_hours import DAY_END, DAY_START, time_window
from core.when_text import canonical

NEAREST_MARGIN_DAYS = 7  # slots looked at past the wanted days, for the nearest ones
MAX_SEARCH_DAYS = 366


@dataclass(frozen=True)
class TimePreference:
    """When the customer wants to come: local days, an optional window and target time.

    `kind` names the days for the answer: "earliest", "any_day" (only a time of day was
    given), "today", "tomorrow", "day_after_tomorrow", "weekday", "date", "this_week",
    "next_week", "week", "end_of_week", "weekend", "weekdays", "month", "end_of_month",
    "days" (several day names).
    """

    kind: str
    first_day: date  # local, included
    last_day: date  # local, included
    start: time | None = None  # slot starts from `start` to `end`, both included (local)
    end: time | None = None
    target: time | None = None  # "vers 10h": nearest first
    part: str | None = None  # the part of the day said: "morning", "afternoon", "not_morning"...
    weekdays: frozenset[int] | None = None  # only these days (0 = Monday)
    fallback: tuple[date, date] | None = None  # the days meant when none of the first matches

    @property
    def window(self) -> tuple[time, time]:
        """The local start times that match, both ends included (the whole day by default)."""
        start = DAY_START if self.start is None else self.start
        return start, DAY_END if self.end is None else self.end


def parse_time_preference(text: str, now: datetime, tz: str) -> TimePreference | None:
    """When the customer wants to come, read from what they typed; None when it says nothing
    of days or times ("bonjour", "12000 km", "2019", a button payload). `now` is aware."""
    if now.tzinfo is None:
        raise ValueError(f"naive datetime {now!r}: pass an aware datetime")
    if not text or text.lstrip().startswith("/"):
        return None
    local = now.astimezone(ZoneInfo(tz))
    today = local.date()
    dated, rest = explicit_date(canonical(text), today)
    window = time_window(rest)
    window_over = window is not None and local.time() > window.end
    days = dated or read_days(rest, today, window_over)
    if days is None and window is None:
        return None
    if days is None:
        days = Days("any_day", *horizon(today))
    whole_day = window is None or (window.start, window.end) == (DAY_START, DAY_END)
    return TimePreference(
        kind=days.kind,
        first_day=days.first,
        last_day=days.last,
        start=None if whole_day else window.start,
        end=None if whole_day else window.end,
        target=window.target if window else None,
        part=window.part if window else None,
        weekdays=days.weekdays,
        fallback=days.fallback,
    )


def _matches(start_utc: datetime, preference: TimePreference, zone: ZoneInfo) -> bool:
    local = start_utc.astimezone(zone)
    day, first, last = local.date(), *preference.window
    if not preference.first_day <= day <= preference.last_day:
        return False
    if preference.weekdays is not None and day.weekday() not in preference.weekdays:
        return False
    return first <= local.time() <= last


def resolve_preference(
    slots: Iterable[datetime], preference: TimePreference, tz: str
) -> TimePreference:
    """The preference with its days settled: "vendredi" said on a Friday is today when one of
    `slots` matches today, else next Friday (the answer names the day from this)."""
    if preference.fallback is None:
        return preference
    zone = ZoneInfo(tz)
    if any(_matches(start, preference, zone) for start in slots):
        return replace(preference, fallback=None)
    first, last = preference.fallback
    return replace(preference, first_day=first, last_day=last, fallback=None)


def match_slots(slots: list[datetime], preference: TimePreference, tz: str) -> list[datetime]:
    """The slots (UTC starts) matching the preference: day by day, nearest to the target time
    first when there is one, else in time order."""
    slots = list(slots)
    settled = resolve_preference(slots, preference, tz)
    zone = ZoneInfo(tz)
    matching = [start for start in slots if _matches(start, settled, zone)]
    if settled.target is None:
        return sorted(matching)
    target = settled.target.hour * 60 + settled.target.minute

    def nearest_first(start: datetime) -> tuple[date, int, datetime]:
        local = start.astimezone(zone)
        return local.date(), abs(local.hour * 60 + local.minute - target), start

    return sorted(matching, key=nearest_first)


def _wanted_intervals(preference: TimePreference, tz: str) -> list[tuple[datetime, datetime]]:
    """The wanted days and hours as UTC intervals, in order."""
    zone = ZoneInfo(tz)
    first, last = preference.window
    intervals = []
    day = preference.first_day
    while day <= preference.last_day:
        if preference.weekdays is None or day.weekday() in preference.weekdays:
            start = datetime.combine(day, first, tzinfo=zone).astimezone(timezone.utc)
            end = datetime.combine(day, last, tzinfo=zone).astimezone(timezone.utc)
            intervals.append((start, end))
        day += timedelta(days=1)
    return intervals


def nearest_slots(
    slots: list[datetime], preference: TimePreference, tz: str, n: int = 4
) -> list[datetime]:
    """The `n` slots closest in time to the wanted days and hours (for when none matches),
    in time order; ties go to the earlier slot."""
    slots = list(slots)
    intervals = _wanted_intervals(resolve_preference(slots, preference, tz), tz)
    if not intervals:
        return sorted(slots)[:n]
    starts = [start for start, _ in intervals]

    def distance(slot: datetime) -> timedelta:
        index = bisect.bisect_right(starts, slot)
        around = intervals[max(0, index - 1) : index + 1]
        return min(max(start - slot, slot - end, timedelta(0)) for start, end in around)

    return sorted(sorted(slots, key=lambda slot: (distance(slot), slot))[:n])


def search_range(preference: TimePreference, now: datetime, tz: str) -> tuple[date, date]:
    """The local days whose free slots answer the preference: from today over the horizon,
    and a week past the wanted days for the nearest ones (at most a year)."""
    today = now.astimezone(ZoneInfo(tz)).date()
    last = preference.fallback[1] if preference.fallback else preference.last_day
    end = max(today + timedelta(days=HORIZON_DAYS - 1), last + timedelta(days=NEAREST_MARGIN_DAYS))
    return today, min(end, today + timedelta(days=MAX_SEARCH_DAYS - 1))
