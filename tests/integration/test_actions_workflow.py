"""End or abandon of a workflow, and the conversation's language."""

from __future__ import annotations

from datetime import datetime

import pytest
from rasa_sdk.events import SlotSet

from actions.language import ValidateSlotMappings, chosen_language
from actions.workflow import WORKFLOW_SLOTS, ActionClearWorkflow, ActionResetWorkflow
from tests.integration.actions_kit import context, message_tracker, run, said

FINISHED_BOOKING = {
    "language": "en",
    "vehicle_year": "2019",
    "last_service_date": "2023-03-16",
    "maintenance_due": True,
    "service_code": "maintenance",
    "agency": "paris-nord",
    "slot_choice": "2025-11-20T08:00:00+00:00",
    "customer_known": True,
    "booking_reference": "PL-ABC234",
    "booking_when": "Thu 20 Nov 09:00",
    "booking_agency": "Pitlane Paris Nord",
}
FINISHED_BOOKING_CLEARED = [
    SlotSet("vehicle_year", None),
    SlotSet("last_service_date", None),
    SlotSet("maintenance_due", None),
    SlotSet("service_code", None),
    SlotSet("agency", None),
    SlotSet("slot_choice", None),
    SlotSet("customer_known", None),
    SlotSet("booking_reference", None),
    SlotSet("booking_when", None),
    SlotSet("booking_agency", None),
]


def no_database() -> None:
    pytest.fail("no database")


async def test_reset_clears_the_workflow_and_keeps_the_language(now: datetime) -> None:
    action = ActionResetWorkflow(context=context(no_database, now))
    events, messages = await run(action, message_tracker("", slots=FINISHED_BOOKING))
    assert events == FINISHED_BOOKING_CLEARED
    assert messages == [said("utter_anything_else")]


async def test_clear_is_silent_and_clears_like_reset(now: datetime) -> None:
    action = ActionClearWorkflow(context=context(no_database, now))
    events, messages = await run(action, message_tracker("", slots=FINISHED_BOOKING))
    assert events == FINISHED_BOOKING_CLEARED
    assert messages == []


async def test_clear_of_an_abandoned_test_ride_only_clears_the_slots_set(now: datetime) -> None:
    """A test ride left while the slots are offered: language and unset slots untouched."""
    action = ActionClearWorkflow(context=context(no_database, now))
    slots = {
        "language": "en",
        "usage": "road",
        "service_code": "road_test",
        "agency": "paris-bastille",
        "requested_slot": "slot_choice",
    }
    events, messages = await run(action, message_tracker("/vehicle_info", slots=slots))
    assert events == [
        SlotSet("usage", None),
        SlotSet("service_code", None),
        SlotSet("agency", None),
        SlotSet("requested_slot", None),
    ]
    assert messages == []


async def test_clear_with_nothing_set_returns_no_event(now: datetime) -> None:
    action = ActionClearWorkflow(context=context(no_database, now))
    events, messages = await run(action, message_tracker("/stop", slots={"language": "en"}))
    assert events == []
    assert messages == []


def test_the_language_is_never_a_workflow_slot() -> None:
    assert "language" not in WORKFLOW_SLOTS


@pytest.mark.parametrize(
    ("text", "metadata_language", "current", "events"),
    [
        ("hello, I need a test ride", None, "fr", [SlotSet("language", "en")]),
        ("bonjour je veux un rdv", None, "en", [SlotSet("language", "fr")]),
        ("bonjour", None, "fr", []),  # unchanged: no event
        ("2019", None, "en", []),  # unsure: kept
        ("/check_maintenance", None, "en", []),
        # what the customer writes wins over the browser's language (issue 12)
        ("bonjour", "en", "fr", []),
        ("hello, I'd like a test ride", "fr", "fr", [SlotSet("language", "en")]),
        # the channel's language when the message says nothing and none is known yet
        ("2019", "en", None, [SlotSet("language", "en")]),
        ("ok", "en", "fr", []),
    ],
)
async def test_language_from_the_text_else_kept_else_from_metadata(
    text: str, metadata_language: str | None, current: str, events: list
) -> None:
    metadata = {"channel": "web", "external_id": "visitor-1", "language": metadata_language}
    tracker = message_tracker(text, metadata=metadata, slots={"language": current})
    got, messages = await run(ValidateSlotMappings(), tracker)
    assert got == events
    assert messages == []


@pytest.mark.parametrize(
    ("text", "entities", "current", "events"),
    [
        # the widget's control: the entity says which
        ("/set_language", [{"entity": "language_choice", "value": "en"}], "fr", "en"),
        # typed in French, asking for English
        ("vous parlez anglais ?", [], "fr", "en"),
        ("in french please", [], "en", "fr"),
        # already in that language: only the choice is recorded
        ("en français svp", [], "fr", None),
    ],
)
async def test_a_language_chosen_is_set_and_recorded(
    text: str, entities: list, current: str, events: str | None
) -> None:
    tracker = message_tracker(text, intent="set_language", slots={"language": current})
    tracker.latest_message["entities"] = entities
    got, _ = await run(ValidateSlotMappings(), tracker)
    expected = [] if events is None else [SlotSet("language", events)]
    assert got == [*expected, SlotSet("language_chosen", True)]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("parlez vous anglais", "en"),
        ("englsh pls", "en"),
        ("en francias stp", "fr"),
        ("version anglaise svp", "en"),
        # a language refused asks for the other one
        ("i don't understand french", "en"),
        ("je ne parle pas anglais", "fr"),
        ("i'm not french", "en"),
        ("my french is terrible, reply in english", "en"),
        ("mon anglais est nul, en français svp", "fr"),
        ("je suis anglais, je parle pas bien francais", "en"),
        ("can you write in french please, not english", "fr"),
        ("vous parlez francais ou pas", "fr"),
        # named twice: the one asked for in so many words wins
        ("back to french please, i hit english by mistake", "fr"),
        ("on est passé en anglais, remettez en français svp", "fr"),
        # both asked for, or none named: no choice
        ("english or french?", None),
        ("je comprends pas", None),
    ],
)
def test_the_language_asked_for_is_read_from_the_words(text: str, language: str | None) -> None:
    assert chosen_language([], text) == language


async def test_a_chosen_language_holds_over_the_language_typed() -> None:
    tracker = message_tracker(
        "je voudrais vérifier l'entretien de ma moto",
        intent="check_maintenance",
        slots={"language": "en", "language_chosen": True},
    )
    got, _ = await run(ValidateSlotMappings(), tracker)
    assert got == []
