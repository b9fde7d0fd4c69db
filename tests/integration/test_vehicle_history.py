"""A vehicle's history, its mileage readings and the maintenance reminders drawn from it, on
a real database (SQLite and PostgreSQL), with real concurrent claimers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.bookings import book_slot, cancel_booking
from core.db import make_engine, make_session_factory
from core.errors import InvalidValue, NotFound
from core.jobs import get_job, move, open_from_booking
from core.maintenance_reminders import (
    claim,
    due_for,
    finish,
    subscribe,
    subscription_of,
    unsubscribe,
    year_due_on,
)
from core.mileage import DEFAULT_YEARLY_KM, readings, record_reading
from core.models import ChannelIdentity, Conversation, Customer, MileageReading, Vehicle
from core.uow import UnitOfWork
from core.uow import uow_factory as make_uow_factory
from core.vehicle_history import history, last_service

AGENCY = "test-agency"


@dataclass(frozen=True)
class Garage:
    uow: Callable[[], UnitOfWork]
    now: datetime
    customer_id: int
    vehicle_id: int
    other_vehicle_id: int
    conversation_id: int
    mechanic: int


@pytest.fixture
def garage(uow_factory, add_calendar, add_staff, now) -> Garage:
    add_calendar(AGENCY, "maintenance")
    with uow_factory() as uow:
        session = uow.session
        customer = Customer(name="Camille Martin", language="fr")
        session.add(customer)
        session.flush()
        session.add(ChannelIdentity(channel="web", external_id="v-1", customer_id=customer.id))
        conversation = Conversation(channel="web", external_id="v-1", language="fr")
        vehicle = Vehicle(
            customer_id=customer.id, brand="Yamaha", model="MT-07", plate="AB-1", year=2021
        )
        other = Vehicle(customer_id=customer.id, brand="Honda", model="CB500", plate="CD-2")
        session.add_all([conversation, vehicle, other])
        session.flush()
        customer.identified_vehicle_id = vehicle.id
        ids = (customer.id, vehicle.id, other.id, conversation.id)
        uow.commit()
    return Garage(uow_factory, now, *ids, mechanic=add_staff("Karim", role="mechanic"))


def book(g: Garage, days_ago: int, **details) -> str:
    """A maintenance booking `days_ago` days before now (booked the day before it)."""
    start = (g.now - timedelta(days=days_ago)).replace(hour=8, minute=0)
    while start.weekday() >= 5:  # the test calendar is open on weekdays
        start -= timedelta(days=1)
    return book_slot(
        g.uow(),
        agency_code=AGENCY,
        service_code="maintenance",
        start_utc=start,
        customer_id=g.customer_id,
        channel="web",
        now=start - timedelta(days=1),
        details=details or None,
    ).reference


def reading(g: Garage, km: int, days_ago: int, source: str = "staff", vehicle: int | None = None):
    return record_reading(
        g.uow(),
        vehicle or g.vehicle_id,
        km,
        source=source,
        read_at=g.now - timedelta(days=days_ago),
    )


# ---- mileage readings


def test_readings_are_kept_newest_first_and_a_lower_one_is_refused(garage) -> None:
    reading(garage, 10_000, 200)
    reading(garage, 12_500, 10)

    with pytest.raises(InvalidValue) as refused:
        reading(garage, 11_000, 1)
    assert refused.value.code == "mileage_below_previous"
    with pytest.raises(InvalidValue) as later:  # backdated above a later reading
        reading(garage, 13_000, 100)
    assert later.value.code == "mileage_above_later"
    with pytest.raises(InvalidValue):
        reading(garage, -5, 0)
    with pytest.raises(NotFound):
        reading(garage, 5, 0, vehicle=999_999)

    assert [r.km for r in readings(garage.uow(), garage.vehicle_id)] == [12_500, 10_000]


def test_a_booking_with_a_mileage_records_a_reading_of_the_identified_vehicle(garage) -> None:
    reference = book(garage, 30, mileage=8_000)
    book(garage, 20, mileage=1_000)  # lower than before: the booking stands, no reading

    found = readings(garage.uow(), garage.vehicle_id)
    assert [(r.km, r.source, r.booking_reference) for r in found] == [(8_000, "booking", reference)]


def test_fifty_concurrent_readings_keep_the_odometer_monotonic(garage, migrated_url) -> None:
    engine = make_engine(migrated_url)
    factory = make_uow_factory(make_session_factory(engine), timezone=garage.uow().timezone)
    start = threading.Barrier(10)
    moments = [garage.now - timedelta(hours=10 - i) for i in range(10)]

    def write(i: int) -> None:
        start.wait()
        try:  # kms in the reverse order of the times: only an increasing subset can pass
            record_reading(
                factory(), garage.vehicle_id, 1000 * (10 - i), source="staff", read_at=moments[i]
            )
        except InvalidValue:
            pass
        except Exception:  # SQLite's busy writer: not a contradiction
            pass

    threads = [threading.Thread(target=write, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    rows = readings(garage.uow(), garage.vehicle_id)
    ordered = sorted(rows, key=lambda r: r.read_at)
    assert len(rows) >= 1
    assert [r.km for r in ordered] == sorted(r.km for r in ordered)


def test_readings_go_with_the_vehicle(garage) -> None:
    reading(garage, 10_000, 5)
    with garage.uow() as uow:
        uow.session.delete(uow.session.get(Vehicle, garage.vehicle_id))
        uow.commit()
    with garage.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(MileageReading)) == 0


# ---- history


def test_history_lists_returned_jobs_and_past_visits_newest_first(garage) -> None:
    g = garage
    old_visit = book(g, 400, description="Révision des 20 000")
    job_booking = book(g, 40)
    cancelled = book(g, 30)
    cancel_booking(g.uow(), cancelled)
    job = open_from_booking(
        g.uow(), job_booking, vehicle_id=g.vehicle_id, by_staff_id=g.mechanic, now=g.now
    )
    for status in ("diagnosing", "estimate_sent", "declined", "returned"):
        current = get_job(g.uow(), job.id)
        move(
            g.uow(),
            job.id,
            status,
            expected_version=current.version,
            by_staff_id=g.mechanic,
            now=g.now,
        )
    other_visit = book(g, 60, mileage=3_000)  # identified vehicle gets the reading ...
    with g.uow() as uow:  # ... then move it to the other vehicle: not this one's visit
        row = uow.session.scalars(select(MileageReading)).one()
        row.vehicle_id = g.other_vehicle_id
        uow.commit()
    reading(g, 15_000, 3)

    found = history(g.uow(), g.vehicle_id, g.now)

    assert [(e.kind, e.booking_reference) for e in found.entries] == [
        ("job", job_booking),
        ("visit", old_visit),
    ]
    assert found.entries[1].what == "Révision des 20 000"
    assert found.entries[0].status == "returned"
    assert other_visit not in {e.booking_reference for e in found.entries}
    assert found.last_service == g.now.date()  # the returned maintenance job, today
    assert found.latest_km == 15_000
    assert found.owner_first_name == "Camille" and found.year == 2021
    assert last_service(g.uow(), g.vehicle_id, g.now) == g.now.date()


def test_an_unknown_vehicle_has_no_history(garage) -> None:
    with pytest.raises(NotFound):
        history(garage.uow(), 999_999, garage.now)


# ---- when the service is due


def test_due_a_year_and_a_day_after_the_last_service_without_readings(garage) -> None:
    book(garage, 300)
    found = history(garage.uow(), garage.vehicle_id, garage.now)
    due = due_for(found, None, "Europe/Paris")
    assert due is not None and due.reason == "year"
    assert due.on == year_due_on(found.last_service) == found.last_service + timedelta(days=366)
    assert year_due_on(date(2024, 2, 29)) == date(2025, 3, 1)


def test_due_earlier_by_mileage_at_the_readings_slope(garage) -> None:
    book(garage, 200, mileage=20_000)  # the service, and the odometer that day
    reading(garage, 28_000, 100)  # 8,000 km in 100 days: 29,200 km a year
    found = history(garage.uow(), garage.vehicle_id, garage.now)
    due = due_for(found, None, "Europe/Paris")
    assert due is not None and due.reason == "mileage"
    # 2,000 km left at 29,200 km/year: 25 days after the last reading
    assert due.on == (garage.now - timedelta(days=100)).date() + timedelta(days=25)


def test_nothing_is_due_without_a_known_last_service_and_a_told_one_counts(garage) -> None:
    found = history(garage.uow(), garage.vehicle_id, garage.now)
    assert due_for(found, None, "Europe/Paris") is None
    due = due_for(found, date(2024, 6, 1), "Europe/Paris")
    assert due is not None and due.on == date(2025, 6, 2)
    assert DEFAULT_YEARLY_KM > 0


# ---- subscriptions and sending once


def test_subscribing_twice_keeps_one_row_and_stop_opts_out(garage) -> None:
    g = garage
    subscribe(g.uow(), customer_id=g.customer_id, vehicle_id=g.vehicle_id, channel="web", now=g.now)
    again = subscribe(
        g.uow(),
        customer_id=g.customer_id,
        vehicle_id=g.vehicle_id,
        channel="web",
        now=g.now,
        declared_last_service=date(2024, 5, 1),
    )
    assert again.active and again.declared_last_service == date(2024, 5, 1)
    with pytest.raises(InvalidValue):
        subscribe(
            g.uow(),
            customer_id=g.customer_id + 99,
            vehicle_id=g.vehicle_id,
            channel="web",
            now=g.now,
        )

    assert unsubscribe(g.uow(), g.customer_id, g.now) == 1
    view = subscription_of(g.uow(), g.vehicle_id)
    assert view is not None and not view.active
    assert claim(g.uow(), view.id, g.now) is None  # opted out: nothing is sent


def test_a_due_reminder_is_claimed_once_per_service_cycle(garage) -> None:
    g = garage
    book(g, 400)  # last service over a year ago: due
    view = subscribe(
        g.uow(), customer_id=g.customer_id, vehicle_id=g.vehicle_id, channel="web", now=g.now
    )
    task = claim(g.uow(), view.id, g.now)
    assert task is not None and task.due.reason == "year"
    assert [r.conversation_id for r in task.recipients] == [g.conversation_id]
    assert task.language == "fr" and task.first_name == "Camille"
    assert claim(g.uow(), view.id, g.now) is None  # claimed: nobody else
    assert finish(g.uow(), task, sent=True, now=g.now)
    assert claim(g.uow(), view.id, g.now + timedelta(days=30)) is None  # same cycle

    book(g, 1)  # a new service: a new cycle, not due before a year
    assert claim(g.uow(), view.id, g.now + timedelta(days=30)) is None
    later = claim(g.uow(), view.id, g.now + timedelta(days=400))
    assert later is not None and later.due.on > task.due.on


def test_a_stale_claim_is_taken_over(garage) -> None:
    g = garage
    book(g, 400)
    view = subscribe(
        g.uow(), customer_id=g.customer_id, vehicle_id=g.vehicle_id, channel="web", now=g.now
    )
    first = claim(g.uow(), view.id, g.now)
    assert first is not None
    assert claim(g.uow(), view.id, g.now + timedelta(minutes=5)) is None
    second = claim(g.uow(), view.id, g.now + timedelta(minutes=11))
    assert second is not None
    assert not finish(g.uow(), first, sent=True, now=g.now)  # the old claim is void


def test_twenty_replicas_claiming_at_once_send_exactly_one_reminder(garage, migrated_url) -> None:
    g = garage
    book(g, 400)
    view = subscribe(
        g.uow(), customer_id=g.customer_id, vehicle_id=g.vehicle_id, channel="web", now=g.now
    )
    engine = make_engine(migrated_url)
    factory = make_uow_factory(make_session_factory(engine), timezone="Europe/Paris")
    start = threading.Barrier(20)
    won: list[object] = []

    def replica() -> None:
        start.wait()
        try:
            task = claim(factory(), view.id, g.now)
        except Exception:  # SQLite's busy writer lost the race
            return
        if task is not None:
            won.append(task)

    threads = [threading.Thread(target=replica) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert len(won) == 1
