"""The end of a human chat through the hub: the customer ends it, rates it, asks for its
transcript; a transfer tells the customer and both consoles. Real database (SQLite), a
local stand-in for Rasa's HTTP API (tests/integration/test_hub_handoff.py), the development
e-mail transport (the outbox)."""

# ruff: noqa: F811 (the fixtures imported from test_hub_handoff are parameters here)
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

from core import handoff
from core.models import ChannelIdentity, Customer, OtpChallenge
from core.notify import OutboxTransport, outbox_messages
from hub.inbound import (
    HubDeps,
    accept_request,
    close_request,
    handle_customer_message,
    transfer_request,
)
from hub.topics import advisor_topic, conversation_topic
from tests.integration.test_hub_handoff import (  # noqa: F401 (fixtures)
    Clock,
    FakeRasa,
    ask,
    clock,
    drained,
    hub,
    new_advisor,
    open_request,
    rasa,
    uows,
)


async def _accepted(hub: HubDeps, uows, clock: Clock, external_id: str = "visitor-1"):
    advisor = new_advisor(uows, clock.now)
    await ask(hub, external_id)
    request = open_request(uows, external_id)
    await accept_request(hub, request.id, advisor)
    return request, advisor


async def test_the_customer_ends_the_chat_the_advisor_is_told_and_the_bot_answers_again(
    hub: HubDeps, rasa: FakeRasa, uows, clock: Clock
) -> None:
    request, advisor = await _accepted(hub, uows, clock)
    clock.advance(minutes=3)

    async with hub.bus.subscribe(advisor_topic(advisor)) as console:
        ending, question = await handle_customer_message(
            hub, "web", "visitor-1", "/end_advisor_chat"
        )
        [status] = drained(console)
    [answer] = await handle_customer_message(hub, "web", "visitor-1", "merci")

    view = handoff.get_request(uows(), request.id)
    assert (view.status, view.ended_by) == ("closed", "customer")
    assert ending.text.startswith("Vous avez terminé la conversation avec Nina Martin")
    assert ending.custom == {"advisor_chat": {"status": "ended"}}
    assert question.text.startswith("Comment s'est passé votre échange avec Nina Martin")
    assert len(question.buttons) == 5  # no verified e-mail: no transcript button
    assert status["type"] == "status" and status["status"] == "closed"
    assert [event for _, event in rasa.events] == ["pause", "resume"]
    assert answer.text == "bot: merci" and "/end_advisor_chat" not in rasa.messages


async def test_typed_words_end_the_chat_and_other_words_reach_the_advisor(
    hub: HubDeps, rasa: FakeRasa, uows, clock: Clock
) -> None:
    request, _ = await _accepted(hub, uows, clock)

    kept = await handle_customer_message(hub, "web", "visitor-1", "je voudrais terminer")
    ended = await handle_customer_message(hub, "web", "visitor-1", "Terminer la conversation !")

    assert kept == []  # went to the advisor
    assert ended[0].text.startswith("Vous avez terminé la conversation")
    assert handoff.get_request(uows(), request.id).status == "closed"


async def test_a_rating_is_stored_once_and_thanked(
    hub: HubDeps, rasa: FakeRasa, uows, clock: Clock
) -> None:
    request, advisor = await _accepted(hub, uows, clock)
    await close_request(hub, request.id, advisor)

    [thanks] = await handle_customer_message(hub, "web", "visitor-1", '/rate_chat{"score": 5}')
    [twice] = await handle_customer_message(hub, "web", "visitor-1", '/rate_chat{"score": 1}')
    [nothing] = await handle_customer_message(hub, "web", "visitor-2", '/rate_chat{"score": 3}')

    assert thanks.text == "Merci pour votre note (5/5) !"
    assert twice.text.startswith("Vous avez déjà noté cette conversation")
    assert nothing.text.startswith("Je ne trouve pas de conversation récente")
    assert handoff.get_request(uows(), request.id).rating == 5
    assert not any("rate_chat" in message for message in rasa.messages)


