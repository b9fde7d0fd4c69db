"""Where the customer's repair stands, with the real processes: asked in the customer's
words through the hub's REST webhook, identified first, answered with the job's status and
the estimate waiting, which the customer approves by typing a yes; each later staff change
is then pushed into the conversation by the web app's scheduler (exactly once) and "ready
for pickup" also goes by SMS."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.pool import NullPool

from core import estimates
from core.db import make_engine, make_session_factory
from core.jobs import get_job, move, open_walk_in
from core.models import JobEvent, OutboxMessage, StaffUser, Vehicle
from core.uow import uow_factory
from tests.e2e.chat import Chat, last_code_sent_to

pytestmark = pytest.mark.e2e

CAMILLE_PHONE = "0639984512"  # data/demo.yaml


@pytest.fixture
def uow(database_url):
    engine = make_engine(database_url, poolclass=NullPool)
    yield uow_factory(make_session_factory(engine), timezone="Europe/Paris")
    engine.dispose()


def open_job(uow, *statuses: str) -> int:
    """A walk-in job for Camille's Ducati at Paris Nord, moved by a demo mechanic."""
    with uow() as work:
        vehicle = work.session.scalar(select(Vehicle.id).where(Vehicle.plate == "AB-123-CD"))
        staff = work.session.scalar(select(StaffUser.id).where(StaffUser.role == "mechanic"))
    now = datetime.now(timezone.utc)
    job = open_walk_in(
        uow(),
        agency_code="paris-nord",
        vehicle_id=vehicle,
        problem="Bruit au freinage",
        by_staff_id=staff,
        now=now,
    )
    moved(uow, job.id, *statuses)
    return job.id


def estimate_sent(uow, job_id: int) -> None:
    """A one-line estimate for the job (at diagnosing), sent by a demo mechanic."""
    with uow() as work:
        staff = work.session.scalar(select(StaffUser.id).where(StaffUser.role == "mechanic"))
    estimates.add_line(
        uow(),
        job_id,
        kind="part",
        label="Plaquettes de frein",
        quantity_centi=200,
        unit_price_cents=4_500,
        by_staff_id=staff,
    )
    version = get_job(uow(), job_id).version
    now = datetime.now(timezone.utc)
    estimates.send_estimate(uow(), job_id, expected_version=version, by_staff_id=staff, now=now)


def moved(uow, job_id: int, *statuses: str) -> None:
    with uow() as work:
        staff = work.session.scalar(select(StaffUser.id).where(StaffUser.role == "mechanic"))
    for status in statuses:
        version = get_job(uow(), job_id).version
        now = datetime.now(timezone.utc)
        move(uow(), job_id, status, expected_version=version, by_staff_id=staff, now=now)


def notices(uow, job_id: int) -> list[str | None]:
    with uow() as work:
        return list(
            work.session.scalars(
                select(JobEvent.notice).where(JobEvent.job_id == job_id).order_by(JobEvent.id)
            )
        )


def wait_until_told(uow, job_id: int, seconds: float = 30) -> list[str | None]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        states = notices(uow, job_id)
        if all(state in ("told", "skipped", "failed") for state in states):
            return states
        time.sleep(0.5)
    return notices(uow, job_id)


def sms_to_camille(uow) -> list[str]:
    with uow() as work:
        rows = work.session.execute(
            select(OutboxMessage.destination, OutboxMessage.body).where(
                OutboxMessage.transport == "sms"
            )
        ).all()
    digits = CAMILLE_PHONE[1:]  # "0639984512" or "+33639984512": the same number
    return [body for destination, body in rows if destination.replace(" ", "").endswith(digits)]


def test_a_customer_asks_about_their_repair_is_identified_then_told_each_change(
    stack, database_url, uow
):
    job = open_job(uow, "diagnosing")
    estimate_sent(uow, job)
    wait_until_told(uow, job)  # no conversation of Camille's yet: nobody was told
    chat = Chat(stack.config.web_url)

    chat.say("ou en est la reparation de ma moto ?")
    assert "identifier votre véhicule" in chat.text, chat.text
    chat.say("AB-123-CD ZDM1RBBW5KB012345")
    chat.click('/choose{"otp_transport":"email"}')
    chat.say(last_code_sent_to(database_url, "camille.martin@example.fr"))

    assert "Vos véhicules dans notre atelier" in chat.text, chat.text
    assert "Ducati Monster 821 (AB-123-CD)" in chat.text
    assert "devis envoyé, en attente de votre accord" in chat.text
    assert "Devis envoyé le " in chat.text

    chat.say("ma moto est prete ?")  # identified: answered at once
    assert "devis envoyé, en attente de votre accord" in chat.text, chat.text
    assert "identifier" not in chat.text
    assert chat.text.endswith("Acceptez-vous ce devis ?"), chat.text  # with its buttons

    chat.say("oui c'est bon pour moi")  # typed, right after the question
    assert "C'est noté : vous acceptez le devis de 108,00" in chat.text, chat.text
    assert get_job(uow(), job).status == "approved"

    sms_before = len(sms_to_camille(uow))
    moved(uow, job, "in_progress", "ready_for_pickup")
    assert wait_until_told(uow, job)[-3:] == ["told", "told", "told"]
    chat.say("merci")  # a REST client gets what was sent meanwhile with its next reply
    pushed = chat.text
    assert pushed.count("Les travaux sur votre Ducati Monster 821 (AB-123-CD) ont commencé") == 1
    assert "Bonne nouvelle : votre Ducati Monster 821 (AB-123-CD) vous attend" in pushed
    new_sms = sms_to_camille(uow)[sms_before:]
    assert len(new_sms) == 1, all_outbox(uow)
    [sms] = new_sms
    assert sms.startswith("Bonne nouvelle")

    chat.say("merci")
    assert "Bonne nouvelle" not in chat.text, "told once"


def test_an_english_customer_is_answered_in_english(stack, database_url, uow):
    open_job(uow, "diagnosing")
    chat = Chat(stack.config.web_url, language="en")
    chat.say("hi, is my motorbike ready?")
    assert "identify your vehicle" in chat.text, chat.text
    chat.say("AB-123-CD ZDM1RBBW5KB012345")
    chat.click('/choose{"otp_transport":"email"}')
    chat.say(last_code_sent_to(database_url, "camille.martin@example.fr"))

    assert "Your vehicles in our workshop" in chat.text, chat.text
    assert "Ducati Monster 821 (AB-123-CD) at " in chat.text
    assert "being diagnosed" in chat.text


def all_outbox(uow) -> list[tuple]:
    with uow() as work:
        return work.session.execute(
            select(OutboxMessage.transport, OutboxMessage.destination, OutboxMessage.body)
        ).all()
