"""Typing indicators through the hub (hub/typing_signals.py), on SQLite and PostgreSQL: who
is told, who is not, and how many signals pass. The sockets' side: test_typing_web.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from channels.bus import Bus, Subscription
from core import handoff
from core.models import Message
from core.uow import UnitOfWork
from hub.deps import HubDeps
from hub.throttle import TypingThrottle
from hub.topics import advisor_topic, conversation_topic
from hub.typing_signals import advisor_typing, customer_typing

UowFactory = Callable[[], UnitOfWork]


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


@dataclass
class Chat:
    """Camille's conversation with a pending request Nina may take; both topics followed."""

    request_id: int
    conversation_id: int
    advisor_id: int
    to_advisor: Subscription
    to_customer: Subscription


@dataclass
class FakeTelegram:
    """A sender with Telegram's chat action, recording it (or failing)."""

    channel: str = "telegram"
    failing: bool = False
    actions: list[str] = field(default_factory=list)

    async def send(self, external_id: str, message: Any) -> str:
        return "1"

    async def send_typing(self, external_id: str) -> None:
        if self.failing:
            raise RuntimeError("Telegram is down")
        self.actions.append(external_id)


@pytest.fixture
def throttle_clock() -> Clock:
    return Clock()


@pytest.fixture
def telegram() -> FakeTelegram:
    return FakeTelegram()


@pytest.fixture
def hub(
    uow_factory: UowFactory, throttle_clock: Clock, now: datetime, telegram: FakeTelegram
) -> HubDeps:
    return HubDeps(
        uow_factory=uow_factory,
        brain=None,  # type: ignore[arg-type]  # no turn reaches Rasa here
        bus=Bus(),
        clock=lambda: now,
        senders={"telegram": telegram},
        typing=TypingThrottle(clock=throttle_clock),
    )


async def open_chat(
    hub: HubDeps, stack: AsyncExitStack, add_staff, add_conversation, now: datetime, channel: str
) -> Chat:
    advisor = add_staff("Nina Martin", available=True, seen=now)
    conversation_id = add_conversation(channel, customer="Camille Durand")
    request = handoff.request_handoff(hub.uow_factory(), conversation_id, now)
    bus = hub.bus
    to_advisor = await stack.enter_async_context(bus.subscribe(advisor_topic(advisor)))
    to_customer = await stack.enter_async_context(
        bus.subscribe(conversation_topic(conversation_id))
    )
    return Chat(request.id, conversation_id, advisor, to_advisor, to_customer)


@pytest.fixture
async def chat(hub: HubDeps, add_staff, add_conversation, now: datetime) -> AsyncIterator[Chat]:
    async with AsyncExitStack() as stack:
        yield await open_chat(hub, stack, add_staff, add_conversation, now, "web")


def accept(hub: HubDeps, chat: Chat, now: datetime) -> None:
    handoff.accept(hub.uow_factory(), chat.request_id, chat.advisor_id, now)


def events(subscription: Subscription) -> list[dict[str, Any]]:
    return [{k: v for k, v in e.items() if k != "at"} for e in subscription.take_waiting()]


def stored_messages(hub: HubDeps) -> int:
    with hub.uow_factory() as uow:
        return uow.session.scalar(select(func.count()).select_from(Message))


async def test_the_customers_typing_reaches_the_advisor_holding_the_request_and_is_not_stored(
    hub: HubDeps, chat: Chat, now: datetime
) -> None:
    accept(hub, chat, now)
    before = stored_messages(hub)

    told = [await customer_typing(hub, chat.conversation_id, s) for s in ("on", "off")]

    assert told == [True, True]
    expected = {"type": "typing", "request_id": chat.request_id}
    expected["conversation_id"] = chat.conversation_id
    assert events(chat.to_advisor) == [{**expected, "state": "on"}, {**expected, "state": "off"}]
    assert events(chat.to_customer) == []
    assert stored_messages(hub) == before


async def test_a_customer_typing_without_an_accepted_request_publishes_nothing(
    hub: HubDeps, chat: Chat, now: datetime, add_conversation, throttle_clock: Clock
) -> None:
    pending = await customer_typing(hub, chat.conversation_id, "on")
    alone = await customer_typing(hub, add_conversation("web"), "on")
    accept(hub, chat, now)
    handoff.close(hub.uow_factory(), chat.request_id, chat.advisor_id, now)
    throttle_clock.seconds += 5
    closed = await customer_typing(hub, chat.conversation_id, "on")

    assert (pending, alone, closed) == (False, False, False)
    assert events(chat.to_advisor) == []


async def test_only_the_advisor_holding_the_accepted_request_types_to_its_customer(
    hub: HubDeps, chat: Chat, now: datetime, add_staff, throttle_clock: Clock
) -> None:
    too_early = await advisor_typing(hub, chat.request_id, chat.advisor_id, "on")
    accept(hub, chat, now)
    throttle_clock.seconds += 2  # the early signal counted: a repeated "on" waits 2 s
    other = add_staff("Paul Other", available=True, seen=now)
    admin = add_staff("Ada Admin", role="admin")

    others = [await advisor_typing(hub, chat.request_id, who, "on") for who in (other, admin)]
    unknown = await advisor_typing(hub, 987654, chat.advisor_id, "on")
    assert events(chat.to_customer) == []
    holder = await advisor_typing(hub, chat.request_id, chat.advisor_id, "on")

    assert (too_early, others, unknown, holder) == (False, [False, False], False, True)
    assert events(chat.to_customer) == [{"type": "typing", "state": "on", "author": "Nina Martin"}]
    assert events(chat.to_advisor) == []


async def test_a_flood_of_typing_signals_is_bounded(
    hub: HubDeps, chat: Chat, now: datetime, throttle_clock: Clock
) -> None:
    accept(hub, chat, now)
    alone_off = await customer_typing(hub, chat.conversation_id, "off")  # follows no "on"
    burst = [await customer_typing(hub, chat.conversation_id, "on") for _ in range(50)]
    throttle_clock.seconds += 2
    later = await customer_typing(hub, chat.conversation_id, "on")
    flapping = [
        await customer_typing(hub, chat.conversation_id, state) for state in ["off", "on"] * 25
    ]
    throttle_clock.seconds += 10
    next_window = await customer_typing(hub, chat.conversation_id, "off")

    assert alone_off is False
    assert burst.count(True) == 1 and burst[0] is True
    assert later is True
    assert flapping.count(True) == TypingThrottle().per_window - 2  # the window's first two
    assert next_window is True
    assert len(events(chat.to_advisor)) == TypingThrottle().per_window + 1


async def test_a_telegram_customer_sees_telegrams_own_typing_while_the_advisor_types(
    hub: HubDeps, add_staff, add_conversation, now: datetime, telegram: FakeTelegram
) -> None:
    async with AsyncExitStack() as stack:
        chat = await open_chat(hub, stack, add_staff, add_conversation, now, "telegram")
        accept(hub, chat, now)
        on = await advisor_typing(hub, chat.request_id, chat.advisor_id, "on")
        off = await advisor_typing(hub, chat.request_id, chat.advisor_id, "off")
        telegram.failing = True
        hub.typing.clock = lambda: 2000.0  # type: ignore[method-assign]
        failed = await advisor_typing(hub, chat.request_id, chat.advisor_id, "on")

    external_id = handoff.get_request(hub.uow_factory(), chat.request_id).external_id
    assert (on, off, failed) == (True, True, True)  # a lost chat action is nothing
    assert telegram.actions == [external_id]  # "on" only: Telegram's action ends by itself