def _verified(uows, external_id: str, email: str, clock: Clock) -> None:
    """The customer of `external_id` has `email`, proved by a code typed back."""
    conversation_id = open_request(uows, external_id).conversation_id
    with uows() as uow:
        session = uow.session
        customer = Customer(name="Camille Durand", language="fr", email=email)
        session.add(customer)
        session.flush()
        session.add(
            ChannelIdentity(channel="web", external_id=external_id, customer_id=customer.id)
        )
        session.add(
            OtpChallenge(
                purpose="identify",
                conversation_id=conversation_id,
                customer_id=customer.id,
                transport="email",
                destination=email,
                secret="JBSWY3DPEHPK3PXP",
                counter=1,
                created_at=clock.now,
                expires_at=clock.now + timedelta(minutes=5),
                consumed_at=clock.now,
            )
        )
        uow.commit()


async def test_the_transcript_is_offered_and_e_mailed_once_to_the_verified_address(
    hub: HubDeps, rasa: FakeRasa, uows, clock: Clock
) -> None:
    hub = dataclasses.replace(hub, transports={"email": OutboxTransport("email", uows)})
    clock.now = datetime.now(timezone.utc)  # the messages are stored at the real time
    request, advisor = await _accepted(hub, uows, clock)
    _verified(uows, "visitor-1", "camille@example.fr", clock)
    await handle_customer_message(hub, "web", "visitor-1", "Ma moto cale à froid")
    clock.advance(minutes=2)

    async with hub.bus.subscribe(conversation_topic(request.conversation_id)) as widget:
        await close_request(hub, request.id, advisor)
        _, question = drained(widget)
    [sent] = await handle_customer_message(hub, "web", "visitor-1", "/email_transcript")
    [again] = await handle_customer_message(hub, "web", "visitor-1", "/email_transcript")

    assert question["buttons"][-1] == {
        "title": "Recevoir la transcription par e-mail",
        "payload": "/email_transcript",
    }
    assert sent.text == "La transcription de la conversation a été envoyée à c•••@example.fr."
    assert again.text.startswith("La transcription de cette conversation vous a déjà été")
    [mail] = outbox_messages(uows())
    assert mail["destination"] == "camille@example.fr"
    assert mail["subject"] == "Votre conversation avec Nina Martin"
    assert "Vous : Ma moto cale à froid" in mail["body"]


async def test_without_a_verified_address_no_transcript_leaves(
    hub: HubDeps, rasa: FakeRasa, uows, clock: Clock
) -> None:
    hub = dataclasses.replace(hub, transports={"email": OutboxTransport("email", uows)})
    request, advisor = await _accepted(hub, uows, clock)
    await close_request(hub, request.id, advisor)

    [refused] = await handle_customer_message(hub, "web", "visitor-1", "/email_transcript")

    assert refused.text.startswith("Je ne peux envoyer la transcription qu'à une adresse")
    assert outbox_messages(uows()) == []


async def test_a_transfer_tells_the_customer_and_both_consoles(
    hub: HubDeps, rasa: FakeRasa, uows, clock: Clock
) -> None:
    request, advisor = await _accepted(hub, uows, clock)
    colleague = new_advisor(uows, clock.now, name="Paul Petit")

    async with (
        hub.bus.subscribe(conversation_topic(request.conversation_id)) as widget,
        hub.bus.subscribe(advisor_topic(advisor)) as before,
        hub.bus.subscribe(advisor_topic(colleague)) as after,
    ):
        view = await transfer_request(hub, request.id, advisor, colleague, "veut un devis")
        [notice] = drained(widget)
        [old], [new] = drained(before), drained(after)
    answers = await handle_customer_message(hub, "web", "visitor-1", "toujours là ?")

    assert view.advisor_id == colleague
    assert notice["text"].startswith("Paul Petit reprend la conversation avec vous")
    assert notice["custom"] == {"advisor_chat": {"status": "accepted", "advisor": "Paul Petit"}}
    assert old["request_id"] == new["request_id"] == request.id
    assert answers == [] and "toujours là ?" not in rasa.messages  # to Paul, not to Rasa
