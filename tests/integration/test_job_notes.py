"""Notes and expected completion of repair jobs, check-in details and walk-ins received at the
counter, on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.errors import InvalidTransition, InvalidValue, NotFound, StaleVersion
from core.job_intake import WalkIn, check_in_of, is_job_photo, receive_walk_in
from core.jobs import add_note, get_job, move, set_expected_completion
from core.models import Customer, JobEvent, Vehicle
from tests.integration.test_repair_jobs import AGENCY, booking, walk, walk_in
from tests.integration.test_repair_jobs import workshop as workshop_fixture

workshop = workshop_fixture  # the repair jobs' fixture, under its own name here

# ---- notes


def test_a_note_is_recorded_with_who_and_when_and_changes_nothing_else(workshop) -> None:
    w = workshop
    job = walk(w, walk_in(w).id, ["diagnosing"])

    noted = add_note(w.uow(), job.id, "  Durite poreuse.  ", by_staff_id=w.mechanic, now=w.now)

    assert (noted.status, noted.version, noted.updated_at) == (job.status, job.version, w.now)
    last = noted.events[-1]
    assert (last.kind, last.note, last.by_staff_name, last.at) == (
        "note",
        "Durite poreuse.",
        "Karim",
        w.now,
    )
    assert (last.from_status, last.to_status) == ("diagnosing", "diagnosing")
    # the version read before the note is still good: a note makes no form stale
    moved = move(
        w.uow(),
        job.id,
        "estimate_sent",
        expected_version=job.version,
        by_staff_id=w.mechanic,
        now=w.now,
    )
    assert moved.status == "estimate_sent"


def test_an_empty_or_too_long_note_or_an_unknown_job_is_refused(workshop) -> None:
    w = workshop
    job = walk_in(w)
    for text, code in (("   ", "missing_note"), ("x" * 2001, "note_too_long")):
        with pytest.raises(InvalidValue) as refused:
            add_note(w.uow(), job.id, text, by_staff_id=w.mechanic, now=w.now)
        assert refused.value.code == code
    with pytest.raises(NotFound):
        add_note(w.uow(), job.id + 100, "Note", by_staff_id=w.mechanic, now=w.now)
    assert [e.kind for e in get_job(w.uow(), job.id).events] == ["opened"]


def test_the_database_refuses_an_unknown_event_kind(workshop) -> None:
    w = workshop
    job = walk_in(w)
    with pytest.raises(Exception, match="(?i)check|constraint"), w.uow() as uow:
        uow.session.add(JobEvent(job_id=job.id, kind="gossip", to_status="received", at=w.now))
        uow.commit()


# ---- expected completion


def test_the_expected_completion_is_set_then_cleared_each_change_recorded(workshop) -> None:
    w = workshop
    job = walk_in(w)
    when = w.now + timedelta(days=1)

    planned = set_expected_completion(
        w.uow(), job.id, when, expected_version=1, by_staff_id=w.advisor, now=w.now
    )
    cleared = set_expected_completion(
        w.uow(), job.id, None, expected_version=2, by_staff_id=w.mechanic, now=w.now
    )

    assert planned.expected_completion == when and planned.version == 2
    assert planned.events[-1].kind == "expected" and planned.events[-1].expected_at == when
    assert cleared.expected_completion is None and cleared.version == 3
    assert cleared.events[-1].expected_at is None
    assert cleared.events[-1].by_staff_name == "Karim"


def test_a_stale_past_or_closed_expected_completion_changes_nothing(workshop) -> None:
    w = workshop
    job = walk_in(w)
    move(w.uow(), job.id, "diagnosing", expected_version=1, by_staff_id=w.mechanic, now=w.now)
    later = w.now + timedelta(hours=3)

    with pytest.raises(StaleVersion) as stale:
        set_expected_completion(
            w.uow(), job.id, later, expected_version=1, by_staff_id=w.advisor, now=w.now
        )
    assert (stale.value.current, stale.value.changed_by) == (2, w.mechanic)
    with pytest.raises(InvalidValue) as past:
        set_expected_completion(
            w.uow(), job.id, w.now, expected_version=2, by_staff_id=w.advisor, now=w.now
        )
    assert past.value.code == "expected_in_past"
    with pytest.raises(InvalidValue):
        set_expected_completion(
            w.uow(),
            job.id,
            later.replace(tzinfo=None),
            expected_version=2,
            by_staff_id=w.advisor,
            now=w.now,
        )
    cancelled = walk(w, job.id, ["cancelled"])
    with pytest.raises(InvalidTransition) as closed:
        set_expected_completion(
            w.uow(),
            job.id,
            later,
            expected_version=cancelled.version,
            by_staff_id=w.advisor,
            now=w.now,
        )
    assert closed.value.code == "job_closed"
    final = get_job(w.uow(), job.id)
    assert final.expected_completion is None and final.version == cancelled.version
    assert "expected" not in [e.kind for e in final.events]


# ---- check-in and walk-ins


def test_the_check_in_of_a_booking_offers_the_customers_vehicles_and_its_problem(
    workshop,
) -> None:
    w = workshop
    reference = booking(w, description="Fuite d'huile", attachment_ids=w.photo_ids)

    before = check_in_of(w.uow(), reference)

    assert [v.id for v in before.vehicles] == [w.vehicle_id]
    assert before.problem == "Fuite d'huile" and before.job_id is None
    assert not is_job_photo(w.uow(), w.photo_ids[0])
    from core.jobs import open_from_booking

    job = open_from_booking(
        w.uow(), reference, vehicle_id=w.vehicle_id, by_staff_id=w.advisor, now=w.now
    )
    assert check_in_of(w.uow(), reference).job_id == job.id
    assert is_job_photo(w.uow(), w.photo_ids[0])
    with pytest.raises(NotFound):
        check_in_of(w.uow(), "XX-NOPE")


def count(w, model) -> int:
    with w.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def test_a_walk_in_of_a_known_plate_opens_the_owners_job(workshop) -> None:
    w = workshop
    with w.uow() as uow:
        uow.session.get(Vehicle, w.vehicle_id).plate = "AB-123-CD"
        uow.commit()

    job = receive_walk_in(
        w.uow(),
        WalkIn(agency_code=AGENCY, plate="ab 123 cd", problem="Pneu crevé"),
        by_staff_id=w.advisor,
        now=w.now,
    )

    assert (job.vehicle_id, job.customer_id, job.booking_reference) == (
        w.vehicle_id,
        w.customer_id,
        None,
    )
    assert job.problem == "Pneu crevé" and job.status == "received"


def test_a_walk_in_records_a_new_vehicle_for_the_customer_found_by_contact_or_a_new_one(
    workshop,
) -> None:
    w = workshop
    with w.uow() as uow:
        uow.session.get(Customer, w.customer_id).phone = "+33612345678"
        uow.commit()

    theirs = receive_walk_in(
        w.uow(),
        WalkIn(
            AGENCY,
            "CD-456-EF",
            "Batterie",
            contact="06 12 34 56 78",
            brand="BMW",
            model="R 1250 GS",
        ),
        by_staff_id=w.advisor,
        now=w.now,
    )
    stranger = receive_walk_in(
        w.uow(),
        WalkIn(AGENCY, "GH-789-JK", "Vidange", name="Noé Petit", brand="Honda", model="CB500"),
        by_staff_id=w.advisor,
        now=w.now,
    )

    assert theirs.customer_id == w.customer_id and theirs.vehicle == "BMW R 1250 GS (CD-456-EF)"
    assert stranger.customer_name == "Noé Petit" and stranger.customer_id != w.customer_id


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        (WalkIn(AGENCY, "not a plate", "Bruit"), "invalid_plate"),
        (WalkIn(AGENCY, "CD-456-EF", "Bruit", name="Noé"), "missing_vehicle"),
        (WalkIn(AGENCY, "CD-456-EF", "Bruit", brand="BMW", model="R"), "invalid_name"),
        (WalkIn(AGENCY, "CD-456-EF", "  ", name="Noé", brand="BMW", model="R"), "missing_problem"),
        (WalkIn(AGENCY, "CD-456-EF", "Bruit", contact="pas un contact"), "invalid_contact"),
        (WalkIn(AGENCY, "AB-123-CD", "Bruit", contact="autre@example.fr"), "vehicle_not_customers"),
    ],
)
def test_a_refused_walk_in_records_nothing(workshop, typed, code) -> None:
    w = workshop
    with w.uow() as uow:
        uow.session.get(Vehicle, w.vehicle_id).plate = "AB-123-CD"
        uow.session.add(Customer(name="Autre", email="autre@example.fr", language="fr"))
        uow.commit()
    before = (count(w, Customer), count(w, Vehicle))

    with pytest.raises(InvalidValue) as refused:
        receive_walk_in(w.uow(), typed, by_staff_id=w.advisor, now=w.now)

    assert refused.value.code == code
    assert (count(w, Customer), count(w, Vehicle)) == before
    with pytest.raises(NotFound):
        receive_walk_in(
            w.uow(),
            WalkIn("nowhere", "CD-456-EF", "Bruit", name="Noé", brand="BMW", model="R"),
            by_staff_id=w.advisor,
            now=w.now,
        )
    assert (count(w, Customer), count(w, Vehicle)) == before
