"""Service settings against the database: conflicts with upcoming bookings and each decision."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime

import pytest
from sqlalchemy import select

from core import bookings
from core.errors import InvalidValue, SettingsConflict, SlotTaken, SlotUnavailable
from core.models import Booking, CalendarClosure, Customer, Reminder, SlotCounter
from core.service_settings import (
    apply_settings,
    customer_conversation,
    get_settings,
    settings_conflicts,
)
from core.uow import UnitOfWork

AGENCY, SERVICE = "test-agency", "maintenance"
MONDAY = date(2025, 11, 24)  # the Monday after `now` (Wednesday 19 November 2025)

UowFactory = Callable[[], UnitOfWork]


@pytest.fixture
def calendar(add_calendar: Callable[..., None]) -> None:
    add_calendar(AGENCY, SERVICE, capacity=2, slot_minutes=60)


def book(uow_factory: UowFactory, start: datetime, now: datetime, customer_id: int | None = None):
    return bookings.book_slot(
        uow_factory(),
        agency_code=AGENCY,
        service_code=SERVICE,
        start_utc=start,
        customer_id=customer_id,
        channel="web",
        now=now,
    )


def status_of(uow_factory: UowFactory, reference: str) -> str:
    return bookings.get_booking(uow_factory(), reference).status


def taken(uow_factory: UowFactory, start: datetime) -> int:
    with uow_factory() as uow:
        return uow.session.scalar(select(SlotCounter.taken).where(SlotCounter.start_utc == start))


@pytest.mark.usefixtures("calendar")
def test_the_settings_are_read_from_the_calendar(uow_factory: UowFactory) -> None:
    current = get_settings(uow_factory(), AGENCY, SERVICE)
    assert (current.capacity, current.staff_count, current.slot_minutes) == (2, 2, 60)
    assert current.opening_hours["mon"] == [["09:00", "12:00"], ["14:00", "18:00"]]
    assert "sat" not in current.opening_hours
    assert current.closed_dates == []


@pytest.mark.usefixtures("calendar")
def test_a_change_without_conflict_applies_at_once_to_new_bookings(
    uow_factory: UowFactory, now: datetime, local_dt: Callable[..., datetime]
) -> None:
    current = get_settings(uow_factory(), AGENCY, SERVICE)
    result = apply_settings(uow_factory(), AGENCY, SERVICE, replace(current, capacity=1), now)
    assert result.settings.capacity == 1 and result.cancelled == [] and result.kept == []
    nine = local_dt(2025, 11, 24, 9)
    book(uow_factory, nine, now)
    with pytest.raises(SlotTaken):
        book(uow_factory, nine, now)


@pytest.mark.usefixtures("calendar")
def test_lowering_the_capacity_is_refused_with_the_latest_booking_and_nothing_changes(
    uow_factory: UowFactory, now: datetime, local_dt: Callable[..., datetime]
) -> None:
    nine = local_dt(2025, 11, 24, 9)
    first, second = book(uow_factory, nine, now), book(uow_factory, nine, now)
    current = get_settings(uow_factory(), AGENCY, SERVICE)
    lower = replace(current, capacity=1)
    preview = settings_conflicts(uow_factory(), AGENCY, SERVICE, lower, now)
    assert [(c.booking.reference, c.reason) for c in preview] == [
        (second.reference, "over_capacity")
    ]
    with pytest.raises(SettingsConflict) as refused:
        apply_settings(uow_factory(), AGENCY, SERVICE, lower, now, conflicts="refuse")
    assert [c.booking.reference for c in refused.value.conflicts] == [second.reference]
    assert get_settings(uow_factory(), AGENCY, SERVICE).capacity == 2
    assert {status_of(uow_factory, b.reference) for b in (first, second)} == {"confirmed"}


@pytest.mark.usefixtures("calendar")
def test_fewer_staff_keeps_the_bookings_when_the_admin_says_so(
    uow_factory: UowFactory, now: datetime, local_dt: Callable[..., datetime]
) -> None:
    nine = local_dt(2025, 11, 24, 9)
    book(uow_factory, nine, now)
    second = book(uow_factory, nine, now)
    current = get_settings(uow_factory(), AGENCY, SERVICE)
    result = apply_settings(
        uow_factory(), AGENCY, SERVICE, replace(current, staff_count=1), now, conflicts="keep"
    )
    assert [(c.booking.reference, c.reason) for c in result.kept] == [
        (second.reference, "over_capacity")
    ]
    assert result.cancelled == []
    assert get_settings(uow_factory(), AGENCY, SERVICE).staff_count == 1
    assert status_of(uow_factory, second.reference) == "confirmed"
    assert taken(uow_factory, nine) == 2


@pytest.mark.usefixtures("calendar")
def test_shortened_hours_cancel_the_bookings_outside_with_their_places_and_reminders(
    uow_factory: UowFactory, now: datetime, local_dt: Callable[..., datetime]
) -> None:
    morning = book(uow_factory, local_dt(2025, 11, 24, 9), now)
    afternoon_start = local_dt(2025, 11, 24, 15)
    afternoon = book(uow_factory, afternoon_start, now)
    current = get_settings(uow_factory(), AGENCY, SERVICE)
    mornings = {day: [["09:00", "12:00"]] for day in current.opening_hours}
    result = apply_settings(
        uow_factory(),
        AGENCY,
        SERVICE,
        replace(current, opening_hours=mornings),
        now,
        conflicts="cancel",
        seen=[afternoon.reference],
    )
    assert [b.reference for b in result.cancelled] == [afternoon.reference]
    assert result.cancelled[0].status == "cancelled"
    assert status_of(uow_factory, afternoon.reference) == "cancelled"
    assert status_of(uow_factory, morning.reference) == "confirmed"
    assert taken(uow_factory, afternoon_start) == 0
    assert get_settings(uow_factory(), AGENCY, SERVICE).opening_hours["mon"] == [["09:00", "12:00"]]
    with uow_factory() as uow:
        statuses = set(
            uow.session.scalars(
                select(Reminder.status)
                .join(Booking, Booking.id == Reminder.booking_id)
                .where(Booking.reference == afternoon.reference)
            )
        )
    assert statuses <= {"cancelled"}


@pytest.mark.usefixtures("calendar")
def test_a_closed_date_with_a_booking_is_shown_then_stored_when_kept(
    uow_factory: UowFactory, now: datetime, local_dt: Callable[..., datetime]
) -> None:
    on_monday = book(uow_factory, local_dt(2025, 11, 24, 10), now)
    current = get_settings(uow_factory(), AGENCY, SERVICE)
    closed = replace(current, closed_dates=[MONDAY])
    preview = settings_conflicts(uow_factory(), AGENCY, SERVICE, closed, now)
    assert [(c.booking.reference, c.reason) for c in preview] == [
        (on_monday.reference, "closed_date")
    ]
    result = apply_settings(uow_factory(), AGENCY, SERVICE, closed, now, conflicts="keep")
    assert result.settings.closed_dates == [MONDAY]
    assert status_of(uow_factory, on_monday.reference) == "confirmed"
    with pytest.raises(SlotUnavailable) as refused:
        book(uow_factory, local_dt(2025, 11, 24, 11), now)
    assert refused.value.code == "closed_day"


@pytest.mark.usefixtures("calendar")
def test_a_conflict_booked_after_the_admin_looked_makes_them_decide_again(
    uow_factory: UowFactory, now: datetime, local_dt: Callable[..., datetime]
) -> None:
    seen = book(uow_factory, local_dt(2025, 11, 24, 15), now)
    meanwhile = book(uow_factory, local_dt(2025, 11, 24, 16), now)
    current = get_settings(uow_factory(), AGENCY, SERVICE)
    mornings = replace(current, opening_hours={"mon": [["09:00", "12:00"]]})
    with pytest.raises(SettingsConflict) as refused:
        apply_settings(
            uow_factory(), AGENCY, SERVICE, mornings, now, conflicts="cancel", seen=[seen.reference]
        )
    assert refused.value.code == "settings_conflicts_changed"
    assert {c.booking.reference for c in refused.value.conflicts} == {
        seen.reference,
        meanwhile.reference,
    }
    assert status_of(uow_factory, seen.reference) == "confirmed"
    assert get_settings(uow_factory(), AGENCY, SERVICE).opening_hours == current.opening_hours


@pytest.mark.usefixtures("calendar")
def test_past_closed_dates_stay_and_removed_future_ones_go(
    uow_factory: UowFactory, now: datetime
) -> None:
    with uow_factory() as uow:
        calendar_id = bookings.get_calendar(uow.session, AGENCY, SERVICE).id
        for day in (date(2025, 11, 1), date(2025, 12, 25)):
            uow.session.add(CalendarClosure(calendar_id=calendar_id, day=day, reason="x"))
        uow.commit()
    today = date(2025, 11, 19)
    current = get_settings(uow_factory(), AGENCY, SERVICE, today=today)
    assert current.closed_dates == [date(2025, 12, 25)]
    apply_settings(
        uow_factory(), AGENCY, SERVICE, replace(current, closed_dates=[date(2026, 1, 1)]), now
    )
    assert get_settings(uow_factory(), AGENCY, SERVICE).closed_dates == [
        date(2025, 11, 1),
        date(2026, 1, 1),
    ]


@pytest.mark.usefixtures("calendar")
def test_invalid_settings_change_nothing(uow_factory: UowFactory, now: datetime) -> None:
    current = get_settings(uow_factory(), AGENCY, SERVICE)
    with pytest.raises(InvalidValue) as refused:
        apply_settings(
            uow_factory(), AGENCY, SERVICE, replace(current, closed_dates=[date(2025, 1, 1)]), now
        )
    assert refused.value.code == "closed_date_past"
    assert get_settings(uow_factory(), AGENCY, SERVICE) == current


@pytest.mark.usefixtures("calendar")
def test_the_customer_of_a_booking_is_found_in_their_conversation_on_its_channel(
    uow_factory: UowFactory, add_conversation: Callable[..., int]
) -> None:
    conversation_id = add_conversation("telegram", "chat-42", customer="Camille")
    add_conversation("web", "visitor-9", customer="Someone Else")
    with uow_factory() as uow:
        customer_id = uow.session.scalar(select(Customer.id).where(Customer.name == "Camille"))
    found = customer_conversation(uow_factory(), customer_id, "telegram")
    assert found is not None and (found.id, found.external_id) == (conversation_id, "chat-42")
    assert customer_conversation(uow_factory(), customer_id, "whatsapp") is None
    assert customer_conversation(uow_factory(), None, "telegram") is None


@pytest.mark.usefixtures("calendar")
def test_a_save_waits_for_another_admins_save_of_the_same_calendar(
    uow_factory: UowFactory, now: datetime
) -> None:
    import threading
    import time as clock

    from core.service_settings import _locked_calendar

    current = get_settings(uow_factory(), AGENCY, SERVICE)
    locked, committed_at, saved_at = threading.Event(), [], []

    def first_admin() -> None:
        with uow_factory() as uow:
            calendar = _locked_calendar(uow.session, AGENCY, SERVICE)
            calendar.capacity = 5
            uow.session.flush()
            locked.set()
            clock.sleep(0.6)
            uow.commit()
            committed_at.append(clock.monotonic())

    def second_admin() -> None:
        locked.wait(5)
        apply_settings(uow_factory(), AGENCY, SERVICE, replace(current, staff_count=1), now)
        saved_at.append(clock.monotonic())

    threads = [threading.Thread(target=first_admin), threading.Thread(target=second_admin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert committed_at and saved_at and saved_at[0] >= committed_at[0]
    final = get_settings(uow_factory(), AGENCY, SERVICE)
    assert (final.capacity, final.staff_count) == (current.capacity, 1)
