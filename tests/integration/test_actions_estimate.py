"""The customer's answer to an estimate in the chat (actions/estimate.py): a button naming
the job or not (the one waiting), recorded once with its time and channel for an identified
customer; identification first otherwise; several estimates waiting: which one; another customer's
job, an estimate already answered, none waiting: said, nothing changed. A typed yes or no
answers the question only when it is the last thing said to the customer. The repair status
offers the estimate waiting (actions/repair.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from sqlalchemy import select, update

from actions.estimate import ActionEstimateDecision
from actions.history import ActionVehicleHistory
from actions.repair import ActionRepairStatus
from core import estimate_chat, estimates, invoices
from core.booking_documents import DocumentLinks
from core.conversations import get_or_create_conversation, record_message
from core.formatting import format_money
from core.jobs import get_job, move
from core.models import JobEvent, RepairJob, StaffUser
from core.signed_links import read_token
from core.uow import UnitOfWork
from tests.integration.actions_kit import WEB_VISITOR, context, message_tracker, run
from tests.integration.test_actions_profile import identify_visitor
from tests.integration.test_actions_repair import camille_job, no_demo_jobs  # noqa: F401

DONE = [
    SlotSet("estimate_identify", False),
    SlotSet("estimate_decision", None),
    SlotSet("estimate_choice", None),
]
SECRET = "test-document-secret"


def staff_id(uow: Callable[[], UnitOfWork]) -> int:
    with uow() as work:
        found = work.session.scalar(select(StaffUser.id).order_by(StaffUser.id).limit(1))
    assert found is not None
    return found


def estimate_sent(uow: Callable[[], UnitOfWork], now: datetime) -> int:
    """Camille's job with an estimate of two lines sent (brake pads, one hour of labour)."""
    job_id = camille_job(uow, now, "diagnosing")
    staff = staff_id(uow)
    estimates.add_line(
        uow(),
        job_id,
        kind="part",
        label="Plaquettes de frein",
        quantity_centi=200,
        unit_price_cents=4_500,
        by_staff_id=staff,
    )
    estimates.add_line(
        uow(),
        job_id,
        kind="labour",
        label="Main-d'œuvre",
        quantity_centi=100,
        unit_price_cents=6_000,
        by_staff_id=staff,
    )
    version = get_job(uow(), job_id).version
    estimates.send_estimate(uow(), job_id, expected_version=version, by_staff_id=staff, now=now)
    return job_id


def answer(intent: str, job_id: int | None = None, *, text: str = "", **slots):
    entities = [] if job_id is None else [{"entity": "estimate_job", "value": str(job_id)}]
    return message_tracker(
        text or estimate_chat.decision_payload(intent.split("_")[0], job_id or 0),
        intent=intent,
        metadata=WEB_VISITOR,
        slots={"language": "fr", **slots},
        entities=entities,
    )


def texts(messages: list[dict]) -> list[str]:
    return [message.get("text") or "" for message in messages]


async def test_a_button_records_the_approval_once_with_its_time_and_channel(
    seeded_uow_factory, now
) -> None:
    identify_visitor(seeded_uow_factory, now)
    job_id = estimate_sent(seeded_uow_factory, now)
    action = ActionEstimateDecision(context=context(seeded_uow_factory, now))

    events, messages = await run(action, answer("approve_estimate", job_id))

    assert events == DONE
    [message] = texts(messages)
    assert message.startswith("C'est noté : vous acceptez le devis de 180,00")
    assert "Ducati Monster 821 (AB-123-CD)" in message
    view = estimates.estimate_of(seeded_uow_factory(), job_id)
    assert view is not None
    assert (view.status, view.decision_channel, view.decided_at) == ("approved", "web", now)
    assert get_job(seeded_uow_factory(), job_id).status == "approved"
    # answered in the chat: the approval's notice is not sent again by the scheduler
    with seeded_uow_factory() as uow:
        notice = uow.session.scalar(
            select(JobEvent.notice).where(
                JobEvent.job_id == job_id, JobEvent.to_status == "approved"
            )
        )
    assert notice == "told"

    again, messages = await run(action, answer("approve_estimate", job_id))

    assert again == DONE
    assert texts(messages) == [
        "Ce devis a déjà reçu votre réponse : rien n'a changé. Pour revenir dessus, "
        "contactez l'agence Pitlane Paris Nord."
    ]
    assert estimates.estimate_of(seeded_uow_factory(), job_id).decided_at == now


