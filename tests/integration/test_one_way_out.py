"""Every kind of proactive message takes the hub's one way out (hub/outbound.py `send_out`):
stored once in the customer's conversation, delivered once through the channel's sender,
published once on the conversation's topic. A recording sender stands at the network edge
and the in-process bus is listened to."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from backoffice.customer_notice import tell_conversation
from channels.bus import Bus
from core import conversations, handoff, notifications, rooms
from hub.advisor import accept_request, advisor_send, close_request, refuse_request
from hub.deps import HubDeps
from hub.handoff import expire_requests
from hub.messages import OutgoingMessage
from hub.offers import fan_out
from hub.reminders import ReminderDeps, send_due_reminder
from hub.rooms import ban, delete, update
from hub.topics import conversation_topic
from tests.integration.test_hub_handoff import new_advisor
from tests.integration.test_reminders_store import AGENCY, SERVICE, book, due_at

CHANNEL = "telegram"
CUSTOMER = "4242"


class QuietBrain:
    """Takes the tracker's pause and resume events; never asked to answer."""

    async def send(self, sender, message, metadata):  # pragma: no cover - never asked
        raise AssertionError("no customer message in these tests")

    async def record_event(self, sender, event) -> None:
        return None


@dataclass
class RecordingSender:
    channel: str = CHANNEL
    sent: list[tuple[str, OutgoingMessage]] = field(default_factory=list)

    async def send(self, external_id: str, message: OutgoingMessage) -> str | None:
        self.sent.append((external_id, message))
        return f"provider-{len(self.sent)}"


@dataclass
class Edge:
    hub: HubDeps
    sender: RecordingSender


@pytest.fixture
def edge(uow_factory, now) -> Edge:
    sender = RecordingSender()
    hub = HubDeps(
        uow_factory=uow_factory,
        brain=QuietBrain(),
        bus=Bus(),
        clock=lambda: now,
        senders={CHANNEL: sender},
        delivery_delays=(0.0,),
    )
    return Edge(hub, sender)


@pytest.fixture
def calendar(add_calendar) -> None:
    add_calendar(AGENCY, SERVICE, capacity=4)


def stored_out(uow_factory, conversation_id: int) -> list:
    return [
        m for m in conversations.transcript(uow_factory(), conversation_id) if m.direction == "out"
    ]


async def goes_out_once(
    edge: Edge,
    uow_factory,
    conversation_id: int,
    act: Callable[[], Awaitable[Any]],
    delivered_to: str | None = CUSTOMER,
    count: int = 1,
) -> str:
    """Run `act`; exactly `count` messages were stored, each delivered once (to
    `delivered_to`; None: a widget conversation, with no sender) and published once. Their
    texts, a line each."""
    before = len(stored_out(uow_factory, conversation_id))
    sent_before = len(edge.sender.sent)
    async with edge.hub.bus.subscribe(conversation_topic(conversation_id)) as events:
        await act()
        published = events.take_waiting()
    stored = stored_out(uow_factory, conversation_id)[before:]
    delivered = edge.sender.sent[sent_before:]

    assert len(stored) == count, [m.text for m in stored]
    assert all(m.status == "sent" for m in stored)
    texts = [m.text for m in stored]
    expected = [] if delivered_to is None else [(delivered_to, text) for text in texts]
    assert [(external_id, m.text) for external_id, m in delivered] == expected
    assert [event["text"] for event in published] == texts
    return "\n".join(texts)


async def test_handoff_notices_and_advisor_replies_go_out_once(
    edge: Edge, uow_factory, add_conversation, now: datetime
) -> None:
    conversation_id = add_conversation(CHANNEL, CUSTOMER)
    advisor = new_advisor(uow_factory, now)
    wait = timedelta(minutes=10)
    request = handoff.request_handoff(uow_factory(), conversation_id, now, wait)
    hub = edge.hub

    joined = await goes_out_once(
        edge, uow_factory, conversation_id, lambda: accept_request(hub, request.id, advisor)
    )
    reply = await goes_out_once(
        edge,
        uow_factory,
        conversation_id,
        lambda: advisor_send(hub, request.id, advisor, "Bonjour, je regarde votre dossier."),
    )
    closed = await goes_out_once(  # the notice, then the rating question
        edge,
        uow_factory,
        conversation_id,
        lambda: close_request(hub, request.id, advisor),
        count=2,
    )
    await hub.tracker_events.drain()

    assert "Nina" in joined
    assert reply == "Bonjour, je regarde votre dossier."
    assert "a terminé la conversation" in closed and "note de 1 à 5" in closed


async def test_a_refused_and_an_expired_request_are_told_once(
    edge: Edge, uow_factory, add_conversation, now: datetime
) -> None:
    refused_id = add_conversation(CHANNEL, CUSTOMER)
    advisor = new_advisor(uow_factory, now)
    first = handoff.request_handoff(uow_factory(), refused_id, now, timedelta(minutes=10))
    hub = edge.hub

    await goes_out_once(
        edge, uow_factory, refused_id, lambda: refuse_request(hub, first.id, advisor, "Fermé")
    )
    second = handoff.request_handoff(uow_factory(), refused_id, now, timedelta(seconds=30))
    later = replace(hub, clock=lambda: now + timedelta(minutes=1))
    expired = Edge(later, edge.sender)

    await goes_out_once(expired, uow_factory, refused_id, lambda: expire_requests(later))
    assert handoff.get_request(uow_factory(), second.id).status == "expired"


