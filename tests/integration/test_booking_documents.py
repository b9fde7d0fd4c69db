"""A booking's confirmation as documents against a real database: the links the chat gives
after a booking and in "my bookings", the documents they open on the real app (and the
expired or forged ones that open nothing), and the confirmation e-mail with the invite
attached, sent to a local SMTP server only to an address the customer proved."""

from __future__ import annotations

import email
import socket
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool

from actions.base import ActionContext
from actions.booking import ValidateBookingForm
from actions.my_bookings import ActionMyBookings
from actions.workflow import ActionResetWorkflow
from core import signed_links
from core.booking_documents import (
    DocumentLinks,
    booking_ids,
    verified_email,
)
from core.bookings import book_slot, list_bookings, offer_slots
from core.conversations import get_or_create_conversation
from core.customers import find_customer
from core.models import Booking, OtpChallenge
from core.notify import OutboxTransport, outbox_messages
from core.uow import UnitOfWork
from documents.kinds import booking_pdf_document
from tests.integration.actions_kit import CAMILLE, form_tracker, message_tracker, run
from tests.integration.web_support import web_client
from transports import SmtpEmailTransport

UowFactory = Callable[[], UnitOfWork]
SECRET = "a-test-secret-of-enough-length-000"
BASE = "https://pitlane.example.com"
THURSDAY_9 = "2025-11-20T08:00:00+00:00"  # free at Paris Nord (tests/conftest.py's demo)


@pytest.fixture
def ctx(seeded_uow_factory: UowFactory, now: datetime) -> ActionContext:
    return ActionContext(
        uow=seeded_uow_factory,
        timezone="Europe/Paris",
        clock=lambda: now,
        links=DocumentLinks(SECRET, timedelta(days=7), BASE),
        mail_from="Pitlane <no-reply@pitlane.example>",
    )


def prove_email(uow: UowFactory, now: datetime, destination: str = "camille.martin@example.fr"):
    """Camille typed the code sent to `destination` (a consumed e-mail challenge)."""
    customer = find_customer(uow(), "web", "demo-camille")
    conversation = get_or_create_conversation(uow(), "web", "demo-camille")
    with uow() as work:
        work.session.add(
            OtpChallenge(
                purpose="verify_contact",
                conversation_id=conversation.id,
                customer_id=customer.id,
                transport="email",
                destination=destination,
                secret="JBSWY3DPEHPK3PXP",
                counter=1,
                created_at=now,
                expires_at=now + timedelta(minutes=5),
                attempts=0,
                consumed_at=now,
            )
        )
        work.commit()
    return customer.id


def confirm_turn() -> Any:
    return form_tracker(
        "booking_form",
        slots={
            "service_code": "maintenance",
            "agency": "paris-nord",
            "slot_choice": THURSDAY_9,
            "customer_known": True,
            "language": "fr",
        },
        candidates={"slot_confirmed": True},
        requested="slot_confirmed",
        metadata=CAMILLE,
    )


def camille_booking(ctx: ActionContext) -> str:
    customer = find_customer(ctx.uow(), "web", "demo-camille")
    slot = offer_slots(ctx.uow(), "paris-nord", "maintenance", ctx.now()).slots[0]
    return book_slot(
        ctx.uow(),
        agency_code="paris-nord",
        service_code="maintenance",
        start_utc=slot.start_utc,
        customer_id=customer.id,
        channel="web",
        now=ctx.now(),
    ).reference


def token_of(url: str) -> str:
    assert url.startswith(f"{BASE}/documents/")
    return url.rsplit("/", 1)[1]


# ---- in the chat


