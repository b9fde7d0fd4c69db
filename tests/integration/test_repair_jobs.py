"""Repair jobs on a real database (SQLite and PostgreSQL): check-in, the state machine held by
conditional updates on the version, and real concurrent movers on separate connections."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from core.bookings import book_slot, cancel_booking
from core.errors import InvalidTransition, InvalidValue, JobAlreadyOpen, StaleVersion
from core.job_states import NEXT_STATUSES
from core.jobs import (
    assign_mechanic,
    get_job,
    jobs_for_agency,
    jobs_for_mechanic,
    move,
    open_from_booking,
    open_walk_in,
    vehicle_jobs,
)
from core.models import (
    Attachment,
    ChannelIdentity,
    Conversation,
    Customer,
    JobEvent,
    Message,
    RepairJob,
    Vehicle,
)
from core.uow import UnitOfWork
from tests.race import race

AGENCY = "test-agency"
# every status, and the shortest path from received to it
PATHS = {
    "received": [],
    "diagnosing": ["diagnosing"],
    "estimate_sent": ["diagnosing", "estimate_sent"],
    "approved": ["diagnosing", "estimate_sent", "approved"],
    "declined": ["diagnosing", "estimate_sent", "declined"],
    "in_progress": ["diagnosing", "estimate_sent", "approved", "in_progress"],
    "waiting_parts": ["diagnosing", "estimate_sent", "approved", "in_progress", "waiting_parts"],
    "ready_for_pickup": [
        "diagnosing",
        "estimate_sent",
        "approved",
        "in_progress",
        "ready_for_pickup",
    ],
    "returned": ["diagnosing", "estimate_sent", "declined", "returned"],
    "cancelled": ["cancelled"],
}


@dataclass(frozen=True)
class Workshop:
    uow: Callable[[], UnitOfWork]
    now: datetime
    customer_id: int
    vehicle_id: int
    photo_ids: list[int]
    advisor: int
    mechanic: int


@pytest.fixture
def workshop(uow_factory, add_calendar, add_staff, now) -> Workshop:
    add_calendar(AGENCY, "maintenance")  # a workshop service
    add_calendar(AGENCY, "road_test")  # not one
    with uow_factory() as uow:
        session = uow.session
        customer = Customer(name="Camille Martin", language="fr")
        session.add(customer)
        session.flush()
        session.add(ChannelIdentity(channel="web", external_id="v-1", customer_id=customer.id))
        conversation = Conversation(channel="web", external_id="v-1", language="fr")
        vehicle = Vehicle(customer_id=customer.id, brand="Yamaha", model="MT-07", plate="AB-1")
        session.add_all([conversation, vehicle])
        session.flush()
        message = Message(
            conversation_id=conversation.id, direction="in", sender="web:v-1", text="", status="ok"
        )
        session.add(message)
        session.flush()
        photos = [Attachment(message_id=message.id, kind="image") for _ in range(2)]
        session.add_all(photos)
        session.flush()
        ids = (customer.id, vehicle.id, [photo.id for photo in photos])
        uow.commit()
    return Workshop(
        uow_factory,
        now,
        ids[0],
        ids[1],
        ids[2],
        advisor=add_staff("Sophie", role="advisor"),
        mechanic=add_staff("Karim", role="mechanic"),
    )


def booking(w: Workshop, service: str = "maintenance", **details: Any) -> str:
    start = w.now + timedelta(days=1)  # Thursday 10:30 Paris -> the 10:00 slot is not one
    start = start.replace(hour=8, minute=0)  # 09:00 Paris
    view = book_slot(
        w.uow(),
        agency_code=AGENCY,
        service_code=service,
        start_utc=start,
        customer_id=w.customer_id,
        channel="web",
        now=w.now,
        details=details or None,
    )
    return view.reference


def walk_in(w: Workshop, **kw: Any):
    return open_walk_in(
        w.uow(),
        agency_code=AGENCY,
        vehicle_id=w.vehicle_id,
        problem=kw.pop("problem", "Bruit au freinage"),
        by_staff_id=w.advisor,
        now=w.now,
        **kw,
    )


def walk(w: Workshop, job_id: int, path: list[str]):
    job = get_job(w.uow(), job_id)
    for status in path:
        job = move(
            w.uow(), job_id, status, expected_version=job.version, by_staff_id=w.mechanic, now=w.now
        )
    return job


# ---- check-in


def test_check_in_opens_the_job_with_the_bookings_problem_and_photos(workshop) -> None:
    w = workshop
    with w.uow() as uow:  # an image from a conversation of nobody known: left out
        stranger = Conversation(channel="web", external_id="v-2", language="fr")
        uow.session.add(stranger)
        uow.session.flush()
        message = Message(
            conversation_id=stranger.id, direction="in", sender="web:v-2", text="", status="ok"
        )
        uow.session.add(message)
        uow.session.flush()
        other = Attachment(message_id=message.id, kind="image")
        uow.session.add(other)
        uow.session.flush()
        foreign = other.id
        uow.commit()
    reference = booking(
        w, description="Le moteur cale à froid", attachment_ids=[*w.photo_ids, foreign]
    )

    job = open_from_booking(
        w.uow(), reference, vehicle_id=w.vehicle_id, by_staff_id=w.advisor, now=w.now
    )

    assert job.status == "received" and job.version == 1
    assert job.problem == "Le moteur cale à froid"
    assert job.booking_reference == reference and job.agency_code == AGENCY
    assert job.customer_id == w.customer_id and job.vehicle == "Yamaha MT-07 (AB-1)"
    assert job.photo_ids == tuple(sorted(w.photo_ids))
    assert job.next_statuses == ("diagnosing", "cancelled")
    assert [(e.kind, e.to_status, e.by_staff_id) for e in job.events] == [
        ("opened", "received", w.advisor)
    ]


def test_check_in_without_a_description_names_the_service(workshop) -> None:
    job = open_from_booking(
        workshop.uow(),
        booking(workshop),
        vehicle_id=workshop.vehicle_id,
        by_staff_id=workshop.advisor,
        now=workshop.now,
    )
    assert job.problem == "maintenance"  # the test calendar's service name


def test_check_in_refuses_other_services_cancelled_bookings_and_a_second_job(workshop) -> None:
    w = workshop

    def check_in(reference: str):
        return open_from_booking(
            w.uow(), reference, vehicle_id=w.vehicle_id, by_staff_id=w.advisor, now=w.now
        )

    with pytest.raises(InvalidValue) as refused:
        check_in(booking(w, "road_test"))
    assert refused.value.code == "not_a_workshop_booking"

    cancelled = booking(w)
    cancel_booking(w.uow(), cancelled)
    with pytest.raises(InvalidValue) as refused:
        check_in(cancelled)
    assert refused.value.code == "booking_cancelled"

    reference = booking(w)
    first = check_in(reference)
    with pytest.raises(JobAlreadyOpen) as again:
        check_in(reference)
    assert again.value.job_id == first.id


def test_check_in_refuses_a_vehicle_of_another_customer(workshop) -> None:
    w = workshop
    with w.uow() as uow:
        someone = Customer(name="Autre", language="fr")
        uow.session.add(someone)
        uow.session.flush()
        theirs = Vehicle(customer_id=someone.id, brand="Honda", model="CB500")
        uow.session.add(theirs)
        uow.session.flush()
        vehicle_id = theirs.id
        uow.commit()
    with pytest.raises(InvalidValue) as refused:
        open_from_booking(
            w.uow(), booking(w), vehicle_id=vehicle_id, by_staff_id=w.advisor, now=w.now
        )
    assert refused.value.code == "vehicle_not_customers"


def test_a_walk_in_has_no_booking_and_needs_a_problem(workshop) -> None:
    job = walk_in(workshop, photo_ids=workshop.photo_ids[:1])
    assert job.booking_reference is None and job.photo_ids == (workshop.photo_ids[0],)
    with pytest.raises(InvalidValue) as refused:
        walk_in(workshop, problem="   ")
    assert refused.value.code == "missing_problem"


# ---- the state machine


@pytest.mark.parametrize("status", sorted(NEXT_STATUSES))
def test_every_allowed_transition_is_made_and_recorded(workshop, status) -> None:
    for target in NEXT_STATUSES[status]:
        job = walk(workshop, walk_in(workshop).id, PATHS[status])
        assert job.status == status

        moved = move(
            workshop.uow(),
            job.id,
            target,
            expected_version=job.version,
            by_staff_id=workshop.advisor,
            now=workshop.now + timedelta(hours=1),
            note="  vu avec le client ",
        )

        assert moved.status == target and moved.version == job.version + 1
        last = moved.events[-1]
        assert (last.kind, last.from_status, last.to_status) == ("status", status, target)
        assert last.by_staff_id == workshop.advisor and last.by_staff_name == "Sophie"
        assert last.note == "vu avec le client"
        assert len(moved.events) == len(PATHS[status]) + 2  # opened + the path + this move


@pytest.mark.parametrize("status", sorted(NEXT_STATUSES))
def test_every_other_transition_is_refused_with_the_allowed_ones(workshop, status) -> None:
    job = walk(workshop, walk_in(workshop).id, PATHS[status])
    for target in sorted(set(NEXT_STATUSES) - set(NEXT_STATUSES[status])):
        with pytest.raises(InvalidTransition) as refused:
            move(
                workshop.uow(),
                job.id,
                target,
                expected_version=job.version,
                by_staff_id=workshop.mechanic,
                now=workshop.now,
            )
        assert refused.value.allowed == NEXT_STATUSES[status]
    assert get_job(workshop.uow(), job.id).version == job.version  # nothing changed


def test_the_database_refuses_an_unknown_status(workshop) -> None:
    job = walk_in(workshop)
    with pytest.raises(Exception, match="(?i)check|constraint"), workshop.uow() as uow:
        uow.session.execute(
            RepairJob.__table__.update().where(RepairJob.id == job.id).values(status="lost")
        )
        uow.commit()


def test_a_stale_version_is_refused_and_says_who_changed_it(workshop) -> None:
    w = workshop
    job = walk_in(w)
    move(w.uow(), job.id, "diagnosing", expected_version=1, by_staff_id=w.mechanic, now=w.now)

    with pytest.raises(StaleVersion) as stale:
        move(w.uow(), job.id, "cancelled", expected_version=1, by_staff_id=w.advisor, now=w.now)

    error = stale.value
    assert (error.expected, error.current, error.status) == (1, 2, "diagnosing")
    assert error.changed_by == w.mechanic and error.changed_at == w.now
    assert get_job(w.uow(), job.id).status == "diagnosing"


# ---- mechanics


def test_only_an_active_mechanic_is_assigned_and_the_assignment_is_recorded(
    workshop, add_staff
) -> None:
    w = workshop
    job = walk_in(w)
    with pytest.raises(InvalidValue) as refused:
        assign_mechanic(w.uow(), job.id, w.advisor, by_staff_id=w.advisor, now=w.now)
    assert refused.value.code == "not_a_mechanic"

    assigned = assign_mechanic(w.uow(), job.id, w.mechanic, by_staff_id=w.advisor, now=w.now)

    assert assigned.mechanic_id == w.mechanic and assigned.mechanic_name == "Karim"
    assert assigned.version == 2 and assigned.events[-1].kind == "assigned"
    assert assigned.events[-1].mechanic_id == w.mechanic
    with pytest.raises(StaleVersion):
        assign_mechanic(w.uow(), job.id, None, by_staff_id=w.advisor, now=w.now, expected_version=1)
    closed = walk(w, job.id, ["cancelled"])
    with pytest.raises(InvalidTransition) as refused_closed:
        assign_mechanic(w.uow(), closed.id, None, by_staff_id=w.advisor, now=w.now)
    assert refused_closed.value.code == "job_closed"


def test_a_mechanics_day_and_week_and_an_agencys_and_a_vehicles_jobs(workshop, add_staff) -> None:
    w = workshop
    other = add_staff("Léa", role="mechanic")
    today = walk_in(w, problem="Vidange")
    assign_mechanic(w.uow(), today.id, w.mechanic, by_staff_id=w.advisor, now=w.now)
    monday = w.now - timedelta(days=2)  # Monday of the same week
    earlier = open_walk_in(
        w.uow(),
        agency_code=AGENCY,
        vehicle_id=w.vehicle_id,
        problem="Pneu",
        by_staff_id=w.advisor,
        now=monday,
    )
    assign_mechanic(w.uow(), earlier.id, w.mechanic, by_staff_id=w.advisor, now=monday)
    done = move(
        w.uow(), earlier.id, "cancelled", expected_version=2, by_staff_id=w.advisor, now=monday
    )
    theirs = walk_in(w, problem="Chaîne")
    assign_mechanic(w.uow(), theirs.id, other, by_staff_id=w.advisor, now=w.now)

    day = date(2025, 11, 19)
    assert [j.id for j in jobs_for_mechanic(w.uow(), w.mechanic, day)] == [today.id]
    assert {j.id for j in jobs_for_mechanic(w.uow(), w.mechanic, day, "week")} == {
        today.id,
        done.id,
    }
    assert jobs_for_mechanic(w.uow(), w.mechanic, day + timedelta(days=7), "week")[0].id == today.id

    open_ids = {j.id for j in jobs_for_agency(w.uow(), AGENCY, open_only=True)}
    assert open_ids == {today.id, theirs.id}
    assert [j.id for j in jobs_for_agency(w.uow(), AGENCY, statuses=["cancelled"])] == [done.id]
    assert [j.id for j in jobs_for_agency(w.uow(), AGENCY, mechanic_id=other)] == [theirs.id]
    assert len(vehicle_jobs(w.uow(), w.vehicle_id)) == 3
    with pytest.raises(InvalidValue):
        jobs_for_agency(w.uow(), AGENCY, statuses=["lost"])


# ---- concurrency: real threads, each on its own connection


def test_two_staff_moving_the_same_job_at_once_exactly_one_wins(workshop, racing_uow) -> None:
    w = workshop
    for round_ in range(5):
        job = walk(w, walk_in(w).id, ["diagnosing", "estimate_sent"])

        won, lost = race(
            [
                lambda to=to, who=who, j=job: move(
                    racing_uow(),
                    j.id,
                    to,
                    expected_version=j.version,
                    by_staff_id=who,
                    now=w.now,
                )
                for to, who in (("approved", w.advisor), ("declined", w.mechanic))
            ]
        )

        assert len(won) == 1 and len(lost) == 1, (round_, won, lost)
        assert isinstance(lost[0], StaleVersion), repr(lost[0])
        assert lost[0].status == won[0].status and lost[0].current == job.version + 1
        final = get_job(w.uow(), job.id)
        assert final.status == won[0].status and final.version == job.version + 1
        with w.uow() as uow:
            moves = uow.session.scalar(
                select(func.count())
                .select_from(JobEvent)
                .where(JobEvent.job_id == job.id, JobEvent.from_status == "estimate_sent")
            )
        assert moves == 1


def test_one_job_per_booking_when_checked_in_at_once(workshop, racing_uow) -> None:
    w = workshop
    reference = booking(w)

    made, refused = race(
        [
            lambda: open_from_booking(
                racing_uow(), reference, vehicle_id=w.vehicle_id, by_staff_id=w.advisor, now=w.now
            )
            for _ in range(4)
        ]
    )

    assert len(made) == 1, refused
    assert len(refused) == 3 and all(isinstance(e, JobAlreadyOpen) for e in refused), refused
    assert {e.job_id for e in refused} == {made[0].id}
    with w.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(RepairJob)) == 1