async def test_reminders_and_surveys_go_out_once(
    edge: Edge, uow_factory, add_conversation, calendar, now: datetime, local_dt
) -> None:
    booked = book(
        uow_factory,
        add_conversation,
        start=local_dt(2025, 11, 24, 9, 0),
        now=now,
        channel=CHANNEL,
        external_id=CUSTOMER,
    )
    conversation_id = conversations.get_or_create_conversation(uow_factory(), CHANNEL, CUSTOMER).id
    deps = ReminderDeps(hub=edge.hub, transports={}, timezone="Europe/Paris")
    reminder_due = due_at(uow_factory, booked.reminder_id)
    survey_due = due_at(uow_factory, booked.survey_id)

    async def remind() -> None:
        assert await send_due_reminder(deps, booked.reminder_id, reminder_due) is True

    async def survey() -> None:
        assert await send_due_reminder(deps, booked.survey_id, survey_due) is True

    await goes_out_once(edge, uow_factory, conversation_id, remind)
    await goes_out_once(edge, uow_factory, conversation_id, survey)


async def test_a_complaint_answer_goes_out_once(edge: Edge, uow_factory, add_conversation) -> None:
    conversation_id = add_conversation(CHANNEL, CUSTOMER)
    conversation = conversations.get_conversation(uow_factory(), conversation_id)

    async def answer() -> None:
        assert await tell_conversation(edge.hub, conversation, "Votre réclamation est traitée.")

    text = await goes_out_once(edge, uow_factory, conversation_id, answer)
    assert text == "Votre réclamation est traitée."


async def test_a_commercial_offer_goes_out_once_to_each_channel_customer(
    edge: Edge, uow_factory, add_conversation, now: datetime
) -> None:
    conversation_id = add_conversation(CHANNEL, CUSTOMER)
    view = notifications.create_notification(
        uow_factory(), title="Offre d'hiver", body="Révision à -20 %.", now=now
    )

    async def offer() -> None:
        assert await fan_out(edge.hub, view) == 1

    text = await goes_out_once(edge, uow_factory, conversation_id, offer)
    assert text.startswith("Offre d'hiver")


def room_with(uow_factory, now: datetime, name: str, *members: int) -> int:
    """A room of two seats with `members` joined in that order (the last is the latest)."""
    room_id = rooms.create_room(uow_factory(), name=name, capacity=2, now=now).id
    for number, conversation_id in enumerate(members):
        rooms.join_room(uow_factory(), room_id, conversation_id, f"Membre {number}", now)
    return room_id


FRENCH_ROOM_NOTICES = (
    "Vous avez été retiré du salon « Balades » par la modération.",
    "Le salon « Circuit » a été réduit et vous n'en faites plus partie.",
    "Le salon « Atelier » a été fermé.",
)
ENGLISH_ROOM_NOTICES = (
    "You were removed from the room “Balades” by the moderators.",
    "The room “Circuit” got smaller and you were moved out.",
    "The room “Atelier” was closed.",
)


@pytest.mark.parametrize(
    ("channel", "language", "delivered_to", "expected"),
    [
        (CHANNEL, "fr", CUSTOMER, FRENCH_ROOM_NOTICES),  # a push channel: delivered too
        ("web", "en", None, ENGLISH_ROOM_NOTICES),  # a widget: stored and published
    ],
    ids=["telegram-fr", "widget-en"],
)
async def test_room_notices_go_out_once_to_the_member(
    edge: Edge,
    uow_factory,
    add_conversation,
    now: datetime,
    channel: str,
    language: str,
    delivered_to: str | None,
    expected: tuple[str, str, str],
) -> None:
    member = add_conversation(channel, CUSTOMER, language=language)
    other = add_conversation()
    hub = edge.hub
    banned_from = room_with(uow_factory, now, "Balades", other, member)
    shrunk = room_with(uow_factory, now, "Circuit", other, member)
    closing = room_with(uow_factory, now, "Atelier", member, other)
    membership = rooms.room_members(uow_factory(), banned_from)[-1]

    async def ban_member() -> None:
        await ban(hub, banned_from, member_id=membership.id, staff_id=1)

    async def shrink() -> None:
        assert (await update(hub, shrunk, capacity=1, evict=True))[1] == 1

    async def close() -> None:
        await delete(hub, closing)

    told = [
        await goes_out_once(edge, uow_factory, member, act, delivered_to)
        for act in (ban_member, shrink, close)
    ]

    assert tuple(told) == expected


async def test_a_closed_room_tells_each_member_once_and_a_second_deletion_no_one(
    edge: Edge, uow_factory, add_conversation, now: datetime
) -> None:
    first, second = add_conversation(), add_conversation()
    room_id = room_with(uow_factory, now, "Balades", first, second)
    hub = edge.hub

    await delete(hub, room_id)
    after_first = [len(stored_out(uow_factory, c)) for c in (first, second)]
    async with hub.bus.subscribe(conversation_topic(first)) as events:
        await delete(hub, room_id)
        published = events.take_waiting()

    assert after_first == [1, 1]
    assert [len(stored_out(uow_factory, c)) for c in (first, second)] == [1, 1]
    assert published == []
