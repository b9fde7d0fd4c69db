"""Races for the places of one slot: the database lets exactly the capacity through, whether
customers book it or move their booking into it."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.pool import NullPool

from core.bookings import BookingView, book_slot, move_booking
from core.db import make_engine, make_session_factory
from core.errors import SlotTaken
from core.models import Booking, SlotCounter
from core.uow import uow_factory as make_uow_factory

RACERS = 50
CAPACITY = 2


def test_fifty_concurrent_bookings_of_a_slot_of_capacity_two_let_exactly_two_through(
    migrated_url, add_calendar, local_dt, now
) -> None:
    add_calendar("race-agency", "maintenance", capacity=CAPACITY)
    start = local_dt(2025, 11, 20, 9)
    # NullPool: every racer opens its own connection, so all 50 transactions really compete.
    engine = make_engine(migrated_url, poolclass=NullPool)
    new_uow = make_uow_factory(make_session_factory(engine), timezone="Europe/Paris")
    barrier = threading.Barrier(RACERS)
    booked: list[BookingView] = []
    taken: list[SlotTaken] = []
    failures: list[BaseException] = []

    def racer(index: int) -> None:
        uow = new_uow()
        barrier.wait()
        try:
            booked.append(
                book_slot(
                    uow,
                    agency_code="race-agency",
                    service_code="maintenance",
                    start_utc=start,
                    customer_id=None,
                    channel=f"racer-{index}",
                    now=now,
                )
            )
        except SlotTaken as exc:
            taken.append(exc)
        except BaseException as exc:  # anything else fails the test below, with its cause
            failures.append(exc)

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    try:
        assert failures == []
        assert (len(booked), len(taken)) == (CAPACITY, RACERS - CAPACITY)
        assert all(error.code == "slot_taken" for error in taken)
        assert len({booking.reference for booking in booked}) == CAPACITY
        with new_uow() as uow:
            counter = uow.session.scalar(select(SlotCounter.taken))
            rows = uow.session.scalar(
                select(func.count()).select_from(Booking).where(Booking.start_utc == start)
            )
        assert counter == rows == CAPACITY
        assert all(b.start_utc == datetime(2025, 11, 20, 8, tzinfo=timezone.utc) for b in booked)
    finally:
        engine.dispose()


MOVERS = 16
BOOKERS = 8


def test_concurrent_moves_and_bookings_into_the_last_place_of_a_slot_let_exactly_one_through(
    migrated_url, add_calendar, local_dt, now
) -> None:
    add_calendar("race-agency", "maintenance", capacity=CAPACITY)
    engine = make_engine(migrated_url, poolclass=NullPool)
    new_uow = make_uow_factory(make_session_factory(engine), timezone="Europe/Paris")

    def book(start: datetime, channel: str) -> BookingView:
        return book_slot(
            new_uow(),
            agency_code="race-agency",
            service_code="maintenance",
            start_utc=start,
            customer_id=None,
            channel=channel,
            now=now,
        )

    target = local_dt(2025, 11, 24, 11)
    book(target, "already-there")  # one place left
    # the movers' bookings sit before and after the target, CAPACITY per slot
    sources = [local_dt(2025, 11, 24, hour) for hour in (9, 10, 14, 15, 16, 17)] + [
        local_dt(2025, 11, 25, hour) for hour in (9, 10)
    ]
    movers = [book(sources[i // CAPACITY], f"mover-{i}") for i in range(MOVERS)]
    barrier = threading.Barrier(MOVERS + BOOKERS)
    won: list[str] = []  # "move" or "book"
    taken: list[str] = []
    failures: list[BaseException] = []

    def mover(booking: BookingView) -> None:
        uow = new_uow()
        barrier.wait()
        try:
            move_booking(uow, booking.reference, target, now=now)
            won.append("move")
        except SlotTaken:
            taken.append(booking.reference)
        except BaseException as exc:
            failures.append(exc)

    def booker(index: int) -> None:
        barrier.wait()
        try:
            book(target, f"booker-{index}")
            won.append("book")
        except SlotTaken:
            taken.append(f"booker-{index}")
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=mover, args=(b,)) for b in movers] + [
        threading.Thread(target=booker, args=(i,)) for i in range(BOOKERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    try:
        assert failures == []
        assert (len(won), len(taken)) == (1, MOVERS + BOOKERS - 1)
        with new_uow() as uow:
            counters = dict(
                uow.session.execute(select(SlotCounter.start_utc, SlotCounter.taken)).all()
            )
            per_slot = dict(
                uow.session.execute(
                    select(Booking.start_utc, func.count())
                    .where(Booking.status == "confirmed")
                    .group_by(Booking.start_utc)
                ).all()
            )
        assert counters[target] == per_slot[target] == CAPACITY
        assert {s: n for s, n in counters.items() if n} == per_slot
        assert sum(per_slot.values()) == 1 + MOVERS + (won == ["book"])
    finally:
        engine.dispose()
