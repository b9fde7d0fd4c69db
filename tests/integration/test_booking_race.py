"""50 customers race for one slot of capacity 2: the database lets exactly 2 through."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.pool import NullPool

from core.bookings import BookingView, book_slot
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
