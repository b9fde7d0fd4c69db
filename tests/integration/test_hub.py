"""The hub on a real migrated, seeded SQLite database; Rasa down, slow, or a local stand-in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from channels.bus import Bus
from channels.rasa_client import RasaClient
from core import conversations
from core.db import make_engine, make_session_factory
from core.uow import UnitOfWork, uow_factory
from hub.inbound import HubDeps, conversation_history, handle_customer_message
from hub.intents import RASA_DEFAULT_INTENTS
from hub.messages import Button
from tests.integration.web_support import closed_port, local_http_server, stored_messages

INTENTS = frozenset({"greet", "choose", "check_maintenance", "contact_info", "stop"})
UNAVAILABLE_FR = "L'assistant est momentanément indisponible"
UNAVAILABLE_EN = "The assistant is unavailable right now"


@pytest.fixture
def uows(seeded_sqlite_url: str) -> Iterator:
    engine = make_engine(seeded_sqlite_url)
    yield uow_factory(make_session_factory(engine), timezone="Europe/Paris")
    engine.dispose()


def hub_on(uows, rasa_url: str, timeout: float = 1.0) -> HubDeps:
    return HubDeps(
        uow_factory=uows, brain=RasaClient(rasa_url, timeout), bus=Bus(), intents=INTENTS
    )


@pytest.fixture
def hub_without_rasa(uows) -> HubDeps:
    return hub_on(uows, f"http://127.0.0.1:{closed_port()}")


async def test_says_unavailable_and_keeps_the_message_as_failed_when_rasa_is_unreachable(
    hub_without_rasa: HubDeps, seeded_sqlite_url: str
) -> None:
    answers = await handle_customer_message(hub_without_rasa, "web", "visitor-1", "bonjour", {})

    assert len(answers) == 1 and answers[0].text.startswith(UNAVAILABLE_FR)
    inbound, outbound = stored_messages(seeded_sqlite_url)
    assert (inbound.channel, inbound.external_id, inbound.direction) == ("web", "visitor-1", "in")
    assert (inbound.text, inbound.sender, inbound.status) == ("bonjour", "customer", "failed")
    assert (outbound.direction, outbound.status) == ("out", "sent")
    assert outbound.text.startswith(UNAVAILABLE_FR)


async def test_says_unavailable_when_rasa_answers_later_than_the_timeout(
    uows, seeded_sqlite_url: str
) -> None:
    with local_http_server([{"recipient_id": "x", "text": "too late"}], delay=2.0) as (url, _):
        hub = hub_on(uows, url, timeout=0.3)
        answers = await handle_customer_message(hub, "rest", "slow-1", "hello there", {})

    assert answers[0].text.startswith(UNAVAILABLE_EN)  # English detected in the text
    assert [m.status for m in stored_messages(seeded_sqlite_url)] == ["failed", "sent"]


async def test_says_unavailable_in_english_when_the_conversation_is_in_english(
    hub_without_rasa: HubDeps, seeded_sqlite_url: str
) -> None:
    await conversation_history(hub_without_rasa, "web", "visitor-en", "en-GB")

    answers = await handle_customer_message(hub_without_rasa, "web", "visitor-en", "hi", {})

    assert answers[0].text.startswith(UNAVAILABLE_EN)
    assert stored_messages(seeded_sqlite_url)[0].language == "en"


@pytest.mark.parametrize("text", ["", "   \n\t ", "\x00\x07"])
async def test_answers_an_empty_message_without_storing_anything(
    hub_without_rasa: HubDeps, seeded_sqlite_url: str, text: str
) -> None:
    answers = await handle_customer_message(hub_without_rasa, "web", "visitor-2", text, {})

    assert "vide" in answers[0].text
    assert stored_messages(seeded_sqlite_url) == []


async def test_answers_a_message_over_2000_characters_without_storing_anything(
    hub_without_rasa: HubDeps, seeded_sqlite_url: str
) -> None:
    metadata = {"language": "en"}
    answers = await handle_customer_message(
        hub_without_rasa, "web", "visitor-3", "x" * 2001, metadata
    )

    assert "too long" in answers[0].text
    assert stored_messages(seeded_sqlite_url) == []


async def test_accepts_a_message_of_exactly_2000_characters(
    hub_without_rasa: HubDeps, seeded_sqlite_url: str
) -> None:
    await handle_customer_message(hub_without_rasa, "web", "visitor-4", "é" * 2000, {})

    assert stored_messages(seeded_sqlite_url)[0].text == "é" * 2000


@pytest.mark.parametrize(
    "payload", ["/buy_a_ferrari", '/choose{"agency": "x"', "/choose[1]", "/", "/ greet"]
)
async def test_stores_an_unknown_payload_and_answers_unknown_choice_with_the_menu(
    hub_without_rasa: HubDeps, seeded_sqlite_url: str, payload: str
) -> None:
    answers = await handle_customer_message(hub_without_rasa, "web", "visitor-5", payload, {})

    assert answers[0].text.startswith("Je ne connais pas ce choix")
    assert "/check_maintenance" in [b.payload for b in answers[0].buttons]
    inbound, outbound = stored_messages(seeded_sqlite_url)  # Rasa (down) was not asked
    assert (inbound.text, inbound.status) == (payload, "answered")
    assert outbound.payload["buttons"][0]["payload"] == "/check_maintenance"


async def test_reoffers_the_last_buttons_after_an_unknown_payload(
    hub_without_rasa: HubDeps, uows, seeded_sqlite_url: str
) -> None:
    offer = [{"title": "Lyon Gerland", "payload": '/choose{"agency": "lyon-gerland"}'}]
    bot_said(uows, "web", "visitor-6", "Quelle agence ?", offer)

    answers = await handle_customer_message(hub_without_rasa, "web", "visitor-6", "/nope", {})

    assert answers[0].buttons == [Button("Lyon Gerland", '/choose{"agency": "lyon-gerland"}')]


async def test_passes_known_payloads_with_entities_to_rasa(
    hub_without_rasa: HubDeps, seeded_sqlite_url: str
) -> None:
    payload = '/choose{"slot_choice": "2030-01-07T08:00:00+00:00"}'

    answers = await handle_customer_message(hub_without_rasa, "web", "visitor-7", payload, {})

    assert answers[0].text.startswith(UNAVAILABLE_FR)  # it went to Rasa, which is down
    assert stored_messages(seeded_sqlite_url)[0].status == "failed"


async def test_sends_the_sender_id_and_channel_metadata_and_stores_the_answers(
    uows, seeded_sqlite_url: str
) -> None:
    rasa_answer = [
        {"recipient_id": "rest:cli-1", "text": "Bonjour !"},
        {
            "recipient_id": "rest:cli-1",
            "text": "Que voulez-vous faire ?",
            "buttons": [{"title": "Nous contacter", "payload": "/contact_info"}],
        },
    ]
    with local_http_server(rasa_answer) as (url, received):
        hub = hub_on(uows, url)
        answers = await handle_customer_message(
            hub, "rest", "cli-1", "  salut  ", {"language": "fr-FR"}
        )

    assert received == [
        {
            "sender": "rest:cli-1",
            "message": "salut",
            "metadata": {"channel": "rest", "external_id": "cli-1", "language": "fr"},
        }
    ]
    assert [a.text for a in answers] == ["Bonjour !", "Que voulez-vous faire ?"]
    assert answers[1].buttons == [Button("Nous contacter", "/contact_info")]
    stored = stored_messages(seeded_sqlite_url)
    assert [(m.direction, m.status) for m in stored] == [("in", "answered")] + [("out", "sent")] * 2
    assert stored[2].payload == {
        "buttons": [{"title": "Nous contacter", "payload": "/contact_info"}]
    }


async def test_history_shows_button_titles_and_hides_payloads_sent_by_code(
    uows, seeded_sqlite_url: str
) -> None:
    offer = [{"title": "Nous contacter", "payload": "/contact_info"}]
    with local_http_server([{"recipient_id": "web:v", "text": "Menu", "buttons": offer}]) as (
        url,
        _,
    ):
        hub = hub_on(uows, url)
        await handle_customer_message(hub, "web", "visitor-8", "/greet", {})
        await handle_customer_message(hub, "web", "visitor-8", "/contact_info", {})

        history = await conversation_history(hub, "web", "visitor-8")

    assert [(e.role, e.message.text) for e in history] == [
        ("bot", "Menu"),
        ("customer", "Nous contacter"),
        ("bot", "Menu"),
    ]
    assert history[0].message.buttons == [Button("Nous contacter", "/contact_info")]


async def test_refuses_a_malformed_external_id(hub_without_rasa: HubDeps) -> None:
    with pytest.raises(ValueError):
        await handle_customer_message(hub_without_rasa, "web", "a b<script>", "hi", {})


def test_rasa_default_intents_are_always_known() -> None:
    assert {"restart", "session_start", "nlu_fallback"} <= RASA_DEFAULT_INTENTS


def bot_said(uows, channel: str, external_id: str, text: str, buttons: list[dict]) -> None:
    uow: UnitOfWork = uows()
    with uow:
        conversation = conversations.get_or_create_conversation(uow, channel, external_id)
        conversations.record_message(
            uow,
            conversation.id,
            direction="out",
            sender="bot",
            text=text,
            payload={"buttons": buttons},
            status="sent",
        )
        uow.commit()