async def test_an_answer_naming_no_job_declines_the_one_estimate_waiting(
    seeded_uow_factory, now
) -> None:
    identify_visitor(seeded_uow_factory, now)
    job_id = estimate_sent(seeded_uow_factory, now)
    action = ActionEstimateDecision(context=context(seeded_uow_factory, now))

    events, messages = await run(
        action, answer("decline_estimate", text="trop cher, ne faites pas les travaux")
    )

    assert events == DONE
    assert texts(messages)[0].startswith("C'est noté : vous refusez le devis")
    assert get_job(seeded_uow_factory(), job_id).status == "declined"


async def test_with_two_estimates_waiting_the_customer_is_asked_which(
    seeded_uow_factory, now
) -> None:
    identify_visitor(seeded_uow_factory, now)
    first = estimate_sent(seeded_uow_factory, now)
    second = estimate_sent(seeded_uow_factory, now + timedelta(hours=1))
    action = ActionEstimateDecision(context=context(seeded_uow_factory, now))

    events, messages = await run(action, answer("approve_estimate", text="j'accepte le devis"))

    assert events == DONE
    [question] = messages
    assert question["text"] == "Vous avez plusieurs devis en attente. Lequel acceptez-vous ?"
    assert [b["payload"] for b in question["buttons"]] == [
        f'/approve_estimate{{"estimate_job":"{first}"}}',
        f'/approve_estimate{{"estimate_job":"{second}"}}',
    ]
    assert question["buttons"][0]["title"].startswith("Ducati Monster 821 (AB-123-CD) — 180,00")
    assert {get_job(seeded_uow_factory(), j).status for j in (first, second)} == {"estimate_sent"}


async def test_another_customers_job_changes_nothing(seeded_uow_factory, now) -> None:
    identify_visitor(seeded_uow_factory, now)
    job_id = estimate_sent(seeded_uow_factory, now)
    with seeded_uow_factory() as uow:  # the job is someone else's now
        uow.session.execute(update(RepairJob).values(customer_id=None))
        uow.commit()
    action = ActionEstimateDecision(context=context(seeded_uow_factory, now))

    for job in (job_id, 999_999):  # a forged button: someone's job, no job at all
        events, messages = await run(action, answer("approve_estimate", job))
        assert events == DONE
        assert texts(messages) == ["Je ne trouve pas ce devis parmi les vôtres : rien n'a changé."]
    assert get_job(seeded_uow_factory(), job_id).status == "estimate_sent"


async def test_nothing_waiting_is_said(seeded_uow_factory, now) -> None:
    identify_visitor(seeded_uow_factory, now)
    camille_job(seeded_uow_factory, now, "diagnosing")  # no estimate sent
    action = ActionEstimateDecision(context=context(seeded_uow_factory, now))

    _, messages = await run(action, answer("decline_estimate", text="je refuse le devis"))

    assert texts(messages) == ["Vous n'avez aucun devis en attente de réponse : rien n'a changé."]

    # typed with nothing waiting, an approval is most likely a quote from an earlier visit
    _, messages = await run(action, answer("approve_estimate", text="ok pour les travaux"))

    [message] = messages
    assert message["text"].startswith("Vous n'avez aucun devis en attente de réponse. Si vous")
    assert [b["payload"] for b in message["buttons"]] == ["/repair", "/show_menu"]


async def test_a_customer_not_identified_is_identified_first_then_the_answer_applies(
    seeded_uow_factory, now
) -> None:
    job_id = estimate_sent(seeded_uow_factory, now)
    action = ActionEstimateDecision(context=context(seeded_uow_factory, now))

    events, messages = await run(action, answer("approve_estimate", job_id))

    assert events == [
        SlotSet("estimate_identify", True),
        SlotSet("estimate_decision", "approve"),
        SlotSet("estimate_choice", str(job_id)),
    ]
    assert texts(messages) == [
        "Pour répondre à un devis, je dois d'abord identifier votre véhicule."
    ]
    assert get_job(seeded_uow_factory(), job_id).status == "estimate_sent"

    identify_visitor(seeded_uow_factory, now)
    back = message_tracker(
        "123456",
        metadata=WEB_VISITOR,
        slots={
            "estimate_identify": True,
            "estimate_decision": "approve",
            "estimate_choice": str(job_id),
        },
    )
    events, messages = await run(action, back)

    assert events == DONE
    assert get_job(seeded_uow_factory(), job_id).status == "approved"


