"""The advisor handoff through the hub, on a real migrated and seeded SQLite database.

Rasa is played by a tiny local HTTP server that answers the REST webhook as told and
records every request, including the pause/resume events posted to the tracker API (Rasa
itself is exercised by the end-to-end tests). The clock is controlled.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool

from channels import web as web_module
from channels.bus import Bus, Subscription
from channels.rasa_client import RasaClient
from core import conversations, handoff, staff
from core.db import make_engine, make_session_factory
from core.errors import AlreadyTaken, Conflict, Forbidden, InvalidValue
from core.models import HandoffRequest
from core.uow import UnitOfWork, uow_factory
from hub.inbound import (
    HubDeps,
    accept_request,
    advisor_send,
    close_request,
    conversation_history,
    expire_requests,
    handle_customer_message,
    refuse_request,
    run_expiry_sweeper,
)
from hub.messages import Button, OutgoingMessage
from hub.outbound import Destination, send_out
from hub.topics import advisor_topic, conversation_topic, queue_topic
from hub.tracker_events import TrackerEvents
from tests.http_stub import StubHandler, serving
from tests.integration.web_support import stored_messages, web_client
from tests.integration.widget_support import authenticated_socket, customer_key, issue_token

INTENTS = frozenset({"greet", "ask_advisor", "cancel_advisor", "contact_info", "stop"})
REQUEST = [{"recipient_id": "x", "custom": {"handoff": "request"}}]
CANCEL = [{"recipient_id": "x", "custom": {"handoff": "cancel"}}]
T0 = datetime(2026, 3, 10, 14, 0, tzinfo=timezone.utc)


# ------------------------------------------------------------------ a stand-in for Rasa


@dataclass
class FakeRasa:
    """Answers the REST webhook from `answers` (by message text, else an echo) and accepts
    tracker events, failing the first `failing_events` of them with a 500."""

    url: str = ""
    answers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    failing_events: int = 0
    requests: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def messages(self) -> list[str]:
        return [body["message"] for path, body in self.requests if path.startswith("/webhooks")]

    @property
    def events(self) -> list[tuple[str, str]]:
        """(path, event name) of the tracker events received, failed ones included."""
        return [(p.split("?")[0], b["event"]) for p, b in self.requests if "/tracker/" in p]


@contextmanager
def fake_rasa() -> Iterator[FakeRasa]:
    rasa = FakeRasa()

    class Handler(StubHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("content-length", "0"))
            body = json.loads(self.rfile.read(length) or b"null")
            rasa.requests.append((self.path, body))
            status, answer = 200, {}
            if self.path.startswith("/webhooks/rest/webhook"):
                echo = [{"recipient_id": body["sender"], "text": f"bot: {body['message']}"}]
                answer = rasa.answers.get(body["message"], echo)
            elif rasa.failing_events > 0:
                rasa.failing_events -= 1
                status = 500
            self.answer_json(status, answer)

    with serving(Handler) as url:
        rasa.url = url
        yield rasa


# ------------------------------------------------------------------ fixtures


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def uows(seeded_sqlite_url: str) -> Iterator[Callable[[], UnitOfWork]]:
    engine = make_engine(seeded_sqlite_url)
    yield uow_factory(make_session_factory(engine), timezone="Europe/Paris")
    engine.dispose()


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    with fake_rasa() as server:
        server.answers = {"je veux un conseiller": REQUEST, "annuler ma demande": CANCEL}
        yield server


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def hub(uows, rasa: FakeRasa, clock: Clock) -> HubDeps:
    return HubDeps(
        uow_factory=uows,
        brain=RasaClient(rasa.url, 2.0),
        intents=INTENTS,
        bus=Bus(),
        clock=clock,
        tracker_events=TrackerEvents(retry_delay=0.01),
    )


def new_advisor(uows, now: datetime, name: str = "Nina Martin", available: bool = True) -> int:
    email = f"{name.split()[0].lower()}@pitlane.example"
    advisor = staff.create_staff_user(
        uows(), email=email, name=name, role="advisor", password="correct-horse-42"
    )
    staff.set_availability(uows(), advisor.id, available=available, now=now)
    return advisor.id


def open_request(uows, external_id: str, channel: str = "web") -> handoff.HandoffView | None:
    conversation = conversations.get_or_create_conversation(uows(), channel, external_id)
    return handoff.open_request_for(uows(), conversation.id)


def request_statuses(database_url: str) -> list[str]:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return list(
                connection.scalars(select(HandoffRequest.status).order_by(HandoffRequest.id))
            )
    finally:
        engine.dispose()


async def ask(hub: HubDeps, external_id: str, channel: str = "web") -> list:
    return await handle_customer_message(hub, channel, external_id, "je veux un conseiller", {})


def drained(subscription: Subscription) -> list[dict[str, Any]]:
    return subscription.take_waiting()


# ------------------------------------------------------------------ asking, queue, cancel


async def test_without_an_advisor_no_request_is_created_and_the_customer_is_told(
    hub: HubDeps, rasa: FakeRasa, seeded_sqlite_url: str
) -> None:
    async with hub.bus.subscribe(queue_topic()) as queue:
        [answer] = await ask(hub, "visitor-1")

    assert answer.text.startswith("Désolé, aucun conseiller n'est disponible")
    assert [b.payload for b in answer.buttons] == [
        "/request_callback",  # tests/integration/test_hub_callback.py
        "/check_maintenance",
        "/vehicle_info",
        "/contact_info",
    ]
    assert request_statuses(seeded_sqlite_url) == []
    assert queue.pending() == 0
    assert stored_messages(seeded_sqlite_url)[-1].text == answer.text


async def test_two_customers_are_told_their_place_and_the_wait(
    hub: HubDeps, uows, clock: Clock
) -> None:
    new_advisor(uows, clock.now)
    async with hub.bus.subscribe(queue_topic()) as queue:
        [first] = await ask(hub, "visitor-1")
        clock.advance(seconds=30)
        [second] = await ask(hub, "visitor-2")
        events = drained(queue)

    assert "n° 1 dans la file d'attente" in first.text
    assert "environ 3 min" in first.text  # no closed conversation yet: 3 minutes a place
    assert "n° 2 dans la file d'attente" in second.text and "environ 6 min" in second.text
    assert first.buttons == [Button("Annuler ma demande", "/cancel_advisor")]
    assert [(e["type"], e["status"]) for e in events] == [("queue", "pending")] * 2
    assert open_request(uows, "visitor-2").expires_at == clock.now + timedelta(minutes=10)


async def test_asking_again_while_waiting_repeats_the_place_without_asking_rasa(
    hub: HubDeps, rasa: FakeRasa, uows, clock: Clock
) -> None:
    new_advisor(uows, clock.now)
    await ask(hub, "visitor-1")

    [again] = await handle_customer_message(hub, "web", "visitor-1", "/ask_advisor", {})
    [typed] = await ask(hub, "visitor-1")

    assert again.text.startswith("Votre demande est déjà en cours : vous êtes n° 1")
    assert typed.text == again.text  # through Rasa this time: AlreadyOpen
    assert rasa.messages == ["je veux un conseiller", "je veux un conseiller"]


async def test_the_bot_keeps_answering_while_the_request_waits(
    hub: HubDeps, rasa: FakeRasa, uows, clock: Clock
) -> None:
    new_advisor(uows, clock.now)
    await ask(hub, "visitor-1")

    [answer] = await handle_customer_message(hub, "web", "visitor-1", "bonjour", {})

    assert answer.text == "bot: bonjour"


async def test_the_cancel_button_withdraws_the_request_without_asking_rasa(
    hub: HubDeps, rasa: FakeRasa, uows, clock: Clock, seeded_sqlite_url: str
) -> None:
    new_advisor(uows, clock.now)
    await ask(hub, "visitor-1", channel="rest")

    async with hub.bus.subscribe(queue_topic()) as queue:
        [answer] = await handle_customer_message(hub, "rest", "visitor-1", "/cancel_advisor", {})
        [event] = drained(queue)

    assert answer.text.startswith("Votre demande de conseiller est annulée")
    assert "/ask_advisor" in [b.payload for b in answer.buttons]  # the menu again
    assert request_statuses(seeded_sqlite_url) == ["cancelled"]
    assert (event["type"], event["status"]) == ("queue", "cancelled")
    assert rasa.messages == ["je veux un conseiller"]


@pytest.mark.parametrize("typed", ["annuler", "Annulé !", "cancel"])
async def test_a_bare_cancel_word_withdraws_a_pending_request(
    hub: HubDeps, uows, clock: Clock, seeded_sqlite_url: str, typed: str
) -> None:
    new_advisor(uows, clock.now)
    await ask(hub, "visitor-1")

    [answer] = await handle_customer_message(hub, "web", "visitor-1", typed, {})

    assert "annulée" in answer.text or "cancelled" in answer.text
    assert request_statuses(seeded_sqlite_url) == ["cancelled"]


async def test_cancelling_in_words_goes_through_rasa(
    hub: HubDeps, rasa: FakeRasa, uows, clock: Clock, seeded_sqlite_url: str
) -> None:
    new_advisor(uows, clock.now)
    await ask(hub, "visitor-1")

    [answer] = await handle_customer_message(hub, "web", "visitor-1", "annuler ma demande", {})

    assert answer.text.startswith("Votre demande de conseiller est annulée")
    assert answer.buttons == []  # a form may be going on: its question comes next
    assert request_statuses(seeded_sqlite_url) == ["cancelled"]


async def test_cancelling_without_a_request_says_there_is_none(hub: HubDeps) -> None:
    [answer] = await handle_customer_message(hub, "web", "visitor-1", "annuler ma demande", {})

    assert answer.text == "Vous n'avez pas de demande de conseiller en cours."


async def test_the_hub_answers_in_english_for_an_english_customer(
    hub: HubDeps, rasa: FakeRasa, uows, clock: Clock
) -> None:
    new_advisor(uows, clock.now)
    rasa.answers["human please"] = REQUEST
    metadata = {"language": "en"}

    [answer] = await handle_customer_message(hub, "web", "visitor-en", "human please", metadata)

    assert answer.text.startswith("Your request has been passed on to our advisors.")
    assert "number 1 in the queue, estimated wait: about 3 min" in answer.text
    assert answer.buttons == [Button("Cancel my request", "/cancel_advisor")]


# ------------------------------------------------------------------ expiry


async def test_a_request_nobody_accepts_expires_and_the_customer_is_told(
    hub: HubDeps, uows, clock: Clock, seeded_sqlite_url: str
) -> None:
    new_advisor(uows, clock.now)
    await ask(hub, "visitor-1")
    conversation_id = open_request(uows, "visitor-1").conversation_id

    clock.advance(minutes=9, seconds=59)
    assert await expire_requests(hub) == []
    clock.advance(seconds=1)
    widget_topic = conversation_topic(conversation_id)
    async with hub.bus.subscribe(widget_topic) as widget, hub.bus.subscribe("queue") as queue:
        [expired] = await expire_requests(hub)
        [notice], [event] = drained(widget), drained(queue)

    assert expired.status == "expired"
    assert notice["type"] == "bot"
    assert notice["text"].startswith("Désolé, aucun conseiller n'a pu prendre votre demande")
    assert "/contact_info" in [b["payload"] for b in notice["buttons"]]
    assert (event["type"], event["status"]) == ("queue", "expired")
    last = stored_messages(seeded_sqlite_url)[-1]
    assert (last.sender, last.direction, last.text) == ("hub", "out", notice["text"])


async def test_the_sweeper_expires_requests_in_the_background(
    hub: HubDeps, uows, clock: Clock
) -> None:
    new_advisor(uows, clock.now)
    await ask(hub, "visitor-1")
    conversation_id = open_request(uows, "visitor-1").conversation_id
    clock.advance(minutes=11)

    async with hub.bus.subscribe(conversation_topic(conversation_id)) as widget:
        sweeper = asyncio.create_task(run_expiry_sweeper(hub, 0.01))
        try:
            notice = await asyncio.wait_for(widget.get(), timeout=5)
        finally:
            sweeper.cancel()

    assert "aucun conseiller n'a pu prendre votre demande" in notice["text"]
    assert open_request(uows, "visitor-1") is None


# ------------------------------------------------------------------ accepted, closed, refused


async def test_accepted_the_customer_is_told_who_and_messages_go_to_the_advisor_not_rasa(
    hub: HubDeps, rasa: FakeRasa, uows, clock: Clock, seeded_sqlite_url: str
) -> None:
    advisor = new_advisor(uows, clock.now)
    await ask(hub, "visitor-1")
    request = open_request(uows, "visitor-1")

    widget_topic, console_topic = (
        conversation_topic(request.conversation_id),
        advisor_topic(advisor),
    )
    async with (
        hub.bus.subscribe(widget_topic) as widget,
        hub.bus.subscribe(console_topic) as console,
    ):
        view = await accept_request(hub, request.id, advisor)
        [notice] = drained(widget)
        answers = await handle_customer_message(hub, "web", "visitor-1", "<b>bonjour</b>")
        await hub.tracker_events.drain()
        status, message = drained(console)

    assert view.status == "accepted"
    assert notice["text"].startswith("Vous êtes en relation avec Nina Martin")
    assert answers == []
    assert status == {
        "type": "status",
        "request_id": request.id,
        "conversation_id": request.conversation_id,
        "status": "accepted",
        "at": T0.isoformat(),
    }
    assert message == {
        "type": "message",
        "request_id": request.id,
        "conversation_id": request.conversation_id,
        "text": "<b>bonjour</b>",
        "at": T0.isoformat(),
    }
    assert rasa.messages == ["je veux un conseiller"]  # not the customer's message
    assert rasa.events == [("/conversations/web:visitor-1/tracker/events", "pause")]
    inbound = stored_messages(seeded_sqlite_url)[-1]
    assert (inbound.direction, inbound.text, inbound.status) == ("in", "<b>bonjour</b>", "answered")


async def test_a_second_advisor_accepting_the_same_request_is_refused(
    hub: HubDeps, uows, clock: Clock
) -> None:
    first, second = new_advisor(uows, clock.now), new_advisor(uows, clock.now, "Paul Roy")
    await ask(hub, "visitor-1")
    request = open_request(uows, "visitor-1")
    await accept_request(hub, request.id, first)

    with pytest.raises(AlreadyTaken):
        await accept_request(hub, request.id, second)
    await hub.tracker_events.drain()


async def test_closed_the_customer_is_told_resume_is_recorded_and_the_bot_answers_again(
    hub: HubDeps, rasa: FakeRasa, uows, clock: Clock
) -> None:
    advisor = new_advisor(uows, clock.now)
    await ask(hub, "visitor-1")
    request = open_request(uows, "visitor-1")
    await accept_request(hub, request.id, advisor)
    clock.advance(minutes=5)

    async with hub.bus.subscribe(conversation_topic(request.conversation_id)) as widget:
        view = await close_request(hub, request.id, advisor)
        [notice, rating] = drained(widget)
    [answer] = await handle_customer_message(hub, "web", "visitor-1", "merci")

    assert view.status == "closed" and view.ended_by == "advisor"
    assert notice["text"] == "Nina Martin a terminé la conversation. L'assistant reprend la main :"
    assert "/check_maintenance" in [b["payload"] for b in notice["buttons"]]
    assert rating["text"].startswith("Comment s'est passé votre échange avec Nina Martin ?")
    assert [b["payload"] for b in rating["buttons"]] == [  # no verified e-mail: no transcript
        f'/rate_chat{{"score": {score}}}' for score in range(1, 6)
    ]
    assert [event for _, event in rasa.events] == ["pause", "resume"]
    assert answer.text == "bot: merci"
    assert rasa.messages[-1] == "merci"


async def test_refused_the_customer_is_told_why_and_the_bot_carries_on(
    hub: HubDeps, rasa: FakeRasa, uows, clock: Clock
) -> None:
    advisor = new_advisor(uows, clock.now)
    await ask(hub, "visitor-1")
    request = open_request(uows, "visitor-1")

    widget_topic = conversation_topic(request.conversation_id)
    async with hub.bus.subscribe(widget_topic) as widget, hub.bus.subscribe("queue") as queue:
        view = await refuse_request(hub, request.id, advisor, "  fermeture   à 18 h ")
        [notice], [event] = drained(widget), drained(queue)
    [answer] = await handle_customer_message(hub, "web", "visitor-1", "bonjour")

    assert view.status == "refused"
    assert "(fermeture à 18 h)" in notice["text"]
    assert (event["type"], event["status"]) == ("queue", "refused")
    assert answer.text == "bot: bonjour"
    assert rasa.events == []


async def test_a_refusal_without_reason_says_none(hub: HubDeps, uows, clock: Clock) -> None:
    advisor = new_advisor(uows, clock.now)
    await ask(hub, "visitor-1")
    request = open_request(uows, "visitor-1")

    await refuse_request(hub, request.id, advisor)

    [*_, last] = await conversation_history(hub, "web", "visitor-1")
    assert last.message.text.startswith("Désolé, aucun conseiller ne peut vous répondre")
    assert "(" not in last.message.text


async def test_a_failed_pause_is_retried_once_and_never_blocks_the_advisor(
    hub: HubDeps, rasa: FakeRasa, uows, clock: Clock
) -> None:
    advisor = new_advisor(uows, clock.now)
    await ask(hub, "visitor-1")
    request = open_request(uows, "visitor-1")
    rasa.failing_events = 3  # the pause twice (given up), then the resume once (retried)

    await accept_request(hub, request.id, advisor)
    await close_request(hub, request.id, advisor)
    await hub.tracker_events.drain()

    assert [event for _, event in rasa.events] == ["pause", "pause", "resume", "resume"]


async def test_advisor_messages_are_stored_and_pushed_to_the_widget(
    hub: HubDeps, uows, clock: Clock, seeded_sqlite_url: str
) -> None:
    advisor = new_advisor(uows, clock.now)
    await ask(hub, "visitor-1")
    request = open_request(uows, "visitor-1")
    await accept_request(hub, request.id, advisor)

    async with hub.bus.subscribe(conversation_topic(request.conversation_id)) as widget:
        await advisor_send(hub, request.id, advisor, "  Bonjour, je regarde votre dossier.\n")
        [event] = drained(widget)
    history = await conversation_history(hub, "web", "visitor-1")
    await hub.tracker_events.drain()

    assert event == {
        "type": "advisor",
        "text": "Bonjour, je regarde votre dossier.",
        "author": "Nina Martin",
        "at": T0.isoformat(),
        # the stored message's id: a widget skips what its history already showed
        "message_id": history[-1].message_id,
    }
    last = stored_messages(seeded_sqlite_url)[-1]
    assert (last.sender, last.payload) == (f"advisor:{advisor}", {"author": "Nina Martin"})
    assert (history[-1].role, history[-1].message.author) == ("advisor", "Nina Martin")


async def test_only_the_advisor_holding_the_conversation_can_write_in_it(
    hub: HubDeps, uows, clock: Clock
) -> None:
    advisor, other = new_advisor(uows, clock.now), new_advisor(uows, clock.now, "Paul Roy")
    await ask(hub, "visitor-1")
    request = open_request(uows, "visitor-1")

    with pytest.raises(Conflict):  # still pending
        await advisor_send(hub, request.id, advisor, "Bonjour")
    await accept_request(hub, request.id, advisor)
    with pytest.raises(Forbidden):
        await advisor_send(hub, request.id, other, "Bonjour")
    with pytest.raises(InvalidValue):
        await advisor_send(hub, request.id, advisor, "  \n ")
    await hub.tracker_events.drain()


async def test_a_rest_customer_gets_advisor_messages_in_the_reply_to_their_next_message(
    hub: HubDeps, uows, clock: Clock
) -> None:
    advisor = new_advisor(uows, clock.now)
    await ask(hub, "cli-1", channel="rest")
    request = open_request(uows, "cli-1", channel="rest")
    await accept_request(hub, request.id, advisor)
    await advisor_send(hub, request.id, advisor, "Bonjour, c'est Nina.")

    first = await handle_customer_message(hub, "rest", "cli-1", "bonjour Nina")
    second = await handle_customer_message(hub, "rest", "cli-1", "vous êtes là ?")
    await hub.tracker_events.drain()

    assert [(m.text[:26], m.author) for m in first] == [
        ("Vous êtes en relation avec", None),
        ("Bonjour, c'est Nina.", "Nina Martin"),
    ]
    assert first[1].to_rest("cli-1") == {
        "recipient_id": "cli-1",
        "text": "Bonjour, c'est Nina.",
        "author": "Nina Martin",
    }
    assert second == []  # delivered once


async def test_the_widget_socket_receives_the_advisor_live(seeded_sqlite_url: str) -> None:
    with fake_rasa() as rasa:
        rasa.answers = {"je veux un conseiller": REQUEST}
        await asyncio.to_thread(widget_conversation_with_an_advisor, seeded_sqlite_url, rasa)


def widget_conversation_with_an_advisor(database_url: str, rasa: FakeRasa) -> None:
    """Runs in a thread: the TestClient runs the app's event loop in its own."""
    with web_client(database_url, rasa.url) as client:
        token = issue_token(client)
        client_id = customer_key(database_url, token)
        hub: HubDeps = client.app.state.hub
        engine = make_engine(database_url)
        uows = uow_factory(make_session_factory(engine))
        advisor = new_advisor(uows, datetime.now(timezone.utc))
        with authenticated_socket(client, "/ws/chat", token) as socket:
            assert socket.receive_json()["type"] == "history"
            socket.send_json({"type": "message", "text": "je veux un conseiller"})
            assert "n° 1 dans la file" in socket.receive_json()["text"]
            assert socket.receive_json() == {"type": "done"}
            request = open_request(uows, client_id)

            call(client, accept_request, hub, request.id, advisor)
            joined = socket.receive_json()
            call(client, advisor_send, hub, request.id, advisor, "<i>Bonjour</i> !")
            said = socket.receive_json()
            socket.send_json({"type": "message", "text": "Bonjour Nina"})
            done = socket.receive_json()
            call(client, close_request, hub, request.id, advisor)
            closed = socket.receive_json()
        with authenticated_socket(client, "/ws/chat", token) as socket:
            history = socket.receive_json()["messages"]
        call(client, hub.tracker_events.drain)
        engine.dispose()

    assert joined["type"] == "bot" and joined["text"].startswith("Vous êtes en relation avec")
    assert {k: said[k] for k in ("type", "text", "author")} == {
        "type": "advisor",
        "text": "<i>Bonjour</i> !",
        "author": "Nina Martin",
    }
    assert done == {"type": "done"}  # the customer's message went to Nina, not to the bot
    assert "L'assistant reprend la main" in closed["text"]
    assert rasa.messages == ["je veux un conseiller"]
    assert ("advisor", "Nina Martin") in [(m["type"], m.get("author")) for m in history]
    assert [event for _, event in rasa.events] == ["pause", "resume"]


