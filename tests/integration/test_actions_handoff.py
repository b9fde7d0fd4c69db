"""Asking for an advisor: the bot says when nobody can answer, otherwise it asks the hub."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionCancelAdvisor, ActionRequestAdvisor
from core import conversations, handoff, staff
from core.uow import UnitOfWork
from tests.integration.actions_kit import context, message_tracker, run, said

UowFactory = Callable[[], UnitOfWork]


def custom(payload: dict) -> dict:
    """The message `dispatcher.utter_message(json_message=payload)` collects."""
    dispatcher = CollectingDispatcher()
    dispatcher.utter_message(json_message=payload)
    return dispatcher.messages[0]


def advisor(uows: UowFactory, now: datetime, *, available: bool = True, most: int = 3) -> int:
    view = staff.create_staff_user(
        uows(), email="nina@pitlane.example", name="Nina", role="advisor", password="long-enough-1"
    )
    staff.set_availability(uows(), view.id, available=available, max_conversations=most, now=now)
    return view.id


async def request_advisor(uows: UowFactory, now: datetime) -> tuple[list, list]:
    action = ActionRequestAdvisor(context=context(uows, now))
    return await run(action, message_tracker("un conseiller svp", intent="ask_advisor"))


async def test_without_any_advisor_the_bot_says_none_is_available(
    seeded_uow_factory: UowFactory, now: datetime
) -> None:
    events, messages = await request_advisor(seeded_uow_factory, now)

    assert events == []
    assert messages == [said("utter_no_advisor")]


async def test_an_available_advisor_makes_the_bot_ask_the_hub_for_a_handoff(
    seeded_uow_factory: UowFactory, now: datetime
) -> None:
    advisor(seeded_uow_factory, now)

    events, messages = await request_advisor(seeded_uow_factory, now)

    assert events == []
    assert messages == [custom({"handoff": "request"})]


async def test_an_advisor_marked_away_is_not_available(
    seeded_uow_factory: UowFactory, now: datetime
) -> None:
    advisor(seeded_uow_factory, now, available=False)

    _, messages = await request_advisor(seeded_uow_factory, now)

    assert messages == [said("utter_no_advisor")]


async def test_an_advisor_whose_console_went_silent_is_not_available(
    seeded_uow_factory: UowFactory, now: datetime
) -> None:
    advisor(seeded_uow_factory, now - timedelta(minutes=10))

    _, messages = await request_advisor(seeded_uow_factory, now)

    assert messages == [said("utter_no_advisor")]


async def test_an_advisor_at_their_maximum_is_not_available(
    seeded_uow_factory: UowFactory, now: datetime
) -> None:
    nina = advisor(seeded_uow_factory, now, most=1)
    conversation = conversations.get_or_create_conversation(seeded_uow_factory(), "web", "v-1")
    request = handoff.request_handoff(seeded_uow_factory(), conversation.id, now)
    handoff.accept(seeded_uow_factory(), request.id, nina, now)

    _, messages = await request_advisor(seeded_uow_factory, now)

    assert messages == [said("utter_no_advisor")]


async def test_cancelling_asks_the_hub_to_withdraw_the_request(
    seeded_uow_factory: UowFactory, now: datetime
) -> None:
    action = ActionCancelAdvisor(context=context(seeded_uow_factory, now))

    events, messages = await run(
        action, message_tracker("/cancel_advisor", intent="cancel_advisor")
    )

    assert events == []
    assert messages == [custom({"handoff": "cancel"})]