async def test_a_failed_identification_only_clears_the_slots(seeded_uow_factory, now) -> None:
    job_id = estimate_sent(seeded_uow_factory, now)
    action = ActionEstimateDecision(context=context(seeded_uow_factory, now))
    back = message_tracker(
        "XY-999-ZZ",
        metadata=WEB_VISITOR,
        slots={"estimate_identify": True, "estimate_decision": "decline"},
    )

    assert await run(action, back) == (DONE, [])
    assert get_job(seeded_uow_factory(), job_id).status == "estimate_sent"


async def test_an_sms_conversation_is_told_how_to_answer(seeded_uow_factory, now) -> None:
    identify_visitor(seeded_uow_factory, now)
    job_id = estimate_sent(seeded_uow_factory, now)
    action = ActionEstimateDecision(context=context(seeded_uow_factory, now))
    tracker = answer("approve_estimate", job_id)
    tracker.sender_id = "sms:+33612345678"

    _, messages = await run(action, tracker)

    assert "SMS" in texts(messages)[0]
    assert get_job(seeded_uow_factory(), job_id).status == "estimate_sent"


async def test_the_repair_status_offers_the_estimate_waiting(seeded_uow_factory, now) -> None:
    identify_visitor(seeded_uow_factory, now)
    job_id = estimate_sent(seeded_uow_factory, now)
    links = DocumentLinks(secret=SECRET, base_url="https://pitlane.example")
    ctx = context(seeded_uow_factory, now)
    action = ActionRepairStatus(context=type(ctx)(**{**ctx.__dict__, "links": links}))
    tracker = message_tracker(
        "où en est ma réparation ?", intent="ask_repair_status", metadata=WEB_VISITOR
    )

    _, messages = await run(action, tracker)

    intro, job, summary, pdf, question = messages
    assert job["status"] == "devis envoyé, en attente de votre accord"
    euros = {cents: format_money(cents, "fr") for cents in (9_000, 6_000, 15_000, 3_000, 18_000)}
    assert summary["text"].splitlines() == [
        "Devis pour votre Ducati Monster 821 (AB-123-CD), agence Pitlane Paris Nord :",
        f"• Plaquettes de frein × 2 : {euros[9_000]} HT",
        f"• Main-d'œuvre : {euros[6_000]} HT",
        f"Total HT {euros[15_000]} · TVA {euros[3_000]} · Total TTC {euros[18_000]}",
    ]
    [link] = pdf["custom"]["links"]
    assert link["title"] == "Devis (PDF)"
    token = link["url"].removeprefix("https://pitlane.example/documents/")
    assert read_token(SECRET, token, now, kind="estimate") == ("estimate", job_id)
    assert [b["payload"] for b in question["buttons"]] == [
        f'/approve_estimate{{"estimate_job":"{job_id}"}}',
        f'/decline_estimate{{"estimate_job":"{job_id}"}}',
    ]


async def test_the_history_gives_the_invoice_of_a_returned_job(seeded_uow_factory, now) -> None:
    identify_visitor(seeded_uow_factory, now)
    job_id = estimate_sent(seeded_uow_factory, now)
    customer = get_job(seeded_uow_factory(), job_id).customer_id
    estimates.decide(
        seeded_uow_factory(),
        job_id,
        customer_id=customer,
        decision="approve",
        channel="web",
        now=now,
    )
    staff = staff_id(seeded_uow_factory)
    for status in ("in_progress", "ready_for_pickup"):
        version = get_job(seeded_uow_factory(), job_id).version
        move(
            seeded_uow_factory(),
            job_id,
            status,
            expected_version=version,
            by_staff_id=staff,
            now=now,
        )
    invoice = invoices.issue_invoice(seeded_uow_factory(), job_id, by_staff_id=staff, now=now)
    version = get_job(seeded_uow_factory(), job_id).version
    move(
        seeded_uow_factory(),
        job_id,
        "returned",
        expected_version=version,
        by_staff_id=staff,
        now=now,
    )
    links = DocumentLinks(secret=SECRET)
    ctx = context(seeded_uow_factory, now)
    action = ActionVehicleHistory(context=type(ctx)(**{**ctx.__dict__, "links": links}))

    _, messages = await run(action, message_tracker("historique de ma moto", metadata=WEB_VISITOR))

    [invoice_links] = [m["custom"]["links"] for m in messages if m.get("custom")]
    assert [link["title"] for link in invoice_links] == [f"Facture {invoice.number} (PDF)"]
    token = invoice_links[0]["url"].removeprefix("/documents/")
    assert read_token(SECRET, token, now, kind="invoice") == ("invoice", invoice.id)

    _, without = await run(
        ActionVehicleHistory(context=ctx), message_tracker("historique", metadata=WEB_VISITOR)
    )
    assert not [m for m in without if m.get("custom")]  # no links configured: none given


