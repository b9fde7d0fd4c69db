"""Moving a booking to another slot: one transaction, counters and reminders follow."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from core.booking_reminders import reminders_of
from core.bookings import book_slot, cancel_booking, get_booking, move_booking, offer_slots
from core.errors import BookingNotMovable, NotFound, SlotTaken, SlotUnavailable
from core.models import Booking, Calendar, CalendarClosure, Customer, Reminder, SlotCounter

AGENCY = "test-agency"


def book(uow_factory, start: datetime, now: datetime, customer_id: int | None = None):
    return book_slot(
        uow_factory(),
        agency_code=AGENCY,
        service_code="maintenance",
        start_utc=start,
        customer_id=customer_id,
        channel="web",
        now=now,
    )


def counters(uow_factory) -> dict[datetime, int]:
    with uow_factory() as uow:
        return dict(uow.session.execute(select(SlotCounter.start_utc, SlotCounter.taken)).all())


def reminders(uow_factory, reference: str) -> dict[str, tuple[datetime, str]]:
    with uow_factory() as uow:
        booking_id = uow.session.scalar(select(Booking.id).where(Booking.reference == reference))
        return reminders_of(uow.session, booking_id)


def add_customer(uow_factory, name: str) -> int:
    with uow_factory() as uow:
        customer = Customer(name=name, language="fr")
        uow.session.add(customer)
        uow.session.flush()
        uow.commit()
        return customer.id


def test_moving_takes_the_new_place_gives_the_old_back_and_keeps_the_reference(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar(capacity=2)
    old, new = local_dt(2025, 11, 20, 9), local_dt(2025, 11, 21, 14)
    booking = book(uow_factory, old, now)

    moved = move_booking(uow_factory(), booking.reference.lower(), new, now=now)

    assert (moved.reference, moved.status) == (booking.reference, "confirmed")
    assert (moved.start_utc, moved.end_utc) == (new, new + timedelta(hours=1))
    assert get_booking(uow_factory(), booking.reference) == moved
    assert counters(uow_factory) == {old: 0, new: 1}
    offered = {
        s.start_utc: s.free
        for s in offer_slots(uow_factory(), AGENCY, "maintenance", now, limit=50).slots
    }
    assert offered[old] == 2 and offered.get(new) == 1


def test_moving_moves_the_pending_reminders(uow_factory, add_calendar, local_dt, now) -> None:
    add_calendar()
    booking = book(uow_factory, local_dt(2025, 11, 21, 9), now)
    new = local_dt(2025, 11, 26, 15)

    move_booking(uow_factory(), booking.reference, new, now=now)

    assert reminders(uow_factory, booking.reference) == {
        "reminder": (new - timedelta(hours=24), "pending"),
        "survey": (new + timedelta(hours=1, minutes=120), "pending"),
    }


def test_a_reminder_skipped_at_booking_is_planned_when_moved_later(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar()
    booking = book(uow_factory, local_dt(2025, 11, 20, 9), now)  # tomorrow: no reminder
    new = local_dt(2025, 11, 25, 9)

    move_booking(uow_factory(), booking.reference, new, now=now)

    assert reminders(uow_factory, booking.reference)["reminder"] == (
        new - timedelta(hours=24),
        "pending",
    )


def test_a_reminder_already_sent_is_planned_again_and_one_now_past_is_cancelled(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar()
    booking = book(uow_factory, local_dt(2025, 11, 24, 9), now)
    with uow_factory() as uow:
        uow.session.execute(
            update(Reminder).where(Reminder.kind == "reminder").values(status="sent")
        )
        uow.commit()

    later = local_dt(2025, 11, 28, 9)
    move_booking(uow_factory(), booking.reference, later, now=now)
    sent_again = reminders(uow_factory, booking.reference)["reminder"]
    move_booking(uow_factory(), booking.reference, local_dt(2025, 11, 20, 9), now=now)
    too_close = reminders(uow_factory, booking.reference)["reminder"]

    assert sent_again == (later - timedelta(hours=24), "pending")
    assert too_close[1] == "cancelled"


def test_moving_into_a_full_slot_is_refused_and_changes_nothing(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar(capacity=1)
    old, full = local_dt(2025, 11, 24, 9), local_dt(2025, 11, 24, 10)
    booking = book(uow_factory, old, now)
    book(uow_factory, full, now)
    before = reminders(uow_factory, booking.reference)

    with pytest.raises(SlotTaken):
        move_booking(uow_factory(), booking.reference, full, now=now)

    assert get_booking(uow_factory(), booking.reference).start_utc == old
    assert counters(uow_factory) == {old: 1, full: 1}
    assert reminders(uow_factory, booking.reference) == before


def test_moving_counts_the_staff_on_duty(uow_factory, add_calendar, local_dt, now) -> None:
    add_calendar(capacity=3)
    with uow_factory() as uow:
        uow.session.execute(update(Calendar).values(staff_count=1))
        uow.commit()
    old, new = local_dt(2025, 11, 24, 9), local_dt(2025, 11, 24, 10)
    booking = book(uow_factory, old, now)
    book(uow_factory, new, now)

    with pytest.raises(SlotTaken):
        move_booking(uow_factory(), booking.reference, new, now=now)
    assert counters(uow_factory) == {old: 1, new: 1}


@pytest.mark.parametrize(
    ("target", "code"),
    [
        ((2025, 11, 24, 9, 30), "not_a_slot"),
        ((2025, 11, 19, 9, 0), "past"),
        ((2025, 11, 25, 9, 0), "closed_day"),
    ],
)
def test_moving_to_a_time_that_is_not_bookable_says_why(
    uow_factory, add_calendar, local_dt, now, target, code
) -> None:
    add_calendar()
    with uow_factory() as uow:
        calendar_id = uow.session.scalar(select(Calendar.id))
        uow.session.add(CalendarClosure(calendar_id=calendar_id, day=date(2025, 11, 25)))
        uow.commit()
    old = local_dt(2025, 11, 24, 9)
    booking = book(uow_factory, old, now)

    with pytest.raises(SlotUnavailable) as error:
        move_booking(uow_factory(), booking.reference, local_dt(*target), now=now)

    assert error.value.code == code
    assert get_booking(uow_factory(), booking.reference).start_utc == old


def test_moving_to_the_same_slot_is_refused_clearly(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar()
    start = local_dt(2025, 11, 24, 9)
    booking = book(uow_factory, start, now)

    with pytest.raises(BookingNotMovable) as error:
        move_booking(uow_factory(), booking.reference, start, now=now)

    assert error.value.code == "same_slot"
    assert counters(uow_factory) == {start: 1}


def test_a_cancelled_or_started_booking_cannot_be_moved(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar()
    cancelled = book(uow_factory, local_dt(2025, 11, 24, 9), now)
    cancel_booking(uow_factory(), cancelled.reference)
    started = book(uow_factory, local_dt(2025, 11, 19, 11), now)
    target = local_dt(2025, 11, 26, 9)

    with pytest.raises(BookingNotMovable) as was_cancelled:
        move_booking(uow_factory(), cancelled.reference, target, now=now)
    with pytest.raises(BookingNotMovable) as has_started:
        move_booking(uow_factory(), started.reference, target, now=local_dt(2025, 11, 19, 11, 5))

    assert was_cancelled.value.code == "booking_cancelled"
    assert has_started.value.code == "booking_started"
    assert counters(uow_factory).get(target) is None


def test_a_customer_can_only_move_their_own_booking(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar()
    ana, bob = add_customer(uow_factory, "Ana"), add_customer(uow_factory, "Bob")
    booking = book(uow_factory, local_dt(2025, 11, 24, 9), now, customer_id=ana)
    target = local_dt(2025, 11, 24, 10)

    with pytest.raises(NotFound) as error:
        move_booking(uow_factory(), booking.reference, target, now=now, customer_id=bob)
    with pytest.raises(NotFound):
        move_booking(uow_factory(), "PL-NOPE00", target, now=now)
    moved = move_booking(uow_factory(), booking.reference, target, now=now, customer_id=ana)

    assert error.value.code == "unknown_booking"
    assert moved.start_utc == target


def test_cancelling_after_a_move_gives_back_the_new_place(
    uow_factory, add_calendar, local_dt, now
) -> None:
    add_calendar(capacity=1)
    old, new = local_dt(2025, 11, 24, 9), local_dt(2025, 11, 24, 10)
    booking = book(uow_factory, old, now)
    move_booking(uow_factory(), booking.reference, new, now=now)

    cancel_booking(uow_factory(), booking.reference)

    assert counters(uow_factory) == {old: 0, new: 0}
    assert book(uow_factory, new, now).status == "confirmed"
