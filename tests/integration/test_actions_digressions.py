"""Saying something else inside a form (actions/digressions.py and the validators' base):
the menu then the question again, a stop confirmed or withdrawn, answers the question cannot
use never answered with the same sentence three times in a row, a resumed form keeping its
answers without validating them twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.digressions import (
    ActionConfirmStop,
    ActionConfirmSwitch,
    ActionMenuResume,
    ActionResumeForm,
    ActionStopWorkflow,
    ActionUnusableAnswer,
    request_payload,
)
from actions.maintenance import ValidateMaintenanceForm
from tests.conftest import UowFactory
from tests.integration.actions_kit import (
    context,
    form_tracker,
    initial_slots,
    latest_message,
    message_tracker,
    responses,
    run,
    said,
)


def no_database() -> None:
    pytest.fail("no database")


def after_stop(form: str, slots: dict[str, Any]) -> Tracker:
    """The tracker right after "stop" left `form` (action_deactivate_loop ran)."""
    latest = latest_message("stop", "stop", None)
    events = [
        {"event": "action", "name": form},
        {"event": "active_loop", "name": form},
        {"event": "user", "text": "stop", "parse_data": latest},
        {"event": "action", "name": "action_deactivate_loop"},
        {"event": "active_loop", "name": None},
    ]
    values = {**initial_slots(), **slots}
    return Tracker("web:visitor-1", values, latest, events, False, None, {}, "action_listen")


def inside(form: str, slots: dict[str, Any] | None = None) -> Tracker:
    """A plain action's tracker while `form` is active."""
    tracker = message_tracker("blabla", intent="nlu_fallback", slots=slots)
    tracker.active_loop = {"name": form}
    return tracker


async def test_menu_inside_a_form_shows_the_menu_then_invites_to_go_on(now: datetime) -> None:
    action = ActionMenuResume(context=context(no_database, now))
    events, messages = await run(action, inside("maintenance_form"))
    assert events == []
    assert responses(messages) == ["utter_menu", "utter_resume"]


async def test_a_stop_after_an_answer_asks_whether_to_really_stop(now: datetime) -> None:
    action = ActionConfirmStop(context=context(no_database, now))
    tracker = after_stop("booking_form", {"agency": "lyon-gerland", "service_code": "road_test"})
    events, messages = await run(action, tracker)
    assert events == [SlotSet("leaving_form", "booking_form")]
    assert messages == [said("utter_confirm_stop")]


async def test_a_stop_before_any_answer_stops_at_once(now: datetime) -> None:
    action = ActionConfirmStop(context=context(no_database, now))
    tracker = after_stop("maintenance_form", {"language": "en"})
    events, messages = await run(action, tracker)
    assert events == []
    assert messages == [said("utter_stopped")]


async def test_a_confirmed_stop_forgets_the_answers_and_offers_the_menu(now: datetime) -> None:
    action = ActionStopWorkflow(context=context(no_database, now))
    tracker = message_tracker(
        "oui", intent="affirm", slots={"leaving_form": "booking_form", "agency": "lyon-gerland"}
    )
    events, messages = await run(action, tracker)
    assert SlotSet("leaving_form", None) in events
    assert SlotSet("agency", None) in events
    assert messages == [said("utter_stopped")]


async def test_a_yes_after_a_stop_that_needed_no_confirmation_gets_the_menu(
    now: datetime,
) -> None:
    action = ActionStopWorkflow(context=context(no_database, now))
    events, messages = await run(action, message_tracker("oui", intent="affirm"))
    assert events == []
    assert messages == [said("utter_menu")]


async def test_a_withdrawn_stop_resumes(now: datetime) -> None:
    action = ActionResumeForm(context=context(no_database, now))
    tracker = message_tracker("non", intent="deny", slots={"leaving_form": "booking_form"})
    events, messages = await run(action, tracker)
    assert events == [SlotSet("leaving_form", None)]
    assert messages == [said("utter_resumed")]


def after_request(text: str, intent: str, entities: list[dict], slots: dict[str, Any]) -> Tracker:
    """The tracker right after a new request left the booking (action_deactivate_loop ran)."""
    tracker = after_stop("booking_form", slots)
    tracker.latest_message = latest_message(text, intent, None, entities)
    return tracker