def said_last(uow: Callable[[], UnitOfWork], text: str, buttons: list[dict] | None = None) -> None:
    """The bot's (or a notice's) latest message to the web visitor, stored as the hub stores
    it."""
    conversation = get_or_create_conversation(uow(), "web", "visitor-1")
    record_message(
        uow(),
        conversation.id,
        direction="out",
        sender="workshop",
        text=text,
        payload={"buttons": buttons} if buttons else None,
        status="sent",
    )


def question_asked(uow: Callable[[], UnitOfWork], job_id: int) -> None:
    buttons = estimate_chat.decision_buttons(job_id, "fr")
    said_last(
        uow,
        estimate_chat.question("fr"),
        [{"title": b.title, "payload": b.payload} for b in buttons],
    )


def asked_identified(
    uow: Callable[[], UnitOfWork], now: datetime
) -> tuple[int, ActionEstimateDecision]:
    """The identified visitor's estimate sent, its question the last thing said to them."""
    identify_visitor(uow, now)
    job_id = estimate_sent(uow, now)
    question_asked(uow, job_id)
    return job_id, ActionEstimateDecision(context=context(uow, now))


def typed(intent: str, text: str, **slots) -> Tracker:
    return message_tracker(
        text, intent=intent, metadata=WEB_VISITOR, slots={"language": "fr", **slots}
    )


def test_only_a_message_with_both_decision_buttons_asks_for_a_decision() -> None:
    both = [
        {"title": b.title, "payload": b.payload} for b in estimate_chat.decision_buttons(7, "fr")
    ]
    assert estimate_chat.asks_decision({"buttons": both})
    assert not estimate_chat.asks_decision({"buttons": both[:1]})  # "which one" approvals
    assert not estimate_chat.asks_decision(
        {"buttons": [{"title": "Menu", "payload": "/show_menu"}]}
    )
    assert not estimate_chat.asks_decision(None)
    assert not estimate_chat.asks_decision({"buttons": "/approve_estimate{}"})


async def test_a_typed_yes_right_after_the_question_approves_the_estimate(
    seeded_uow_factory, now
) -> None:
    job_id, action = asked_identified(seeded_uow_factory, now)

    events, messages = await run(action, typed("affirm", "oui allez-y"))

    assert events == DONE
    [message] = texts(messages)
    assert message.startswith("C'est noté : vous acceptez le devis de 180,00")
    view = estimates.estimate_of(seeded_uow_factory(), job_id)
    assert (view.status, view.decision_channel) == ("approved", "web")


async def test_a_typed_no_right_after_the_question_declines_the_estimate(
    seeded_uow_factory, now
) -> None:
    job_id, action = asked_identified(seeded_uow_factory, now)

    events, _ = await run(action, typed("deny", "non merci c'est trop cher"))

    assert events == DONE
    assert get_job(seeded_uow_factory(), job_id).status == "declined"


async def test_a_yes_or_no_after_something_else_is_the_menu_or_goodbye(
    seeded_uow_factory, now
) -> None:
    job_id, action = asked_identified(seeded_uow_factory, now)
    said_last(seeded_uow_factory, "Pitlane Paris Nord : 01 23 45 67 89")  # asked something else

    yes_events, yes = await run(action, typed("affirm", "oui"))
    no_events, no = await run(action, typed("deny", "non"))

    assert yes_events == no_events == DONE
    assert [m.get("response") for m in yes] == ["utter_menu"]
    assert [m.get("response") for m in no] == ["utter_goodbye"]
    assert get_job(seeded_uow_factory(), job_id).status == "estimate_sent"


async def test_a_typed_yes_from_a_customer_not_identified_waits_for_the_identification(
    seeded_uow_factory, now
) -> None:
    job_id = estimate_sent(seeded_uow_factory, now)
    question_asked(seeded_uow_factory, job_id)
    action = ActionEstimateDecision(context=context(seeded_uow_factory, now))

    events, _ = await run(action, typed("affirm", "ok je valide"))

    assert events == [
        SlotSet("estimate_identify", True),
        SlotSet("estimate_decision", "approve"),
        SlotSet("estimate_choice", None),
    ]
    identify_visitor(seeded_uow_factory, now)
    said_last(seeded_uow_factory, "Votre véhicule est identifié.")
    # the identification's last answer was a "no" to another question: the decision kept wins
    back = typed(
        "deny", "non", estimate_identify=True, estimate_decision="approve", estimate_choice=None
    )
    events, _ = await run(action, back)

    assert events == DONE
    assert get_job(seeded_uow_factory(), job_id).status == "approved"
