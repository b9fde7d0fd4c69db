"""The rules of service settings: validation codes and which bookings a change would hit."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from core.errors import InvalidValue
from core.service_settings import (
    BookingSlot,
    CalendarSettings,
    find_conflicts,
    validate_settings,
)

TZ = "Europe/Paris"
TODAY = date(2025, 11, 19)  # a Wednesday
HOURS = {"mon": [["09:00", "12:00"], ["14:00", "18:00"]], "thu": [["09:00", "12:00"]]}


def settings(**changes: object) -> CalendarSettings:
    values: dict[str, object] = {
        "capacity": 2,
        "staff_count": 2,
        "slot_minutes": 60,
        "opening_hours": HOURS,
        "closed_dates": [],
    }
    values.update(changes)
    return CalendarSettings(**values)  # type: ignore[arg-type]


def paris(day: date, hour: int, minute: int = 0) -> datetime:
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(TZ))
    return local.astimezone(timezone.utc)


def booked(reference: str, day: date, hour: int, minutes: int = 60, order: int = 0) -> BookingSlot:
    start = paris(day, hour)
    return BookingSlot(reference, start, start + timedelta(minutes=minutes), (order,))


MONDAY = date(2025, 11, 24)
THURSDAY = date(2025, 11, 20)


def test_valid_settings_come_back_sorted_with_closed_days_left_out() -> None:
    given = settings(
        opening_hours={"mon": [["14:00", "18:00"], ["09:00", "12:00"]], "tue": []},
        closed_dates=[date(2025, 12, 25), TODAY, date(2025, 12, 25)],
    )
    cleaned = validate_settings(given, TODAY)
    assert cleaned.opening_hours == {"mon": [["09:00", "12:00"], ["14:00", "18:00"]]}
    assert cleaned.closed_dates == [TODAY, date(2025, 12, 25)]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"capacity": 0}, "invalid_capacity"),
        ({"capacity": 51}, "invalid_capacity"),
        ({"capacity": True}, "invalid_capacity"),
        ({"staff_count": 0}, "invalid_staff_count"),
        ({"staff_count": 60}, "invalid_staff_count"),
        ({"slot_minutes": 4}, "invalid_slot_minutes"),
        ({"slot_minutes": 481}, "invalid_slot_minutes"),
        ({"opening_hours": {"lun": [["09:00", "12:00"]]}}, "invalid_weekday"),
        ({"opening_hours": {"mon": [["9h", "12:00"]]}}, "invalid_time"),
        ({"opening_hours": {"mon": [["09:00", "24:00"]]}}, "invalid_time"),
        ({"opening_hours": {"mon": [["09:00"]]}}, "invalid_time"),
        ({"opening_hours": {"mon": [["12:00", "09:00"]]}}, "interval_order"),
        ({"opening_hours": {"mon": [["09:00", "09:00"]]}}, "interval_order"),
        ({"opening_hours": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}}, "interval_overlap"),
        ({"opening_hours": {"mon": [["09:00", "09:30"]]}}, "interval_too_short"),
        ({"opening_hours": {"mon": [["08:00", "09:00"]] * 5}}, "too_many_intervals"),
        ({"closed_dates": [TODAY - timedelta(days=1)]}, "closed_date_past"),
        ({"closed_dates": ["2025-12-25"]}, "invalid_closed_date"),
    ],
)
def test_invalid_settings_are_refused_with_a_precise_code(
    changes: dict[str, object], code: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        validate_settings(settings(**changes), TODAY)
    assert refused.value.code == code


def test_touching_intervals_and_limits_are_accepted() -> None:
    given = settings(
        capacity=50,
        staff_count=1,
        slot_minutes=5,
        opening_hours={"fri": [["00:00", "12:00"], ["12:00", "23:59"]]},
        closed_dates=[TODAY],
    )
    assert validate_settings(given, TODAY).opening_hours["fri"][1] == ["12:00", "23:59"]


def test_a_booking_on_a_new_closed_date_conflicts() -> None:
    found = find_conflicts([booked("A", MONDAY, 9)], settings(closed_dates=[MONDAY]), TZ)
    assert found == {"A": "closed_date"}


def test_a_booking_outside_shortened_hours_conflicts() -> None:
    shorter = settings(opening_hours={"mon": [["09:00", "12:00"]], "thu": [["09:00", "12:00"]]})
    found = find_conflicts([booked("A", MONDAY, 9), booked("B", MONDAY, 15)], shorter, TZ)
    assert found == {"B": "outside_hours"}


def test_a_booking_on_a_day_no_longer_open_is_outside_hours() -> None:
    found = find_conflicts([booked("A", THURSDAY, 10)], settings(opening_hours={"mon": []}), TZ)
    assert found == {"A": "outside_hours"}


def test_a_booking_inside_hours_but_off_the_new_grid_conflicts() -> None:
    # 90-minute slots from 09:00: 09:00, 10:30 -- a 10:00 booking is off the grid
    found = find_conflicts([booked("A", MONDAY, 10)], settings(slot_minutes=90), TZ)
    assert found == {"A": "off_grid"}


def test_a_booking_whose_length_differs_from_the_new_slot_length_conflicts() -> None:
    # 09:00 is still a slot start with 30-minute slots, but the booking lasts an hour
    found = find_conflicts([booked("A", MONDAY, 9)], settings(slot_minutes=30), TZ)
    assert found == {"A": "off_grid"}


def test_the_latest_bookings_beyond_the_lowered_capacity_conflict() -> None:
    bookings = [booked(ref, MONDAY, 9, order=n) for n, ref in enumerate(["A", "B", "C"])]
    assert find_conflicts(bookings, settings(capacity=1), TZ) == {
        "B": "over_capacity",
        "C": "over_capacity",
    }


def test_fewer_staff_than_places_limits_the_slot() -> None:
    bookings = [booked("A", MONDAY, 9, order=2), booked("B", MONDAY, 9, order=1)]
    assert find_conflicts(bookings, settings(capacity=5, staff_count=1), TZ) == {
        "A": "over_capacity"
    }


def test_bookings_that_still_fit_do_not_conflict() -> None:
    bookings = [booked("A", MONDAY, 9), booked("B", MONDAY, 9), booked("C", THURSDAY, 11)]
    assert find_conflicts(bookings, settings(), TZ) == {}
