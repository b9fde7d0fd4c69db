"""Staff count, closed dates, booking details and reminder rows of the booking store."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from core.booking_reminders import reminders_of
from core.bookings import (
    book_slot,
    cancel_booking,
    get_booking,
    list_bookings,
    offer_slots,
    upcoming_bookings,
)
from core.errors import NotFound, SlotTaken, SlotUnavailable
from core.models import Booking, Calendar, CalendarClosure, Customer, Setting, SlotCounter

AGENCY = "test-agency"
PARIS = ZoneInfo("Europe/Paris")


def book(uow_factory, start: datetime, now: datetime, **kw):
    return book_slot(
        uow_factory(),
        agency_code=AGENCY,
        service_code=kw.pop("service", "maintenance"),
        start_utc=start,
        customer_id=kw.pop("customer_id", None),
        channel="web",
        now=now,
        **kw,
    )


def set_staff(uow_factory, staff_count: int) -> None:
    with uow_factory() as uow:
        uow.session.execute(update(Calendar).values(staff_count=staff_count))
        uow.commit()


def close_day(uow_factory, day: date, reason: str = "Formation") -> None:
    with uow_factory() as uow:
        calendar_id = uow.session.scalar(select(Calendar.id))
        uow.session.add(CalendarClosure(calendar_id=calendar_id, day=day, reason=reason))
        uow.commit()


def set_setting(uow_factory, key: str, value: str) -> None:
    with uow_factory() as uow:
        uow.session.merge(Setting(key=key, value=value))
        uow.commit()


def add_customer(uow_factory, name: str = "Ana") -> int:
    with uow_factory() as uow:
        customer = Customer(name=name, language="fr")
        uow.session.add(customer)
        uow.session.flush()
        uow.commit()
        return customer.id


def reminders(uow_factory, reference: str) -> dict[str, tuple[datetime, str]]:
    with uow_factory() as uow:
        booking_id = uow.session.scalar(select(Booking.id).where(Booking.reference == reference))
        return reminders_of(uow.session, booking_id)


def test_a_calendar_created_without_staff_count_has_as_many_staff_as_places(
    uow_factory, add_calendar
) -> None:
    add_calendar(capacity=3)
    with uow_factory() as uow:
        assert uow.session.scalar(select(Calendar.staff_count)) == 3


def test_a_slot_holds_no_more_bookings_than_staff_on_duty(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar(capacity=3)
    set_staff(uow_factory, 1)
    start = local_dt(2025, 11, 20, 9)

    offered = {
        s.start_utc: s.free for s in offer_slots(uow_factory(), AGENCY, "maintenance", now).slots
    }
    book(uow_factory, start, now)
    with pytest.raises(SlotTaken):
        book(uow_factory, start, now)

    assert set(offered.values()) == {1}
    assert start not in {
        s.start_utc for s in offer_slots(uow_factory(), AGENCY, "maintenance", now, limit=50).slots
    }
    with uow_factory() as uow:
        assert uow.session.scalar(select(SlotCounter.taken)) == 1


def test_more_staff_than_places_still_holds_only_the_capacity(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar(capacity=2)
    set_staff(uow_factory, 5)
    start = local_dt(2025, 11, 20, 9)
    book(uow_factory, start, now)
    book(uow_factory, start, now)

    with pytest.raises(SlotTaken):
        book(uow_factory, start, now)
    assert len(list_bookings(uow_factory())) == 2


def test_lowering_the_staff_count_applies_to_the_next_booking_at_once(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar(capacity=3)
    start = local_dt(2025, 11, 20, 9)
    book(uow_factory, start, now)
    book(uow_factory, start, now)

    set_staff(uow_factory, 2)

    with pytest.raises(SlotTaken):
        book(uow_factory, start, now)
    assert len(list_bookings(uow_factory())) == 2


def test_a_closed_day_is_never_offered_and_cannot_be_booked(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar(capacity=2)
    close_day(uow_factory, date(2025, 11, 20))

    offered = offer_slots(uow_factory(), AGENCY, "maintenance", now, limit=50).slots
    with pytest.raises(SlotUnavailable) as error:
        book(uow_factory, local_dt(2025, 11, 20, 9), now)
    friday = book(uow_factory, local_dt(2025, 11, 21, 9), now)

    days = {s.start_utc.astimezone(PARIS).date() for s in offered}
    assert date(2025, 11, 20) not in days and date(2025, 11, 21) in days
    assert error.value.code == "closed_day"
    assert friday.status == "confirmed"


def test_the_closed_day_is_the_local_date_not_the_utc_one(
    uow_factory, add_calendar, local_dt, now
) -> None:
    # 00:30 in Paris on Friday is still Thursday in UTC: the local date decides
    add_calendar(
        capacity=1, opening_hours={"fri": [["00:00", "02:00"]], "thu": [["22:00", "23:00"]]}
    )
    close_day(uow_factory, date(2025, 11, 21))

    with pytest.raises(SlotUnavailable) as error:
        book(uow_factory, local_dt(2025, 11, 21, 0), now)
    thursday = book(uow_factory, local_dt(2025, 11, 20, 22), now)

    assert error.value.code == "closed_day"
    assert thursday.start_utc == datetime(2025, 11, 20, 21, tzinfo=timezone.utc)


def test_a_week_entirely_closed_offers_the_next_one(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar(capacity=1, opening_hours={"thu": [["09:00", "10:00"]]})
    close_day(uow_factory, date(2025, 11, 20))

    offer = offer_slots(uow_factory(), AGENCY, "maintenance", now)

    assert offer.week == "next_week"
    assert [s.start_utc for s in offer.slots] == [local_dt(2025, 11, 27, 9)]


def test_details_are_stored_with_the_booking_and_shown_with_it(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar()
    details = {"mileage": 12000, "description": "Bruit au freinage", "attachment_ids": [3, 4]}

    booking = book(uow_factory, local_dt(2025, 11, 20, 9), now, details=details)
    plain = book(uow_factory, local_dt(2025, 11, 20, 10), now)

    assert booking.details == details
    assert get_booking(uow_factory(), booking.reference).details == details
    assert [b.details for b in list_bookings(uow_factory())] == [details, None]
    assert plain.details is None


def test_a_booking_gets_a_reminder_before_and_a_survey_after_by_default(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar()
    booking = book(uow_factory, local_dt(2025, 11, 21, 9), now)

    rows = reminders(uow_factory, booking.reference)

    assert rows == {
        "reminder": (booking.start_utc - timedelta(hours=24), "pending"),
        "survey": (booking.end_utc + timedelta(hours=2), "pending"),
    }


def test_reminder_delays_come_from_the_settings(uow_factory, add_calendar, local_dt, now) -> None:
    add_calendar()
    set_setting(uow_factory, "reminder_hours_before", "48")
    set_setting(uow_factory, "survey_delay_hours", "0.5")
    booking = book(uow_factory, local_dt(2025, 11, 24, 9), now)

    rows = reminders(uow_factory, booking.reference)

    assert rows["reminder"][0] == booking.start_utc - timedelta(hours=48)
    assert rows["survey"][0] == booking.end_utc + timedelta(minutes=30)


def test_no_reminder_is_planned_when_its_time_is_already_past(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar()
    booking = book(uow_factory, local_dt(2025, 11, 20, 9), now)  # in less than 24 h

    assert set(reminders(uow_factory, booking.reference)) == {"survey"}


@pytest.mark.parametrize(
    ("booked_at", "start", "reminder_local"),
    [
        # clocks go forward on Sunday 29 March 2026: 24 h before 09:00 CEST is 08:00 CET
        ((2026, 3, 20, 12), (2026, 3, 29, 9), (2026, 3, 28, 8)),
        # clocks go back on Sunday 26 October 2025: 24 h before 09:00 CET is 10:00 CEST
        ((2025, 10, 20, 12), (2025, 10, 26, 9), (2025, 10, 25, 10)),
    ],
    ids=["march", "october"],
)
def test_reminders_are_exact_durations_across_dst_changes(
    uow_factory, add_calendar, local_dt, booked_at, start, reminder_local
) -> None:
    add_calendar(opening_hours={"sun": [["09:00", "12:00"]]})
    booking = book(uow_factory, local_dt(*start), local_dt(*booked_at))

    rows = reminders(uow_factory, booking.reference)

    due, survey = rows["reminder"][0], rows["survey"][0]
    assert booking.start_utc - due == timedelta(hours=24)
    assert due == local_dt(*reminder_local)
    assert survey - booking.end_utc == timedelta(hours=2)


def test_cancelling_cancels_the_pending_reminders_in_the_same_transaction(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar()
    booking = book(uow_factory, local_dt(2025, 11, 24, 9), now)

    cancel_booking(uow_factory(), booking.reference)

    assert {
        kind: status for kind, (_, status) in reminders(uow_factory, booking.reference).items()
    } == {
        "reminder": "cancelled",
        "survey": "cancelled",
    }


def test_a_customer_can_only_cancel_their_own_booking(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar()
    ana, bob = add_customer(uow_factory, "Ana"), add_customer(uow_factory, "Bob")
    booking = book(uow_factory, local_dt(2025, 11, 24, 9), now, customer_id=ana)

    with pytest.raises(NotFound) as error:
        cancel_booking(uow_factory(), booking.reference, customer_id=bob)
    still = get_booking(uow_factory(), booking.reference)
    cancelled = cancel_booking(uow_factory(), booking.reference, customer_id=ana)

    assert error.value.code == "unknown_booking"
    assert still.status == "confirmed"
    assert cancelled.status == "cancelled"


def test_upcoming_bookings_are_the_customers_confirmed_ones_not_ended_soonest_first(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar()
    ana, bob = add_customer(uow_factory, "Ana"), add_customer(uow_factory, "Bob")
    later = book(uow_factory, local_dt(2025, 11, 25, 9), now, customer_id=ana)
    sooner = book(uow_factory, local_dt(2025, 11, 19, 11), now, customer_id=ana)
    dropped = book(uow_factory, local_dt(2025, 11, 21, 9), now, customer_id=ana)
    book(uow_factory, local_dt(2025, 11, 20, 9), now, customer_id=bob)
    cancel_booking(uow_factory(), dropped.reference)

    listed = upcoming_bookings(uow_factory(), ana, now)
    during = upcoming_bookings(uow_factory(), ana, local_dt(2025, 11, 19, 11, 30))
    after = upcoming_bookings(uow_factory(), ana, local_dt(2025, 11, 19, 12))

    assert [b.reference for b in listed] == [sooner.reference, later.reference]
    assert [b.reference for b in during] == [sooner.reference, later.reference]
    assert [b.reference for b in after] == [later.reference]
