"""Where the customer's repair stands in the chat (actions/repair.py): an identified
customer's open jobs with their status, estimate and expected completion; none said with a
way to book; a customer not identified is identified first, then answered."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from rasa_sdk.events import SlotSet
from sqlalchemy import select, update

from actions.repair import ActionRepairStatus
from core.jobs import get_job, move, open_walk_in
from core.models import RepairJob, StaffUser, Vehicle
from core.uow import UnitOfWork
from tests.integration.actions_kit import WEB_VISITOR, context, message_tracker, run, said
from tests.integration.test_actions_profile import identify_visitor

ASKED = "où en est ma réparation ?"


@pytest.fixture(autouse=True)
def no_demo_jobs(seeded_uow_factory) -> None:
    """The demo's jobs (data/demo.yaml) belong to nobody here: each test makes Camille's."""
    with seeded_uow_factory() as uow:
        uow.session.execute(update(RepairJob).values(customer_id=None))
        uow.commit()


def camille_job(uow: Callable[[], UnitOfWork], now: datetime, *statuses: str, **extra) -> int:
    """A job for Camille's Ducati at Paris Nord, moved through `statuses` by the demo staff."""
    with uow() as work:
        vehicle = work.session.scalar(select(Vehicle.id).where(Vehicle.plate == "AB-123-CD"))
        staff = work.session.scalar(select(StaffUser.id).limit(1))
    job = open_walk_in(
        uow(),
        agency_code="paris-nord",
        vehicle_id=vehicle,
        problem="Bruit moteur",
        by_staff_id=staff,
        now=now,
        **extra,
    )
    for status in statuses:
        version = get_job(uow(), job.id).version
        move(uow(), job.id, status, expected_version=version, by_staff_id=staff, now=now)
    return job.id


def asked(slots: dict | None = None, language: str = "fr"):
    return message_tracker(
        ASKED,
        intent="ask_repair_status",
        metadata=WEB_VISITOR,
        slots={"language": language, **(slots or {})},
    )


async def test_a_customer_not_identified_is_identified_first(seeded_uow_factory, now) -> None:
    action = ActionRepairStatus(context=context(seeded_uow_factory, now))

    events, messages = await run(action, asked())

    assert events == [SlotSet("repair_identify", True)]
    assert messages == [said("utter_repair_identify_first")]


async def test_a_failed_identification_only_clears_the_slot(seeded_uow_factory, now) -> None:
    action = ActionRepairStatus(context=context(seeded_uow_factory, now))

    events, messages = await run(action, asked({"repair_identify": True}))

    assert events == [SlotSet("repair_identify", False)]
    assert messages == []


async def test_an_identified_customer_without_a_job_is_offered_to_book(
    seeded_uow_factory, now
) -> None:
    identify_visitor(seeded_uow_factory, now)
    camille_job(seeded_uow_factory, now, "cancelled")  # closed: not listed
    action = ActionRepairStatus(context=context(seeded_uow_factory, now))

    events, messages = await run(action, asked({"repair_identify": True}))

    assert events == [SlotSet("repair_identify", False)]
    assert messages == [said("utter_no_repair_jobs")]


async def test_each_open_job_is_told_with_its_status_estimate_and_expected_completion(
    seeded_uow_factory, now, local_dt
) -> None:
    identify_visitor(seeded_uow_factory, now)
    camille_job(seeded_uow_factory, now, "diagnosing", "estimate_sent")
    camille_job(
        seeded_uow_factory,
        now + timedelta(hours=1),
        "diagnosing",
        expected_completion=local_dt(2025, 11, 28, 17, 0),
    )
    action = ActionRepairStatus(context=context(seeded_uow_factory, now))

    events, messages = await run(action, asked())

    assert events == [SlotSet("repair_identify", False)]
    intro, first, second = messages
    assert intro == said("utter_repair_jobs_intro")
    assert first["response"] == second["response"] == "utter_repair_job"
    assert first["vehicle"] == "Ducati Monster 821 (AB-123-CD)"
    assert first["status"] == "devis envoyé, en attente de votre accord"
    assert first["details"] == " Devis envoyé le 19/11/2025."
    assert second["status"] == "diagnostic en cours"
    assert second["details"] == " Fin prévue : ven. 28 nov. 17:00."


async def test_the_answer_is_in_english_for_an_english_conversation(
    seeded_uow_factory, now
) -> None:
    identify_visitor(seeded_uow_factory, now)
    camille_job(seeded_uow_factory, now, "diagnosing", "estimate_sent", "approved", "in_progress")
    action = ActionRepairStatus(context=context(seeded_uow_factory, now))

    _, messages = await run(action, asked(language="en"))

    assert messages[1]["status"] == "work in progress"
