"""The hub offers a callback when no advisor is free: its own no-advisor message and the
bot's (utter_no_advisor) carry the "Être rappelé(e)" button, and a click goes to Rasa."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from channels.bus import Bus
from channels.rasa_client import RasaClient
from core.db import make_engine, make_session_factory
from core.uow import UnitOfWork, uow_factory
from hub.handoff import CALLBACK_PAYLOAD
from hub.inbound import HubDeps, handle_customer_message
from hub.intents import load_intents
from hub.messages import Button
from hub.tracker_events import TrackerEvents
from tests.dialogue_files import PROJECT, load_domain
from tests.integration.test_hub_handoff import REQUEST, T0, Clock, FakeRasa, fake_rasa
from tests.integration.web_support import stored_messages

ASK = "je veux un conseiller"


@pytest.fixture
def uows(seeded_sqlite_url: str) -> Iterator[Callable[[], UnitOfWork]]:
    engine = make_engine(seeded_sqlite_url)
    yield uow_factory(make_session_factory(engine), timezone="Europe/Paris")
    engine.dispose()


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    with fake_rasa() as server:
        server.answers = {ASK: REQUEST, "call me": REQUEST}
        yield server


@pytest.fixture
def hub(uows, rasa: FakeRasa) -> HubDeps:
    return HubDeps(
        uow_factory=uows,
        brain=RasaClient(rasa.url, 2.0),
        intents=load_intents(PROJECT),  # the real domain: /request_callback is known
        bus=Bus(),
        clock=Clock(T0),
        tracker_events=TrackerEvents(retry_delay=0.01),
    )


async def test_without_an_advisor_the_customer_is_offered_a_callback_first(
    hub: HubDeps, seeded_sqlite_url: str
) -> None:
    [answer] = await handle_customer_message(hub, "web", "visitor-1", ASK, {})

    assert "Un conseiller peut vous rappeler" in answer.text
    assert answer.buttons[0] == Button("Être rappelé(e)", CALLBACK_PAYLOAD)
    assert [b.payload for b in answer.buttons[1:]] == [
        "/check_maintenance",
        "/vehicle_info",
        "/contact_info",
    ]
    assert stored_messages(seeded_sqlite_url)[-1].text == answer.text


async def test_an_english_customer_gets_call_me_back(hub: HubDeps) -> None:
    [answer] = await handle_customer_message(
        hub, "web", "visitor-en", "call me", {"language": "en"}
    )

    assert "An advisor can call you back" in answer.text
    assert answer.buttons[0] == Button("Call me back", "/request_callback")


async def test_the_callback_button_goes_to_the_bot(hub: HubDeps, rasa: FakeRasa) -> None:
    await handle_customer_message(hub, "web", "visitor-1", ASK, {})

    [answer] = await handle_customer_message(hub, "web", "visitor-1", CALLBACK_PAYLOAD, {})

    assert rasa.messages == [ASK, CALLBACK_PAYLOAD]
    assert answer.text == f"bot: {CALLBACK_PAYLOAD}"


def test_the_bots_own_no_advisor_message_offers_the_callback_in_both_languages() -> None:
    variations = load_domain()["responses"]["utter_no_advisor"]

    firsts = [variation["buttons"][0] for variation in variations]

    assert firsts == [
        {"title": "Call me back", "payload": "/request_callback"},
        {"title": "Être rappelé(e)", "payload": "/request_callback"},
    ]
