"""The booking store on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from core.bookings import (
    REFERENCE_ALPHABET,
    book_slot,
    cancel_booking,
    free_slots,
    get_booking,
    list_bookings,
    offer_slots,
)
from core.errors import InvalidValue, NotFound, SlotTaken, SlotUnavailable
from core.models import Calendar, CalendarClosure, SlotCounter
from core.when import match_slots, nearest_slots, parse_time_preference, search_range

AGENCY = "test-agency"


def book(uow_factory, start: datetime, now: datetime, service: str = "maintenance", **kw):
    """Book `start` at the test agency with default values."""
    return book_slot(
        uow_factory(),
        agency_code=kw.pop("agency", AGENCY),
        service_code=service,
        start_utc=start,
        customer_id=kw.pop("customer_id", None),
        channel=kw.pop("channel", "web"),
        now=now,
    )


def test_a_booking_takes_a_place_and_gets_a_short_reference(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar(capacity=2)
    start = local_dt(2025, 11, 20, 9)

    booking = book(uow_factory, start, now)

    assert booking.reference.startswith("PL-") and len(booking.reference) == 9
    assert set(booking.reference[3:]) <= set(REFERENCE_ALPHABET)
    assert (booking.service, booking.agency, booking.status) == ("maintenance", AGENCY, "confirmed")
    assert booking.start_utc == datetime(2025, 11, 20, 8, tzinfo=timezone.utc)
    assert booking.end_utc == booking.start_utc + timedelta(hours=1)
    assert get_booking(uow_factory(), booking.reference.lower()) == booking
    offered = {
        s.start_utc: s.free for s in offer_slots(uow_factory(), AGENCY, "maintenance", now).slots
    }
    assert offered.get(start, 1) == 1


def test_a_slot_never_holds_more_bookings_than_its_capacity(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar(capacity=2)
    start = local_dt(2025, 11, 20, 9)
    book(uow_factory, start, now)
    book(uow_factory, start, now)

    with pytest.raises(SlotTaken):
        book(uow_factory, start, now)

    assert len(list_bookings(uow_factory(), start_from=start, start_to=start + timedelta(1))) == 2
    with uow_factory() as uow:
        assert uow.session.scalar(select(SlotCounter.taken)) == 2


def test_calendars_are_isolated_from_each_other(uow_factory, add_calendar, local_dt, now) -> None:
    add_calendar(AGENCY, "maintenance", capacity=1)
    add_calendar(AGENCY, "road_test", capacity=1)
    add_calendar("other-agency", "road_test", capacity=1)
    start = local_dt(2025, 11, 20, 9)
    book(uow_factory, start, now, service="road_test")

    with pytest.raises(SlotTaken):
        book(uow_factory, start, now, service="road_test")
    book(uow_factory, start, now, service="maintenance")
    book(uow_factory, start, now, service="road_test", agency="other-agency")

    assert sorted(b.service for b in list_bookings(uow_factory(), agency=AGENCY)) == [
        "maintenance",
        "road_test",
    ]


def test_the_offer_lists_free_future_slots_of_this_week_spread_over_days(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar(capacity=2)  # Monday to Friday, 09-12 and 14-18, hourly
    book(uow_factory, local_dt(2025, 11, 19, 11), now)
    book(uow_factory, local_dt(2025, 11, 19, 11), now)  # Wednesday 11:00 is full
    book(uow_factory, local_dt(2025, 11, 19, 14), now)  # Wednesday 14:00 has 1 place left

    offer = offer_slots(uow_factory(), AGENCY, "maintenance", now, limit=5)

    assert offer.week == "this_week"
    assert [(s.start_utc, s.free) for s in offer.slots] == [
        (local_dt(2025, 11, 19, 14), 1),
        (local_dt(2025, 11, 19, 15), 2),
        (local_dt(2025, 11, 20, 9), 2),
        (local_dt(2025, 11, 20, 14), 2),  # an afternoon too
        (local_dt(2025, 11, 21, 9), 2),
    ]
    assert all(s.end_utc - s.start_utc == timedelta(hours=1) for s in offer.slots)


def test_next_week_is_offered_when_this_week_is_full(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar(
        capacity=1, opening_hours={"mon": [["09:00", "11:00"]], "fri": [["09:00", "11:00"]]}
    )
    for hour in (9, 10):
        book(uow_factory, local_dt(2025, 11, 21, hour), now)

    offer = offer_slots(uow_factory(), AGENCY, "maintenance", now)

    assert offer.week == "next_week"
    assert [s.start_utc for s in offer.slots] == [
        local_dt(2025, 11, 24, 9),
        local_dt(2025, 11, 24, 10),
        local_dt(2025, 11, 28, 9),
        local_dt(2025, 11, 28, 10),
    ]


def test_slots_already_started_this_week_are_not_offered(
    uow_factory, add_calendar, local_dt
) -> None:
    add_calendar(capacity=1, opening_hours={"wed": [["09:00", "12:00"]]})

    offer = offer_slots(uow_factory(), AGENCY, "maintenance", local_dt(2025, 11, 19, 10, 30))
    assert [s.start_utc for s in offer.slots] == [local_dt(2025, 11, 19, 11)]

    late = offer_slots(uow_factory(), AGENCY, "maintenance", local_dt(2025, 11, 19, 11))
    assert late.week == "next_week"
    assert late.slots[0].start_utc == local_dt(2025, 11, 26, 9)


def test_the_next_page_offers_the_free_slots_not_shown_yet(
    uow_factory, add_calendar, local_dt
) -> None:
    add_calendar(
        capacity=1, opening_hours={"wed": [["09:00", "13:00"]], "fri": [["09:00", "12:00"]]}
    )
    now = local_dt(2025, 11, 19, 8)  # Wednesday, before opening
    book(uow_factory, local_dt(2025, 11, 21, 10), now)  # Friday 10:00 is full

    first = offer_slots(uow_factory(), AGENCY, "maintenance", now, limit=2)
    shown = [s.start_utc for s in first.slots]
    page = offer_slots(uow_factory(), AGENCY, "maintenance", now, limit=9, exclude=shown)

    assert shown == [local_dt(2025, 11, 19, 9), local_dt(2025, 11, 21, 9)]
    assert page.week == "this_week"
    assert [s.start_utc for s in page.slots] == [
        local_dt(2025, 11, 19, 10),  # earlier than the last one shown, not shown yet
        local_dt(2025, 11, 19, 11),
        local_dt(2025, 11, 19, 12),
        local_dt(2025, 11, 21, 11),  # Friday 10:00 is full
    ]


def test_the_next_page_moves_on_to_next_week_then_to_nothing(
    uow_factory, add_calendar, local_dt
) -> None:
    add_calendar(capacity=1, opening_hours={"fri": [["09:00", "11:00"]]})
    now = local_dt(2025, 11, 19, 8)

    this_week = offer_slots(uow_factory(), AGENCY, "maintenance", now)
    shown = [s.start_utc for s in this_week.slots]
    next_week = offer_slots(uow_factory(), AGENCY, "maintenance", now, exclude=shown)
    shown += [s.start_utc for s in next_week.slots]
    beyond = offer_slots(uow_factory(), AGENCY, "maintenance", now, exclude=shown)

    assert [s.start_utc for s in this_week.slots] == [
        local_dt(2025, 11, 21, 9),
        local_dt(2025, 11, 21, 10),
    ]
    assert next_week.week == "next_week"
    assert [s.start_utc for s in next_week.slots] == [
        local_dt(2025, 11, 28, 9),
        local_dt(2025, 11, 28, 10),
    ]
    assert (beyond.week, beyond.slots) == ("none", [])


def test_no_week_is_offered_when_the_calendar_never_opens(uow_factory, add_calendar, now) -> None:
    add_calendar(opening_hours={})
    assert offer_slots(uow_factory(), AGENCY, "maintenance", now).week == "none"
    assert offer_slots(uow_factory(), AGENCY, "maintenance", now).slots == []


def test_a_week_crossing_the_october_dst_change_is_offered_and_booked_in_utc(
    uow_factory, add_calendar, local_dt
) -> None:
    add_calendar(
        capacity=1, opening_hours={"sat": [["09:00", "10:00"]], "sun": [["09:00", "10:00"]]}
    )
    now = local_dt(2025, 10, 24, 12)  # Friday before clocks go back on Sunday 26 October

    offer = offer_slots(uow_factory(), AGENCY, "maintenance", now)
    saturday, sunday = (s.start_utc for s in offer.slots)
    booking = book(uow_factory, sunday, now)

    assert saturday == datetime(2025, 10, 25, 7, tzinfo=timezone.utc)  # 09:00 CEST
    assert sunday == datetime(2025, 10, 26, 8, tzinfo=timezone.utc)  # 09:00 CET
    assert booking.start_utc == sunday and booking.start_utc.tzinfo == timezone.utc
    assert [s.start_utc for s in offer_slots(uow_factory(), AGENCY, "maintenance", now).slots] == [
        saturday
    ]


def test_a_week_crossing_the_march_dst_change_is_offered_and_booked_in_utc(
    uow_factory, add_calendar, local_dt
) -> None:
    add_calendar(
        capacity=1, opening_hours={"sat": [["09:00", "10:00"]], "sun": [["09:00", "10:00"]]}
    )
    now = local_dt(2026, 3, 27, 12)  # Friday before clocks go forward on Sunday 29 March

    saturday, sunday = (
        s.start_utc for s in offer_slots(uow_factory(), AGENCY, "maintenance", now).slots
    )
    booking = book(uow_factory, sunday, now)

    assert saturday == datetime(2026, 3, 28, 8, tzinfo=timezone.utc)  # 09:00 CET
    assert sunday == datetime(2026, 3, 29, 7, tzinfo=timezone.utc)  # 09:00 CEST
    assert list_bookings(uow_factory())[0].start_utc == booking.start_utc == sunday


@pytest.mark.parametrize(
    "when",
    [(2025, 11, 20, 9, 30), (2025, 11, 20, 12, 0), (2025, 11, 22, 9, 0), (2025, 11, 20, 18, 0)],
    ids=["between-slots", "lunch-break", "closed-day", "closing-time"],
)
def test_a_time_that_is_not_a_slot_of_the_calendar_is_unavailable(
    uow_factory, add_calendar, local_dt, now, when
) -> None:
    add_calendar()

    with pytest.raises(SlotUnavailable) as error:
        book(uow_factory, local_dt(*when), now)

    assert error.value.code == "not_a_slot"
    assert list_bookings(uow_factory()) == []


def test_a_slot_in_the_past_is_unavailable(uow_factory, add_calendar, local_dt, now) -> None:
    add_calendar()

    for start in (local_dt(2025, 11, 19, 9), local_dt(2025, 11, 18, 14)):
        with pytest.raises(SlotUnavailable) as error:
            book(uow_factory, start, now)
        assert error.value.code == "past"


def test_unknown_agency_service_or_calendar_is_not_found(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar(AGENCY, "maintenance")
    add_calendar("other-agency", "road_test")
    start = local_dt(2025, 11, 20, 9)

    cases = [
        ("nowhere", "maintenance", "unknown_agency"),
        (AGENCY, "teleport", "unknown_service"),
        (AGENCY, "road_test", "no_calendar"),
    ]
    for agency, service, code in cases:
        with pytest.raises(NotFound) as error:
            book(uow_factory, start, now, service=service, agency=agency)
        assert error.value.code == code
        with pytest.raises(NotFound):
            offer_slots(uow_factory(), agency, service, now)


def test_an_unknown_customer_is_not_found(uow_factory, add_calendar, local_dt, now) -> None:
    add_calendar()
    with pytest.raises(NotFound) as error:
        book(uow_factory, local_dt(2025, 11, 20, 9), now, customer_id=999)
    assert error.value.code == "unknown_customer"


def test_cancelling_a_booking_frees_its_place_once(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar(capacity=1)
    start = local_dt(2025, 11, 20, 9)
    first = book(uow_factory, start, now)

    cancelled = cancel_booking(uow_factory(), first.reference)
    again = cancel_booking(uow_factory(), first.reference)
    second = book(uow_factory, start, now)

    assert cancelled.status == again.status == "cancelled"
    assert second.status == "confirmed"
    with pytest.raises(SlotTaken):
        book(uow_factory, start, now)
    with uow_factory() as uow:
        assert uow.session.scalar(select(SlotCounter.taken)) == 1
    with pytest.raises(NotFound):
        cancel_booking(uow_factory(), "PL-NOPE00")


def test_bookings_are_listed_by_start_with_filters(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar(AGENCY, "maintenance")
    add_calendar(AGENCY, "road_test")
    add_calendar("other-agency", "road_test")
    thursday, friday = local_dt(2025, 11, 20, 9), local_dt(2025, 11, 21, 9)
    book(uow_factory, friday, now, service="maintenance")
    book(uow_factory, thursday, now, service="road_test")
    b3 = book(uow_factory, thursday, now, service="road_test", agency="other-agency")
    cancel_booking(uow_factory(), b3.reference)

    def listed(**filters) -> list[tuple[str, str, datetime]]:
        return [(b.agency, b.service, b.start_utc) for b in list_bookings(uow_factory(), **filters)]

    assert [start for _, _, start in listed()] == [thursday, thursday, friday]
    assert listed(service="maintenance") == [(AGENCY, "maintenance", friday)]
    assert listed(agency="other-agency") == [("other-agency", "road_test", thursday)]
    assert len(listed(start_from=friday)) == 1
    assert len(listed(start_to=friday)) == 2
    assert len(listed(status="confirmed")) == 2


def test_customer_names_come_with_their_bookings(uow_factory, add_calendar, local_dt, now) -> None:
    from core.customers import register_customer

    add_calendar()
    customer = register_customer(
        uow_factory(),
        channel="web",
        external_id="v1",
        name="Ana",
        contact="ana@x.fr",
        language="fr",
    )

    booking = book(uow_factory, local_dt(2025, 11, 20, 9), now, customer_id=customer.id)

    assert (booking.customer_id, booking.customer_name) == (customer.id, "Ana")


def test_naive_datetimes_are_refused(uow_factory, add_calendar) -> None:
    add_calendar()
    naive: Callable[[], datetime] = lambda: datetime(2025, 11, 20, 8)  # noqa: E731
    with pytest.raises(ValueError):
        book(uow_factory, naive(), datetime(2025, 11, 19, tzinfo=timezone.utc))


def close_day(uow_factory, day: date) -> None:
    """Close the (only) calendar on that local day."""
    with uow_factory() as uow:
        calendar_id = uow.session.scalar(select(Calendar.id))
        uow.session.add(CalendarClosure(calendar_id=calendar_id, day=day, reason="Formation"))
        uow.commit()


def test_free_slots_lists_every_free_slot_over_the_days_from_now(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar(
        capacity=2, opening_hours={"wed": [["09:00", "12:00"]], "fri": [["09:00", "11:00"]]}
    )
    book(uow_factory, local_dt(2025, 11, 19, 11), now)  # Wednesday 11:00: one place left
    book(uow_factory, local_dt(2025, 11, 21, 9), now)
    book(uow_factory, local_dt(2025, 11, 21, 9), now)  # Friday 09:00 is full
    close_day(uow_factory, date(2025, 11, 26))  # next Wednesday closed

    slots = free_slots(
        uow_factory(), AGENCY, "maintenance", now, date(2025, 11, 19), date(2025, 11, 28)
    )

    assert [(s.start_utc, s.free) for s in slots] == [
        # 09:00 and 10:00 on Wednesday 19 have started (now is 10:30)
        (local_dt(2025, 11, 19, 11), 1),
        (local_dt(2025, 11, 21, 10), 2),
        (local_dt(2025, 11, 28, 9), 2),
        (local_dt(2025, 11, 28, 10), 2),
    ]
    assert all(s.end_utc - s.start_utc == timedelta(hours=1) for s in slots)


def test_free_slots_over_four_weeks_go_past_the_two_weeks_of_the_offer(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar(capacity=1, opening_hours={"mon": [["09:00", "10:00"]]})
    today = date(2025, 11, 19)

    slots = free_slots(uow_factory(), AGENCY, "maintenance", now, today, today + timedelta(days=27))

    assert [s.start_utc for s in slots] == [
        local_dt(2025, 11, 24, 9),
        local_dt(2025, 12, 1, 9),
        local_dt(2025, 12, 8, 9),
        local_dt(2025, 12, 15, 9),
    ]


def test_free_slots_across_the_october_dst_change_are_local_wall_clock_times(
    uow_factory, add_calendar, local_dt
) -> None:
    add_calendar(
        capacity=1,
        opening_hours={day: [["09:00", "10:00"]] for day in ("sat", "sun", "mon")},
    )
    now = local_dt(2025, 10, 24, 12)

    slots = free_slots(
        uow_factory(), AGENCY, "maintenance", now, date(2025, 10, 24), date(2025, 10, 27)
    )

    assert [s.start_utc for s in slots] == [
        datetime(2025, 10, 25, 7, tzinfo=timezone.utc),  # 09:00 CEST
        datetime(2025, 10, 26, 8, tzinfo=timezone.utc),  # 09:00 CET
        datetime(2025, 10, 27, 8, tzinfo=timezone.utc),
    ]


def test_free_slots_refuses_more_than_a_year_and_unknown_calendars(
    uow_factory, add_calendar, now
) -> None:
    add_calendar()
    today = date(2025, 11, 19)

    with pytest.raises(InvalidValue) as error:
        free_slots(uow_factory(), AGENCY, "maintenance", now, today, today + timedelta(days=366))
    assert error.value.code == "range_too_long"
    with pytest.raises(NotFound):
        free_slots(uow_factory(), "nowhere", "maintenance", now, today, today)
    assert free_slots(uow_factory(), AGENCY, "maintenance", now, today, today - timedelta(1)) == []


def test_a_typed_preference_picks_among_the_free_slots_else_the_nearest(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar(capacity=1)  # Monday to Friday, 09-12 and 14-18, hourly
    for hour in (14, 15, 16, 17):
        book(uow_factory, local_dt(2025, 11, 21, hour), now)  # Friday afternoon is full

    def offered(text: str) -> tuple[list[datetime], list[datetime]]:
        preference = parse_time_preference(text, now, "Europe/Paris")
        assert preference is not None
        first, last = search_range(preference, now, "Europe/Paris")
        starts = [
            s.start_utc for s in free_slots(uow_factory(), AGENCY, "maintenance", now, first, last)
        ]
        return (
            match_slots(starts, preference, "Europe/Paris"),
            nearest_slots(starts, preference, "Europe/Paris", n=2),
        )

    matched, _ = offered("jeudi vers 10h")
    assert matched == [local_dt(2025, 11, 20, h) for h in (10, 9, 11)]
    matched, nearest = offered("vendredi après-midi")
    assert matched == []
    assert nearest == [local_dt(2025, 11, 21, 10), local_dt(2025, 11, 21, 11)]  # that morning