async def test_a_message_sent_while_the_widget_connects_is_shown_once(
    seeded_sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The widget subscribes, then reads its history: a message stored and published in
    between (from another replica, say) is in both, and is shown once, in the history."""
    opened = web_module.open_conversation
    calls: list[int] = []

    async def open_with_a_message_in_between(hub, channel, external_id, language=None):
        conversation_id, history = await opened(hub, channel, external_id, language)
        calls.append(conversation_id)
        if len(calls) == 2:  # subscribed already: the notice is published to this widget too
            to = Destination(conversation_id, channel, external_id)
            await send_out(hub, to, OutgoingMessage(text="Votre moto est prête."))
            conversation_id, history = await opened(hub, channel, external_id, language)
        return conversation_id, history

    monkeypatch.setattr(web_module, "open_conversation", open_with_a_message_in_between)
    with fake_rasa() as rasa:
        rasa.answers = {"merci": [{"recipient_id": "x", "text": "Avec plaisir."}]}
        frames = await asyncio.to_thread(widget_frames_after_connecting, seeded_sqlite_url, rasa)

    history, reply = frames
    assert [m["text"] for m in history["messages"]] == ["Votre moto est prête."]
    assert reply["text"] == "Avec plaisir."  # not the notice a second time


def widget_frames_after_connecting(database_url: str, rasa: FakeRasa) -> list[dict[str, Any]]:
    with web_client(database_url, rasa.url) as client:
        token = issue_token(client)
        with authenticated_socket(client, "/ws/chat", token) as socket:
            history = socket.receive_json()
            socket.send_json({"type": "message", "text": "merci"})
            return [history, socket.receive_json()]


def call(client: TestClient, function: Callable[..., Any], *args: Any) -> Any:
    """Run an async function on the app's event loop (where the bus and sockets live)."""
    return client.portal.call(function, *args)
