"""Pure slot arithmetic: opening hours, local weeks, DST changes, spreading offers."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from core.calendars import (
    day_slots,
    effective_capacity,
    find_slot,
    local_day,
    local_week_start,
    parse_opening_hours,
    spread_slots,
    week_bounds,
    week_slots,
    without_closed_days,
)
from core.errors import InvalidValue

PARIS = "Europe/Paris"
EVERY_DAY = {
    day: [["09:00", "12:00"], ["14:00", "18:00"]]
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(PARIS)).astimezone(timezone.utc)


def test_opening_hours_are_parsed_per_weekday_and_closed_days_are_left_out() -> None:
    hours = parse_opening_hours({"mon": [["14:00", "18:00"], ["09:00", "12:00"]], "sun": []})

    assert list(hours) == [0]
    assert [(s.isoformat(), e.isoformat()) for s, e in hours[0]] == [
        ("09:00:00", "12:00:00"),
        ("14:00:00", "18:00:00"),
    ]


@pytest.mark.parametrize(
    "raw",
    [
        {"monday": [["09:00", "12:00"]]},
        {"mon": [["9h", "12:00"]]},
        {"mon": [["12:00", "09:00"]]},
        {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]},
        {"mon": [["09:00"]]},
    ],
)
def test_malformed_opening_hours_are_refused(raw: dict) -> None:
    with pytest.raises(InvalidValue) as error:
        parse_opening_hours(raw)
    assert error.value.code == "invalid_opening_hours"


def test_slots_fill_each_interval_without_overrunning_its_end() -> None:
    hours = parse_opening_hours({"wed": [["09:00", "12:00"]]})

    slots = day_slots(hours, 90, date(2025, 11, 19), PARIS)

    assert [s.start_utc for s in slots] == [paris(2025, 11, 19, 9), paris(2025, 11, 19, 10, 30)]
    assert all(s.end_utc - s.start_utc == timedelta(minutes=90) for s in slots)


def test_a_closed_day_has_no_slot() -> None:
    hours = parse_opening_hours({"mon": [["09:00", "12:00"]]})
    assert day_slots(hours, 60, date(2025, 11, 18), PARIS) == []


def test_a_week_runs_from_local_monday_midnight_to_the_next_in_utc() -> None:
    start, end = week_bounds(utc(2025, 11, 19, 9, 30), PARIS)

    assert start == utc(2025, 11, 16, 23)  # Monday 17 November 00:00 in Paris
    assert end == utc(2025, 11, 23, 23)


def test_the_week_is_decided_by_local_time_not_utc() -> None:
    sunday_late = paris(2025, 11, 23, 23, 30)  # still Sunday in Paris (22:30 UTC)
    monday_early = paris(2025, 11, 24, 0, 30)  # Monday in Paris, Sunday 23:30 in UTC

    assert local_week_start(sunday_late, PARIS) == date(2025, 11, 17)
    assert local_week_start(monday_early, PARIS) == date(2025, 11, 24)
    assert local_week_start(monday_early, PARIS, weeks_ahead=1) == date(2025, 12, 1)


def test_the_last_week_of_october_has_correct_utc_times_across_the_dst_change() -> None:
    # Clocks go back on Sunday 26 October 2025 at 03:00 CEST: UTC+2 before, UTC+1 after.
    hours = parse_opening_hours(EVERY_DAY)
    now = paris(2025, 10, 20, 8)

    slots = week_slots(hours, 60, now, PARIS)
    start, end = week_bounds(now, PARIS)

    assert end - start == timedelta(hours=169)
    assert slots[0].start_utc == utc(2025, 10, 20, 7)  # Monday 09:00 CEST
    sunday = [s.start_utc for s in slots if s.start_utc.date() == date(2025, 10, 26)]
    assert sunday[0] == utc(2025, 10, 26, 8)  # Sunday 09:00 CET
    assert slots[-1].start_utc == utc(2025, 10, 26, 16)  # Sunday 17:00 CET
    assert len(slots) == 7 * 7
    assert week_slots(hours, 60, now, PARIS, weeks_ahead=1)[0].start_utc == utc(2025, 10, 27, 8)


def test_the_last_week_of_march_has_correct_utc_times_across_the_dst_change() -> None:
    # Clocks go forward on Sunday 29 March 2026 at 02:00 CET: UTC+1 before, UTC+2 after.
    hours = parse_opening_hours(EVERY_DAY)
    now = paris(2026, 3, 25, 12)

    slots = week_slots(hours, 60, now, PARIS)
    start, end = week_bounds(now, PARIS)

    assert end - start == timedelta(hours=167)
    assert slots[0].start_utc == utc(2026, 3, 23, 8)  # Monday 09:00 CET
    sunday = [s.start_utc for s in slots if s.start_utc.date() == date(2026, 3, 29)]
    assert sunday[0] == utc(2026, 3, 29, 7)  # Sunday 09:00 CEST
    assert slots[-1].end_utc == utc(2026, 3, 29, 16)  # Sunday 18:00 CEST
    assert len(slots) == 7 * 7


def test_local_times_skipped_by_spring_forward_give_no_slot() -> None:
    hours = parse_opening_hours({"sun": [["01:00", "04:00"]]})

    slots = day_slots(hours, 30, date(2026, 3, 29), PARIS)

    # 01:00 and 01:30 CET, then 02:00 and 02:30 do not exist, then 03:00 and 03:30 CEST
    assert [s.start_utc for s in slots] == [
        utc(2026, 3, 29, 0),
        utc(2026, 3, 29, 0, 30),
        utc(2026, 3, 29, 1),
        utc(2026, 3, 29, 1, 30),
    ]


def test_the_hour_repeated_by_fall_back_gives_distinct_ordered_slots() -> None:
    hours = parse_opening_hours({"sun": [["01:00", "04:00"]]})

    starts = [s.start_utc for s in day_slots(hours, 60, date(2025, 10, 26), PARIS)]

    assert starts == [utc(2025, 10, 25, 23), utc(2025, 10, 26, 0), utc(2025, 10, 26, 2)]


def test_find_slot_accepts_a_slot_start_and_refuses_any_other_time() -> None:
    hours = parse_opening_hours(EVERY_DAY)

    found = find_slot(hours, 60, utc(2025, 10, 26, 8), PARIS)

    assert found is not None and found.end_utc == utc(2025, 10, 26, 9)
    assert find_slot(hours, 60, utc(2025, 10, 26, 8, 15), PARIS) is None
    assert find_slot(hours, 60, paris(2025, 10, 26, 12), PARIS) is None  # lunch break
    assert find_slot(hours, 60, paris(2025, 10, 26, 18), PARIS) is None  # closed


def test_spread_shows_every_day_first_then_a_second_slot_from_the_earliest_days() -> None:
    starts = [paris(2025, 11, day, hour) for day in (19, 20, 21, 22) for hour in (9, 10, 11)]

    chosen = spread_slots(starts, 6, PARIS)

    days = [c.astimezone(ZoneInfo(PARIS)).day for c in chosen]
    assert days == [19, 19, 20, 20, 21, 22]


def test_spread_covers_the_whole_week_with_mornings_and_afternoons() -> None:
    # Mon 17 to Sat 22 Nov 2025, 09:00-12:00 and 14:00-18:00 every hour: 8 offered
    starts = [
        paris(2025, 11, day, hour) for day in range(17, 23) for hour in (9, 10, 11, 14, 15, 16, 17)
    ]

    chosen = spread_slots(starts, 8, PARIS)
    local = [c.astimezone(ZoneInfo(PARIS)) for c in chosen]

    assert {t.day for t in local} == set(range(17, 23))  # Friday and Saturday too
    assert sum(t.hour >= 12 for t in local) == 4  # as many afternoons as mornings
    assert max(sum(t.day == day for t in local) for day in range(17, 23)) == 2


def test_spread_tops_up_with_the_earliest_others_when_few_days_are_left() -> None:
    starts = [paris(2025, 11, 22, hour) for hour in range(9, 18)]

    chosen = spread_slots(reversed(starts), 4, PARIS)

    assert chosen == starts[:4]


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        week_bounds(datetime(2025, 11, 19, 9), PARIS)


@pytest.mark.parametrize(
    ("capacity", "staff", "expected"), [(3, 1, 1), (2, 5, 2), (2, 2, 2), (4, None, 4)]
)
def test_a_slot_holds_the_smaller_of_its_places_and_its_staff(capacity, staff, expected) -> None:
    assert effective_capacity(capacity, staff) == expected


def test_closed_days_are_local_dates() -> None:
    # Friday 00:00 and 01:00 in Paris are still Thursday in UTC: the local date decides
    hours = parse_opening_hours({"thu": [["22:00", "23:00"]], "fri": [["00:00", "02:00"]]})
    slots = week_slots(hours, 60, paris(2025, 11, 19, 12), PARIS)

    kept = without_closed_days(slots, {date(2025, 11, 21)}, PARIS)

    assert local_day(utc(2025, 11, 20, 23, 30), PARIS) == date(2025, 11, 21)
    assert [s.start_utc for s in kept] == [paris(2025, 11, 20, 22)]
    assert len(slots) == 3
    assert without_closed_days(slots, set(), PARIS) == slots
