"""Vehicle information: the riding usage and the test ride it books."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from rasa_sdk.events import SlotSet

from actions.test_ride import ActionSetTestService, ValidateUsageForm
from core.uow import UnitOfWork
from tests.integration.actions_kit import context, form_tracker, message_tracker, run, said


@pytest.mark.parametrize(
    ("value", "usage"),
    [
        ("road", "road"),  # from the buttons / intents usage_road, ...
        ("offroad", "offroad"),
        ("sport", "sport"),
        ("tout-terrain", "offroad"),
        ("sur piste", "sport"),
    ],
)
async def test_a_usage_is_validated(now: datetime, value: str, usage: str) -> None:
    form = ValidateUsageForm(context=context(lambda: pytest.fail("no database"), now))
    tracker = form_tracker("usage_form", candidates={"usage": value}, requested="usage")
    events, messages = await run(form, tracker)
    assert events == [SlotSet("usage", usage)]
    assert messages == []


async def test_an_unknown_usage_is_asked_again(now: datetime) -> None:
    form = ValidateUsageForm(context=context(lambda: pytest.fail("no database"), now))
    tracker = form_tracker("usage_form", candidates={"usage": "je sais pas"}, requested="usage")
    events, messages = await run(form, tracker)
    assert events == [SlotSet("usage", None)]
    assert messages == []


@pytest.mark.parametrize(
    ("usage", "service"),
    [("road", "road_test"), ("offroad", "offroad_test"), ("sport", "track_test")],
)
async def test_each_usage_books_its_own_test_ride(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime, usage: str, service: str
) -> None:
    action = ActionSetTestService(context=context(seeded_uow_factory, now))
    events, messages = await run(action, message_tracker("", slots={"usage": usage}))
    assert events == [SlotSet("service_code", service)]
    assert messages == []


async def test_a_usage_without_test_ride_says_it_did_not_understand(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    action = ActionSetTestService(context=context(seeded_uow_factory, now))
    events, messages = await run(action, message_tracker("", slots={"usage": "cruise"}))
    assert events == [SlotSet("service_code", None)]
    assert messages == [said("utter_default")]
