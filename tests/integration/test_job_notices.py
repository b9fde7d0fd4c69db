"""Customers told of their repair jobs' changes (core/job_notices.py, hub/job_notices.py) on a
real database (SQLite and PostgreSQL): each notice once, in order, in the customer's language,
through the hub's one way out, "ready for pickup" also by SMS or e-mail; nobody to tell is
skipped; concurrent dispatchers on separate connections send one message per event."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.pool import NullPool

from backoffice.job_notices import JobNotices
from channels.bus import Bus
from core import estimates, manage, notify
from core.booking_documents import DocumentLinks
from core.db import make_engine, make_session_factory
from core.job_notices import (
    CLAIM_TIMEOUT,
    NOTICE_ATTEMPTS,
    claim_notice,
    finish_notice,
    notice_state,
    pending_notices,
)
from core.jobs import assign_mechanic, get_job, move, open_walk_in
from core.models import ChannelIdentity, Conversation, Customer, JobEvent, StaffUser, Vehicle
from core.seed import _demo_jobs_told
from core.signed_links import read_token
from core.uow import UnitOfWork
from core.uow import uow_factory as make_uow_factory
from hub.deps import HubDeps
from hub.job_notices import dispatch_job_notices
from hub.messages import OutgoingMessage
from hub.ports import PermanentSendError
from hub.reminders import ReminderDeps
from tests.integration.test_reminder_sending import NoBrain, out_messages, outbox
from tests.integration.web_support import web_client
from webapp.scheduler import JOB_NOTICES_JOB_ID

AGENCY = "test-agency"
PHONE = "+33612345678"
PICKUP = ["diagnosing", "estimate_sent", "approved", "in_progress", "ready_for_pickup"]


@dataclass(frozen=True)
class Garage:
    uow: Callable[[], UnitOfWork]
    now: datetime
    staff: int

    def customer(
        self,
        *,
        language: str = "fr",
        phone: str | None = PHONE,
        email: str | None = None,
        channel: str | None = "web",
    ) -> tuple[int, int | None]:
        """(vehicle id, conversation id) of a new customer with one conversation."""
        with self.uow() as uow:
            session = uow.session
            person = Customer(name="Camille", language=language, phone=phone, email=email)
            session.add(person)
            session.flush()
            vehicle = Vehicle(customer_id=person.id, brand="Ducati", model="Monster", plate="AB-1")
            session.add(vehicle)
            conversation_id = None
            if channel is not None:
                external = f"{channel}-{person.id}"
                session.add(
                    ChannelIdentity(channel=channel, external_id=external, customer_id=person.id)
                )
                conversation = Conversation(channel=channel, external_id=external, language="fr")
                session.add(conversation)
                session.flush()
                conversation_id = conversation.id
            session.flush()
            uow.commit()
            return vehicle.id, conversation_id

    def open(self, vehicle_id: int, **extra) -> int:
        view = open_walk_in(
            self.uow(),
            agency_code=AGENCY,
            vehicle_id=vehicle_id,
            problem="Bruit au freinage",
            by_staff_id=self.staff,
            now=self.now,
            **extra,
        )
        return view.id

    def move(self, job_id: int, *statuses: str) -> None:
        for status in statuses:
            version = get_job(self.uow(), job_id).version
            move(
                self.uow(),
                job_id,
                status,
                expected_version=version,
                by_staff_id=self.staff,
                now=self.now,
            )


@pytest.fixture
def garage(uow_factory, add_calendar, add_staff, now) -> Garage:
    add_calendar(AGENCY, "maintenance")
    return Garage(uow_factory, now, add_staff("Karim", role="mechanic"))


class RefusingSender:
    """A push channel that refuses every message (a blocked bot)."""

    channel = "telegram"

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, external_id: str, message: OutgoingMessage) -> str | None:
        self.sent.append(message.text)
        raise PermanentSendError("bot blocked by the user")


def deps_for(uow_factory, senders=None, clock=None) -> ReminderDeps:
    hub = HubDeps(
        uow_factory=uow_factory,
        brain=NoBrain(),
        bus=Bus(),
        senders=senders or {},
        delivery_delays=(0.0, 0.0, 0.0),
        **({"clock": clock} if clock else {}),
    )
    transports = {
        "sms": notify.OutboxTransport("sms", uow_factory),
        "email": notify.OutboxTransport("email", uow_factory),
    }
    return ReminderDeps(hub=hub, transports=transports, timezone="Europe/Paris")


def events(uow_factory, job_id: int) -> list[tuple[str, str | None]]:
    with uow_factory() as uow:
        rows = uow.session.execute(
            select(JobEvent.to_status, JobEvent.notice)
            .where(JobEvent.job_id == job_id)
            .order_by(JobEvent.id)
        )
        return [(row.to_status, row.notice) for row in rows]


async def test_the_opening_and_each_status_change_are_told_once_in_order(garage) -> None:
    vehicle, conversation = garage.customer()
    job = garage.open(vehicle)
    garage.move(job, "diagnosing")
    deps = deps_for(garage.uow)

    assert await dispatch_job_notices(deps) == 2
    assert await dispatch_job_notices(deps) == 0  # nothing is told twice

    texts = [m.text for m in out_messages(garage.uow, conversation)]
    assert len(texts) == 2
    assert texts[0].startswith("Nous avons bien reçu votre Ducati Monster (AB-1)")
    assert texts[1] == "Le diagnostic de votre Ducati Monster (AB-1) a commencé."
    assert events(garage.uow, job) == [("received", "told"), ("diagnosing", "told")]
    assert outbox(garage.uow) == [], "only ready for pickup goes by SMS"


async def test_an_assignment_is_not_told(garage) -> None:
    vehicle, conversation = garage.customer()
    job = garage.open(vehicle)
    assign_mechanic(garage.uow(), job, garage.staff, by_staff_id=garage.staff, now=garage.now)

    assert await dispatch_job_notices(deps_for(garage.uow)) == 1
    assert events(garage.uow, job) == [("received", "told"), ("received", None)]


async def test_ready_for_pickup_also_goes_by_sms_in_english_with_the_agency(garage) -> None:
    vehicle, conversation = garage.customer(language="en")
    job = garage.open(vehicle)
    garage.move(job, *PICKUP)

    assert await dispatch_job_notices(deps_for(garage.uow)) == 6

    last = out_messages(garage.uow, conversation)[-1].text
    assert last.startswith("Good news: your Ducati Monster (AB-1) is ready for you at")
    [sms] = outbox(garage.uow)
    assert (sms["transport"], sms["destination"], sms["body"]) == ("sms", PHONE, last)


async def test_ready_for_pickup_goes_by_email_without_a_phone_even_with_no_conversation(
    garage,
) -> None:
    vehicle, _ = garage.customer(phone=None, email="camille@example.fr", channel=None)
    job = garage.open(vehicle)
    garage.move(job, *PICKUP)

    assert await dispatch_job_notices(deps_for(garage.uow)) == 1

    [mail] = outbox(garage.uow)
    assert (mail["transport"], mail["subject"]) == ("email", "Votre véhicule est prêt")
    assert [n for _, n in events(garage.uow, job)] == ["skipped"] * 5 + ["told"]


async def test_the_expected_completion_is_told_in_local_time(garage, local_dt) -> None:
    vehicle, conversation = garage.customer()
    garage.open(vehicle, expected_completion=local_dt(2025, 11, 28, 17, 30))

    await dispatch_job_notices(deps_for(garage.uow))

    [message] = out_messages(garage.uow, conversation)
    assert message.text.endswith("Fin prévue : ven. 28 nov. 17:30.")


async def test_an_erased_customer_or_one_without_conversation_is_skipped(garage) -> None:
    vehicle, _ = garage.customer(channel=None)
    lonely = garage.open(vehicle)
    vehicle, conversation = garage.customer()
    erased = garage.open(vehicle)
    with garage.uow() as uow:
        uow.session.execute(update(Customer).values(erased_at=garage.now))
        uow.commit()

    assert await dispatch_job_notices(deps_for(garage.uow)) == 0

    assert events(garage.uow, lonely) == [("received", "skipped")]
    assert events(garage.uow, erased) == [("received", "skipped")]
    assert out_messages(garage.uow, conversation) == []


async def test_an_opted_out_customer_gets_no_notice(garage) -> None:
    vehicle, conversation = garage.customer()
    with garage.uow() as uow:
        uow.session.execute(update(Conversation).values(opted_out_at=garage.now))
        uow.commit()
    job = garage.open(vehicle)

    await dispatch_job_notices(deps_for(garage.uow))

    assert events(garage.uow, job) == [("received", "skipped")]
    assert out_messages(garage.uow, conversation) == []


async def test_a_notice_the_channel_refuses_is_failed_and_never_sent_again(garage) -> None:
    vehicle, conversation = garage.customer(channel="telegram")
    job = garage.open(vehicle)
    sender = RefusingSender()
    deps = deps_for(garage.uow, senders={"telegram": sender})

    assert await dispatch_job_notices(deps) == 0
    assert await dispatch_job_notices(deps) == 0

    assert len(sender.sent) == 1
    assert events(garage.uow, job) == [("received", "failed")]
    [stored] = out_messages(garage.uow, conversation)
    assert stored.status == "failed"


async def test_a_job_changed_by_staff_is_told_at_once_through_the_web_app(garage) -> None:
    vehicle, conversation = garage.customer()
    app = FastAPI()
    app.state.settings = type("Settings", (), {"timezone": "Europe/Paris"})()
    deps = deps_for(garage.uow)
    app.state.hub = deps.hub
    app.state.transports = deps.transports  # what webapp/main.py's wiring gives the app
    app.state.uow_factory = garage.uow

    @app.post("/jobs/{vehicle_id}")
    def open_job(vehicle_id: int, notices: JobNotices) -> dict:
        job_id = garage.open(vehicle_id)  # committed
        notices.after_commit(job_id)
        return {"id": job_id}

    with TestClient(app) as client:
        job = client.post(f"/jobs/{vehicle}").json()["id"]

    assert events(garage.uow, job) == [("received", "told")]
    assert len(out_messages(garage.uow, conversation)) == 1


def test_a_later_notice_waits_for_the_earlier_one_of_its_job(garage) -> None:
    vehicle, _ = garage.customer()
    job = garage.open(vehicle)
    garage.move(job, "diagnosing")
    first, second = pending_notices(garage.uow(), garage.now)

    assert claim_notice(garage.uow(), second, garage.now) is None
    task = claim_notice(garage.uow(), first, garage.now)
    assert task is not None and task.status == "received"
    assert claim_notice(garage.uow(), second, garage.now) is None  # the first is being sent
    finish_notice(garage.uow(), first, "told", now=garage.now, claimed_at=task.claimed_at)
    assert claim_notice(garage.uow(), second, garage.now) is not None


def test_a_stale_claim_is_taken_again_and_the_old_claim_cannot_finish(garage) -> None:
    vehicle, _ = garage.customer()
    garage.open(vehicle)
    [event] = pending_notices(garage.uow(), garage.now)
    first = claim_notice(garage.uow(), event, garage.now)
    assert first is not None
    assert claim_notice(garage.uow(), event, garage.now + timedelta(minutes=1)) is None

    later = garage.now + CLAIM_TIMEOUT + timedelta(seconds=1)
    second = claim_notice(garage.uow(), event, later)

    assert second is not None
    assert not finish_notice(garage.uow(), event, "told", now=later, claimed_at=first.claimed_at)
    assert finish_notice(garage.uow(), event, "told", now=later, claimed_at=second.claimed_at)
    assert notice_state(garage.uow(), event) == ("told", 2, later)


def test_a_notice_never_stored_is_retried_then_failed(garage) -> None:
    vehicle, _ = garage.customer()
    garage.open(vehicle)
    [event] = pending_notices(garage.uow(), garage.now)

    for attempt in range(1, NOTICE_ATTEMPTS + 1):
        task = claim_notice(garage.uow(), event, garage.now)
        assert task is not None, attempt
        finish_notice(garage.uow(), event, "retry", now=garage.now, claimed_at=task.claimed_at)

    assert notice_state(garage.uow(), event)[:2] == ("failed", NOTICE_ATTEMPTS)
    assert pending_notices(garage.uow(), garage.now) == []


def test_bad_outcomes_are_refused(garage) -> None:
    with pytest.raises(ValueError):
        finish_notice(garage.uow(), 1, "sent", now=garage.now, claimed_at=garage.now)


def test_concurrent_dispatchers_send_one_message_per_event(garage, migrated_url) -> None:
    conversations = []
    jobs = []
    for _ in range(4):
        vehicle, conversation = garage.customer()
        conversations.append(conversation)
        job = garage.open(vehicle)
        garage.move(job, "diagnosing", "estimate_sent")
        jobs.append(job)
    start = threading.Barrier(6)
    failures: list[BaseException] = []

    def dispatcher() -> None:
        engine = make_engine(migrated_url, poolclass=NullPool)
        uow = make_uow_factory(make_session_factory(engine), timezone="Europe/Paris")
        try:
            start.wait()
            for _ in range(3):
                asyncio.run(dispatch_job_notices(deps_for(uow)))
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=dispatcher) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    asyncio.run(dispatch_job_notices(deps_for(garage.uow)))  # whatever a locked SQLite left

    assert failures == []
    for conversation in conversations:
        texts = [m.text for m in out_messages(garage.uow, conversation)]
        assert len(texts) == 3, texts
        assert texts[0].startswith("Nous avons bien reçu"), texts
        assert texts[2].startswith("Le devis pour votre"), texts
    for job in jobs:
        assert {notice for _, notice in events(garage.uow, job)} == {"told"}


def test_the_web_app_scheduler_tells_a_change_within_seconds(seeded_sqlite_url) -> None:
    engine = make_engine(seeded_sqlite_url, poolclass=NullPool)
    uow = make_uow_factory(make_session_factory(engine), timezone="Europe/Paris")
    with uow() as work:
        session = work.session
        vehicle = session.scalar(select(Vehicle.id).where(Vehicle.plate == "AB-123-CD"))
        staff = session.scalar(select(StaffUser.id).where(StaffUser.role == "mechanic").limit(1))
        conversation = Conversation(channel="web", external_id="demo-camille", language="fr")
        session.add(conversation)
        work.commit()
        conversation_id = conversation.id
    with web_client(seeded_sqlite_url, scheduler=True) as client:
        jobs = {job.id: job for job in client.app.state.scheduler.get_jobs()}
        assert jobs[JOB_NOTICES_JOB_ID].trigger.interval.total_seconds() == 5
        job = open_walk_in(
            uow(),
            agency_code="paris-nord",
            vehicle_id=vehicle,
            problem="Révision",
            by_staff_id=staff,
            now=datetime.now(timezone.utc),
        )
        deadline = time.monotonic() + 15
        while events(uow, job.id) != [("received", "told")] and time.monotonic() < deadline:
            time.sleep(0.2)
    assert events(uow, job.id) == [("received", "told")]
    [message] = out_messages(uow, conversation_id)
    assert "Ducati Monster 821 (AB-123-CD)" in message.text
    engine.dispose()


def test_the_demo_jobs_history_is_not_told_at_start(garage) -> None:
    vehicle, _ = garage.customer()
    garage.open(vehicle)
    with garage.uow() as uow:
        _demo_jobs_told(uow.session)
        uow.commit()

    assert pending_notices(garage.uow(), garage.now) == []


def test_events_older_than_the_migration_are_history_not_pushed(garage, migrated_url) -> None:
    vehicle, _ = garage.customer()
    job = garage.open(vehicle)

    manage.downgrade(migrated_url, "0020")
    manage.migrate(migrated_url)

    assert events(garage.uow, job) == [("received", "skipped")]
    assert pending_notices(garage.uow(), garage.now) == []


def send_estimate(garage: Garage, job_id: int) -> None:
    """Two lines (two discs, an hour and a half of labour) added and the estimate sent."""
    garage.move(job_id, "diagnosing")
    for kind, label, quantity, price in (
        ("part", "Disques", 200, 9_000),
        ("labour", "MO", 150, 6_000),
    ):
        estimates.add_line(
            garage.uow(),
            job_id,
            kind=kind,
            label=label,
            quantity_centi=quantity,
            unit_price_cents=price,
            by_staff_id=garage.staff,
        )
    version = get_job(garage.uow(), job_id).version
    estimates.send_estimate(
        garage.uow(), job_id, expected_version=version, by_staff_id=garage.staff, now=garage.now
    )


async def test_an_estimate_sent_comes_with_its_summary_pdf_link_and_decision_buttons(
    garage,
) -> None:
    vehicle, conversation = garage.customer(language="en")
    job = garage.open(vehicle)
    send_estimate(garage, job)
    links = DocumentLinks(secret="s3cret", base_url="https://pitlane.example")
    deps = replace(deps_for(garage.uow), links=links)

    assert await dispatch_job_notices(deps) == 3

    *_, summary, pdf, question = out_messages(garage.uow, conversation)
    assert summary.text.startswith("The estimate for your Ducati Monster (AB-1) is ready")
    assert "• Disques × 2: €180.00 excl. VAT" in summary.text
    assert "• MO × 1.5: €90.00 excl. VAT" in summary.text
    assert summary.text.endswith("Total excl. VAT €270.00 · VAT €54.00 · Total incl. VAT €324.00")
    [link] = pdf.payload["custom"]["links"]
    assert link["title"] == "Estimate (PDF)"
    token = link["url"].removeprefix("https://pitlane.example/documents/")
    assert read_token("s3cret", token, garage.now, kind="estimate") == ("estimate", job)
    assert question.text.startswith("Do you approve this estimate?")
    assert [b["payload"] for b in question.payload["buttons"]] == [
        f'/approve_estimate{{"estimate_job":"{job}"}}',
        f'/decline_estimate{{"estimate_job":"{job}"}}',
    ]
    assert events(garage.uow, job)[-1] == ("estimate_sent", "told")


async def test_an_estimate_told_in_an_sms_conversation_says_how_to_answer(garage) -> None:
    vehicle, conversation = garage.customer(channel="sms")
    job = garage.open(vehicle)
    send_estimate(garage, job)

    await dispatch_job_notices(deps_for(garage.uow))  # no links configured: no PDF message

    *_, summary, how = out_messages(garage.uow, conversation)
    assert "Total TTC" in summary.text
    assert how.text.startswith("On ne peut pas répondre à un devis par SMS")
    assert not (how.payload or {}).get("buttons")


async def test_the_customers_own_decision_is_not_told_again(garage) -> None:
    vehicle, conversation = garage.customer()
    job = garage.open(vehicle)
    send_estimate(garage, job)
    deps = deps_for(garage.uow)
    await dispatch_job_notices(deps)
    customer = get_job(garage.uow(), job).customer_id
    estimates.decide(
        garage.uow(), job, customer_id=customer, decision="approve", channel="web", now=garage.now
    )
    told = len(out_messages(garage.uow, conversation))

    assert await dispatch_job_notices(deps) == 0
    assert len(out_messages(garage.uow, conversation)) == told  # the chat answered it
    assert events(garage.uow, job)[-1] == ("approved", "told")