async def test_a_new_request_during_a_booking_asks_whether_to_leave_it(
    seeded_uow_factory: UowFactory, now: datetime
) -> None:
    action = ActionConfirmSwitch(context=context(seeded_uow_factory, now))
    tracker = after_request(
        "je préfère un essai sur circuit à Lyon",
        "usage_sport",
        [{"entity": "place", "value": "Lyon", "start": 33, "end": 37}],
        {"service_code": "road_test", "agency": "paris-nord"},
    )
    events, messages = await run(action, tracker)
    request = '/usage_sport{"place":"Lyon"}'
    assert events == [SlotSet("switch_request", request)]
    assert messages == [said("utter_confirm_switch", service="Essai routier", request=request)]


def test_the_request_said_again_keeps_the_first_value_of_each_entity() -> None:
    tracker = message_tracker("x", intent="find_agency")
    assert request_payload(tracker) == "/find_agency"
    tracker.latest_message["entities"] = [
        {"entity": "place", "value": "Lyon"},
        {"entity": "place", "value": "Paris"},
        {"entity": "postcode", "value": "69007"},
    ]
    assert request_payload(tracker) == '/find_agency{"place":"Lyon","postcode":"69007"}'


async def test_a_typed_yes_leaves_the_booking_and_offers_the_request(now: datetime) -> None:
    action = ActionStopWorkflow(context=context(no_database, now))
    slots = {"switch_request": "/usage_sport", "agency": "x"}
    events, messages = await run(action, message_tracker("oui", intent="affirm", slots=slots))
    assert SlotSet("switch_request", None) in events and SlotSet("agency", None) in events
    assert messages == [said("utter_switch_left", request="/usage_sport")]


async def test_a_no_to_the_switch_resumes_and_forgets_the_request(now: datetime) -> None:
    action = ActionResumeForm(context=context(no_database, now))
    slots = {"switch_request": "/usage_sport"}
    events, messages = await run(action, message_tracker("non", intent="deny", slots=slots))
    assert events == [SlotSet("leaving_form", None), SlotSet("switch_request", None)]
    assert messages == [said("utter_resumed")]


@pytest.mark.parametrize(
    ("form", "count", "expected"),
    [
        ("booking_form", 0, "utter_use_buttons"),
        ("booking_form", 1, "utter_stuck"),
        ("booking_form", 2, "utter_use_buttons"),
        ("booking_form", 3, "utter_stuck"),
        ("usage_form", 0, "utter_default"),
    ],
)
async def test_unusable_answers_alternate_the_forms_words_and_an_example(
    now: datetime, form: str, count: int, expected: str
) -> None:
    action = ActionUnusableAnswer(context=context(no_database, now))
    slots = {"unusable_count": float(count)} if count else {}
    events, messages = await run(action, inside(form, slots))
    assert events == [SlotSet("unusable_count", float(count + 1))]
    assert messages == [said(expected)]


@pytest.fixture
def maintenance(now: datetime) -> ValidateMaintenanceForm:
    return ValidateMaintenanceForm(context=context(no_database, now))


def year_turn(typed: str, refusals: int = 0) -> Tracker:
    slots = {"unusable_count": float(refusals)} if refusals else {}
    return form_tracker(
        "maintenance_form",
        slots=slots,
        candidates={"vehicle_year": typed},
        requested="vehicle_year",
        text=typed,
    )


async def test_a_second_refused_year_gets_an_example_instead_of_the_same_refusal(
    maintenance: ValidateMaintenanceForm,
) -> None:
    first_events, first = await run(maintenance, year_turn("je sais plus"))
    assert first == [said("utter_invalid_year")]
    assert SlotSet("unusable_count", 1.0) in first_events

    second_events, second = await run(maintenance, year_turn("aucune idée", refusals=1))
    assert second == [said("utter_stuck")]
    assert SlotSet("unusable_count", 2.0) in second_events

    third_events, third = await run(maintenance, year_turn("euh", refusals=2))
    assert third == [said("utter_invalid_year")]
    assert SlotSet("unusable_count", 3.0) in third_events


async def test_an_accepted_answer_resets_the_count(maintenance: ValidateMaintenanceForm) -> None:
    events, messages = await run(maintenance, year_turn("2019", refusals=2))
    assert SlotSet("vehicle_year", "2019") in events
    assert SlotSet("unusable_count", None) in events
    assert messages == []


async def test_a_resumed_form_keeps_its_answers_without_validating_them_again(
    maintenance: ValidateMaintenanceForm,
) -> None:
    tracker = form_tracker(
        "maintenance_form", candidates={"vehicle_year": "not a year"}, activation=True
    )
    tracker.events.insert(-2, {"event": "action", "name": "action_resume_form"})
    events, messages = await run(maintenance, tracker)
    assert events == []
    assert messages == []