async def test_the_confirmation_is_followed_by_the_invite_and_pdf_links(ctx) -> None:
    reference = camille_booking(ctx)
    tracker = message_tracker("", slots={"booking_reference": reference}, metadata=CAMILLE)

    _, messages = await run(ActionResetWorkflow(context=ctx), tracker)

    [links_message, closing] = messages
    assert closing["response"] == "utter_anything_else"
    links = links_message["custom"]["links"]
    assert [(link["kind"], link["title"]) for link in links] == [
        ("booking_ics", "Ajouter à mon agenda"),
        ("booking_pdf", "Confirmation PDF"),
    ]
    booking_id = booking_ids(
        ctx.uow(), find_customer(ctx.uow(), "web", "demo-camille").id, [reference]
    )[reference]
    for link in links:
        kind, object_id = signed_links.read_token(SECRET, token_of(link["url"]), ctx.now())
        assert (kind, object_id) == (link["kind"], booking_id)
        expired = ctx.now() + timedelta(days=7)
        with pytest.raises(signed_links.InvalidLink):
            signed_links.read_token(SECRET, token_of(link["url"]), expired)


async def test_no_links_for_someone_elses_reference_nor_without_a_booking(ctx) -> None:
    reference = camille_booking(ctx)
    other = {"channel": "web", "external_id": "demo-lea", "language": None}
    theirs = message_tracker("", slots={"booking_reference": reference}, metadata=other)
    nothing = message_tracker("", metadata=CAMILLE)

    _, refused = await run(ActionResetWorkflow(context=ctx), theirs)
    _, plain = await run(ActionResetWorkflow(context=ctx), nothing)

    assert [m["response"] for m in refused] == ["utter_anything_else"]
    assert [m["response"] for m in plain] == ["utter_anything_else"]


async def test_my_bookings_gives_each_upcoming_booking_its_two_links(ctx) -> None:
    first, second = camille_booking(ctx), camille_booking(ctx)
    tracker = message_tracker("mes rendez-vous", intent="my_bookings", metadata=CAMILLE)

    _, messages = await run(ActionMyBookings(context=ctx), tracker)

    for reference in (first, second):
        [index] = [i for i, m in enumerate(messages) if m.get("booking") == reference]
        links = messages[index + 1]["custom"]["links"]
        assert [link["kind"] for link in links] == ["booking_ics", "booking_pdf"]
    with_buttons = [m for m in messages if m.get("buttons")]
    assert with_buttons[-1]["buttons"][-1]["payload"] == "/show_menu"


# ---- the documents the links open


def test_the_links_open_the_pdf_and_the_invite_and_expired_or_forged_ones_nothing(
    seeded_sqlite_url: str,
) -> None:
    engine = create_engine(seeded_sqlite_url, poolclass=NullPool)
    with engine.connect() as connection:
        booking_id, reference = connection.execute(
            select(Booking.id, Booking.reference).where(Booking.customer_id.is_not(None))
        ).first()
    engine.dispose()
    with web_client(seeded_sqlite_url) as client:
        secret = client.app.state.settings.document_link_secret.get_secret_value()
        now = datetime.now(timezone.utc)
        pdf = client.get(
            f"/documents/{signed_links.make_token(secret, 'booking_pdf', booking_id, now)}"
        )
        ics = client.get(
            f"/documents/{signed_links.make_token(secret, 'booking_ics', booking_id, now)}"
        )
        old = signed_links.make_token(secret, "booking_pdf", booking_id, now - timedelta(days=8))
        forged = signed_links.make_token(
            "not-the-secret-of-the-app", "booking_pdf", booking_id, now
        )
        missing = signed_links.make_token(secret, "booking_pdf", 999_999, now)
        answers = {
            name: client.get(f"/documents/{token}").status_code
            for name, token in (("old", old), ("forged", forged), ("missing", missing))
        }
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and reference in pdf.headers["content-disposition"]
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert f"UID:booking-{reference}@pitlane".encode() in ics.content
    assert answers == {"old": 410, "forged": 403, "missing": 404}


