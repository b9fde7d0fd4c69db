"""What the first message already says is used (issue 11): the service known from a symptom
or a work item, the mileage, the quote or the problem typed with it; agencies found from a
place; and, when the model is unsure, the likeliest readings offered as buttons."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from rasa_sdk.events import SlotSet

from actions.agencies import ActionFindAgency
from actions.base import ActionContext
from actions.identity import ValidateIdentificationForm
from actions.understanding import READINGS, ActionClarify
from actions.workshop import ValidateWorkshopForm
from core import i18n
from core.uow import UnitOfWork
from core.workshop import list_callbacks
from tests.integration.actions_kit import (
    CAMILLE,
    WEB_VISITOR,
    context,
    form_tracker,
    message_tracker,
    responses,
    run,
    said,
)
from tests.integration.test_actions_workshop import identify, requested

UowFactory = Callable[[], UnitOfWork]
FORM = "workshop_form"
LYON = {"latitude": 45.7485, "longitude": 4.8467}


@pytest.fixture
def ctx(seeded_uow_factory: UowFactory, now: datetime) -> ActionContext:
    return context(seeded_uow_factory, now)


def validator(ctx: ActionContext) -> ValidateWorkshopForm:
    return ValidateWorkshopForm(context=ctx, transports={})


def first_message(text: str, intent: str, entities: list[dict] | None = None, who=WEB_VISITOR):
    tracker = form_tracker(FORM, text=text, intent=intent, metadata=who, activation=True)
    tracker.latest_message["entities"] = entities or []
    return tracker


def slot_value(events: list, name: str) -> object:
    return next(e["value"] for e in reversed(events) if e.get("name") == name)


# ------------------------------------------------------------------ the service from the intent


@pytest.mark.parametrize(
    ("text", "intent", "service"),
    [
        ("voyant moteur allumé depuis ce matin", "diagnostic", "diagnostic"),
        ("I just need new tyres", "quick_service", "quick_service"),
        ("rdv visite 1000km svp", "visit_1000", "visit_1000"),
        ("about quote 88-019", "repair", "repair"),
    ],
)
async def test_the_intent_of_the_first_message_is_the_service(ctx, text, intent, service) -> None:
    events, _ = await run(validator(ctx), first_message(text, intent))
    assert SlotSet("service_code", service) in events
    assert requested(events) != "service_code"


async def test_a_symptom_becomes_the_description_once_identification_is_declined(ctx) -> None:
    text = "ma moto fait un bruit bizarre au freinage"
    events, messages = await run(validator(ctx), first_message(text, "diagnostic"))
    assert slot_value(events, "request_values") == {"problem_description": text}
    assert requested(events) == "workshop_identify"
    assert messages == []

    declined = form_tracker(
        FORM,
        slots={"service_code": "diagnostic", "request_values": {"problem_description": text}},
        candidates={"workshop_identify": False},
        requested="workshop_identify",
        metadata=WEB_VISITOR,
    )
    events, messages = await run(validator(ctx), declined)
    assert SlotSet("problem_description", text) in events
    assert slot_value(events, "request_values") is None
    assert requested(events) == "problem_images"  # the description is not asked again
    assert messages == [said("utter_problem_noted", mileage=text, problem=text)]


async def test_asking_for_a_diagnostic_without_a_symptom_asks_the_problem_later(ctx) -> None:
    events, _ = await run(
        validator(ctx), first_message("je voudrais un diagnostic svp", "diagnostic")
    )
    assert not [e for e in events if e.get("name") == "request_values"]


async def test_the_mileage_typed_with_a_quick_service_is_used(ctx) -> None:
    text = "vidange a faire, elle a 12 000 km"
    entities = [{"entity": "mileage", "value": "12 000 km", "start": 23, "end": 32}]
    events, _ = await run(validator(ctx), first_message(text, "quick_service", entities))
    assert slot_value(events, "request_values") == {"workshop_mileage": "12 000 km"}

    declined = form_tracker(
        FORM,
        slots={
            "service_code": "quick_service",
            "request_values": {"workshop_mileage": "12 000 km"},
        },
        candidates={"workshop_identify": False},
        requested="workshop_identify",
        metadata=WEB_VISITOR,
    )
    events, messages = await run(validator(ctx), declined)
    assert SlotSet("workshop_mileage", 12000.0) in events
    assert requested(events) is None  # every question answered: on to the booking
    assert responses(messages) == ["utter_mileage_noted"]
    assert messages[0]["mileage"] == "12\u202f000"


async def test_an_identified_customer_gets_the_mileage_used_at_once(
    ctx, seeded_uow_factory
) -> None:
    identify(seeded_uow_factory, "Camille Martin", "AB-123-CD")
    entities = [{"entity": "mileage", "value": "9500km", "start": 26, "end": 32}]
    tracker = first_message("changer les pneus, elle a 9500km", "quick_service", entities, CAMILLE)
    events, messages = await run(validator(ctx), tracker)
    assert SlotSet("workshop_mileage", 9500.0) in events
    assert requested(events) is None
    assert responses(messages) == ["utter_mileage_noted"]


async def test_a_quote_in_the_first_message_waits_for_the_identification(
    ctx, seeded_uow_factory
) -> None:
    text = "devis DV-2026-0412 validé, quand je peux passer ?"
    entities = [{"entity": "quote_number", "value": "DV-2026-0412", "start": 6, "end": 18}]
    events, _ = await run(validator(ctx), first_message(text, "repair", entities))
    assert slot_value(events, "request_values") == {"quote_number": "DV-2026-0412"}
    assert requested(events) == "vehicle_plate"  # the vehicle first: nothing checked yet
    assert list_callbacks(seeded_uow_factory()) == []


async def test_a_quote_in_the_first_message_of_an_identified_customer_is_checked_at_once(
    ctx, seeded_uow_factory
) -> None:
    identify(seeded_uow_factory, "Camille Martin", "AB-123-CD")
    text = "le devis numéro DV-2026-0412 est ok pour moi"
    entities = [{"entity": "quote_number", "value": "DV-2026-0412", "start": 16, "end": 28}]
    events, messages = await run(validator(ctx), first_message(text, "repair", entities, CAMILLE))
    assert [t.quote_number for t in list_callbacks(seeded_uow_factory())] == ["DV-2026-0412"]
    assert SlotSet("workshop_outcome", "callback") in events
    assert requested(events) is None
    assert responses(messages) == ["utter_callback_created"]


async def test_a_mileage_read_as_a_quick_service_does_not_switch_a_1000_km_visit(ctx) -> None:
    tracker = form_tracker(
        FORM,
        slots={"service_code": "visit_1000", "workshop_identify": False},
        candidates={"workshop_mileage": "850 km"},
        requested="workshop_mileage",
        text="850 km",
        intent="quick_service",
        metadata=WEB_VISITOR,
    )
    events, messages = await run(validator(ctx), tracker)
    assert SlotSet("service_code", "quick_service") not in events
    assert "utter_workshop_service_switched" not in responses(messages)


async def test_a_plate_carried_by_a_button_starts_the_identification() -> None:
    tracker = form_tracker(
        "identification_form", text='/identify_vehicle{"plate":"EV.882.RC"}', activation=True
    )
    tracker.latest_message["entities"] = [{"entity": "plate", "value": "EV.882.RC"}]
    form = ValidateIdentificationForm(transports={})
    extracted = await form.extract_vehicle_plate(None, tracker, {})
    assert extracted == {"vehicle_plate": "EV.882.RC"}


# ------------------------------------------------------------------ agencies


async def test_a_place_in_the_question_lists_the_agencies_nearest_to_it(ctx) -> None:
    tracker = message_tracker(
        "vous avez un garage près de Lyon ?", intent="find_agency", metadata=WEB_VISITOR
    )
    events, messages = await run(ActionFindAgency(context=ctx), tracker)
    shown = messages[0]["custom"]["agencies"]
    assert shown["service"] is None
    assert shown["items"][0]["code"] == "lyon-gerland"
    distances = [item["distance_km"] for item in shown["items"]]
    assert distances == sorted(distances)
    assert messages[1]["response"] == "utter_agencies_near_place"
    assert messages[1]["place"] == "Lyon"
    assert messages[1]["agencies"].startswith("• Pitlane Lyon")
    assert [b["payload"] for b in messages[1]["buttons"]] == [
        "/workshop_services",
        "/vehicle_info",
        "/show_menu",
    ]
    assert any(e.get("name") == "customer_location" for e in events)


async def test_a_shared_location_lists_the_agencies_nearest_to_the_customer(ctx) -> None:
    tracker = message_tracker(
        "/find_agency", intent="find_agency", metadata={**WEB_VISITOR, "location": LYON}
    )
    events, messages = await run(ActionFindAgency(context=ctx), tracker)
    assert messages[1]["response"] == "utter_agencies_near_you"
    assert messages[0]["custom"]["agencies"]["items"][0]["code"] == "lyon-gerland"
    assert SlotSet("customer_location", "45.74850,4.84670") in events


async def test_without_a_place_every_agency_is_listed_and_a_city_asked(ctx) -> None:
    tracker = message_tracker(
        "where is your nearest workshop?",
        intent="find_agency",
        metadata=WEB_VISITOR,
        slots={"language": "en"},
    )
    events, messages = await run(ActionFindAgency(context=ctx), tracker)
    assert messages[1]["response"] == "utter_agencies_all"
    assert all(item["distance_km"] is None for item in messages[0]["custom"]["agencies"]["items"])
    assert messages[1]["buttons"][0]["title"] == "Book the workshop"
    assert events == []


# ------------------------------------------------------------------ when unsure, ask


def unsure(text: str, ranking: list[tuple[str, float]], entities: list[dict] | None = None):
    tracker = message_tracker(text, intent="nlu_fallback", metadata=WEB_VISITOR)
    tracker.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.5},
        *({"name": name, "confidence": c} for name, c in ranking),
    ]
    tracker.latest_message["entities"] = entities or []
    return tracker


async def test_an_unsure_reading_offers_the_likeliest_intents_and_something_else(ctx) -> None:
    tracker = unsure(
        "ma moto a besoin d'un truc",
        [("diagnostic", 0.41), ("inform", 0.2), ("check_maintenance", 0.3), ("greet", 0.05)],
    )
    _, messages = await run(ActionClarify(context=ctx), tracker)
    assert responses(messages) == ["utter_clarify"]
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        "/diagnostic",
        "/check_maintenance",
        "/show_menu",
    ]
    assert messages[0]["buttons"][-1]["title"] == "Autre chose"


async def test_the_offered_readings_keep_the_values_of_the_message(ctx) -> None:
    entities = [{"entity": "quote_number", "value": "88-019", "start": 6, "end": 12}]
    tracker = unsure("quote 88-019 ?", [("repair", 0.45), ("complaint_status", 0.3)], entities)
    _, messages = await run(ActionClarify(context=ctx), tracker)
    assert messages[0]["buttons"][0]["payload"] == '/repair{"quote_number":"88-019"}'


async def test_nothing_worth_offering_says_not_understood_and_shows_the_menu(ctx) -> None:
    tracker = unsure("blablabla", [("inform", 0.4), ("affirm", 0.3), ("diagnostic", 0.02)])
    _, messages = await run(ActionClarify(context=ctx), tracker)
    assert responses(messages) == ["utter_default", "utter_menu"]


async def test_gibberish_read_as_out_of_scope_first_is_not_offered_readings(ctx) -> None:
    tracker = unsure("qsdlkj zzkq", [("out_of_scope", 0.32), ("complaint_status", 0.17)])
    _, messages = await run(ActionClarify(context=ctx), tracker)
    assert responses(messages) == ["utter_default", "utter_menu"]


async def test_a_likeliest_reading_that_is_itself_unlikely_is_not_offered(ctx) -> None:
    tracker = unsure("xkzq wpt", [("complaint_status", 0.19), ("cancel_advisor", 0.15)])
    _, messages = await run(ActionClarify(context=ctx), tracker)
    assert responses(messages) == ["utter_default", "utter_menu"]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_reading_has_a_button_title_in_both_languages(language: str) -> None:
    titles = i18n.messages("actions", language)
    assert [f"reading_{intent}" for intent in READINGS if f"reading_{intent}" not in titles] == []
    assert titles["reading_other"]