def test_the_pdf_document_is_named_after_the_booking(ctx) -> None:
    reference = camille_booking(ctx)
    customer = find_customer(ctx.uow(), "web", "demo-camille")
    booking_id = booking_ids(ctx.uow(), customer.id, [reference])[reference]
    document = booking_pdf_document(ctx.uow(), booking_id)
    assert document.filename == f"confirmation-rdv-{reference}.pdf"
    assert document.media_type == "application/pdf" and document.data.startswith(b"%PDF-")


# ---- the confirmation e-mail


def test_only_an_address_the_customer_proved_is_verified(ctx) -> None:
    customer = find_customer(ctx.uow(), "web", "demo-camille")
    assert verified_email(ctx.uow(), customer.id) is None
    prove_email(ctx.uow, ctx.now(), "someone.else@example.fr")
    assert verified_email(ctx.uow(), customer.id) is None
    prove_email(ctx.uow, ctx.now(), "Camille.Martin@example.fr")
    assert verified_email(ctx.uow(), customer.id) == "camille.martin@example.fr"


async def test_a_booking_e_mails_the_invite_to_a_verified_address(ctx, smtp_server) -> None:
    inbox, port = smtp_server
    prove_email(ctx.uow, ctx.now())
    smtp = SmtpEmailTransport(
        "127.0.0.1", port, "Pitlane <no-reply@pitlane.example>", starttls=False
    )
    form = ValidateBookingForm(context=ctx, transports={"email": smtp})

    events, _ = await run(form, confirm_turn())

    [reference] = [e["value"] for e in events if e.get("name") == "booking_reference"]
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["camille.martin@example.fr"]
    message = email.message_from_bytes(envelope.content)
    assert message.get_content_type() == "multipart/mixed"
    assert reference in message["Subject"]
    parts = [p for p in message.walk() if not p.is_multipart()]
    body = parts[0].get_payload(decode=True).decode()
    assert reference in body and f"{BASE}/documents/booking_pdf." in body
    [invite] = [p for p in parts if p.get_content_type() == "text/calendar"]
    assert invite.get_param("method") == "REQUEST"
    assert invite.get_filename() == f"{reference}.ics"
    ics = invite.get_payload(decode=True).decode()
    assert "METHOD:REQUEST" in ics and "ATTENDEE;ROLE=REQ-PARTICIPANT" in ics
    assert "mailto:camille.martin@example.fr" in ics
    assert "ORGANIZER:mailto:no-reply@pitlane.example" in ics


async def test_no_e_mail_without_a_verified_address(ctx, smtp_server) -> None:
    inbox, port = smtp_server
    smtp = SmtpEmailTransport(
        "127.0.0.1", port, "Pitlane <no-reply@pitlane.example>", starttls=False
    )

    events, _ = await run(
        ValidateBookingForm(context=ctx, transports={"email": smtp}), confirm_turn()
    )

    assert any(e.get("name") == "booking_reference" for e in events)
    assert inbox.envelopes == []


async def test_an_smtp_failure_changes_nothing_about_the_booking(ctx) -> None:
    prove_email(ctx.uow, ctx.now())
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    smtp = SmtpEmailTransport("127.0.0.1", closed, "no-reply@pitlane.example", starttls=False)

    events, _ = await run(
        ValidateBookingForm(context=ctx, transports={"email": smtp}), confirm_turn()
    )

    [reference] = [e["value"] for e in events if e.get("name") == "booking_reference"]
    booked = [b for b in list_bookings(ctx.uow()) if b.reference == reference]
    assert len(booked) == 1 and booked[0].status == "confirmed"


async def test_the_development_outbox_names_the_attachment(ctx) -> None:
    prove_email(ctx.uow, ctx.now())
    outbox = OutboxTransport("email", ctx.uow)

    events, _ = await run(
        ValidateBookingForm(context=ctx, transports={"email": outbox}), confirm_turn()
    )

    [reference] = [e["value"] for e in events if e.get("name") == "booking_reference"]
    [kept] = outbox_messages(ctx.uow())
    assert kept["destination"] == "camille.martin@example.fr"
    assert f"{reference}.ics (text/calendar)" in kept["body"]
