"""Workshop services in the chat: the service, identification inside the workflow, the
questions of each service, the callback, eligibility, details kept with the booking and
agencies nearest first."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import pytest
from rasa_sdk.events import SlotSet
from sqlalchemy import select

from actions.base import ActionContext
from actions.booking import ActionAskAgency, ValidateBookingForm
from actions.identity import ValidateIdentificationForm
from actions.workshop import ActionAskServiceCode, ActionWorkshopOutcome, ValidateWorkshopForm
from core import i18n
from core.bookings import get_booking, offer_slots
from core.models import Customer, Vehicle
from core.uow import UnitOfWork
from core.workshop import list_callbacks
from tests.integration.actions_kit import (
    CAMILLE,
    WEB_VISITOR,
    context,
    form_tracker,
    images_sent,
    message_tracker,
    responses,
    run,
    said,
)

UowFactory = Callable[[], UnitOfWork]
FORM = "workshop_form"
HUGO = {"channel": "telegram", "external_id": "100200301", "language": None}
LYON = {"latitude": 45.7485, "longitude": 4.8467}
BOOK_A_SERVICE_FR = {
    "title": "Prendre rendez-vous pour une révision",
    "payload": '/choose_service{"service_code":"quick_service"}',
}


@pytest.fixture
def ctx(seeded_uow_factory: UowFactory, now: datetime) -> ActionContext:
    return context(seeded_uow_factory, now)


def identify(uow: UowFactory, name: str, plate: str) -> None:
    """The customer proved to own that vehicle (what complete_identification records)."""
    with uow() as unit:
        session = unit.session
        customer = session.scalar(select(Customer).where(Customer.name == name))
        vehicle = session.scalar(select(Vehicle).where(Vehicle.plate == plate))
        customer.identified_vehicle_id = vehicle.id
        unit.commit()


def validator(ctx: ActionContext) -> ValidateWorkshopForm:
    return ValidateWorkshopForm(context=ctx, transports={})


def requested(events: list) -> object:
    return next(e["value"] for e in reversed(events) if e.get("name") == "requested_slot")


# ------------------------------------------------------------------ the service


@pytest.mark.parametrize(
    ("text", "service", "next_slot"),
    [
        ("je voudrais un diagnostic", "diagnostic", "workshop_identify"),
        ("un service rapide svp", "quick_service", "workshop_identify"),
        ("my bike needs a repair", "repair", "vehicle_plate"),
        ("visite des 1000", "visit_1000", "vehicle_plate"),
        ("services atelier", None, "service_code"),
    ],
)
async def test_the_request_names_the_service_and_the_next_question_follows(
    ctx, text, service, next_slot
) -> None:
    tracker = form_tracker(
        FORM, text=text, intent="workshop_services", metadata=WEB_VISITOR, activation=True
    )
    events, messages = await run(validator(ctx), tracker)
    if service:
        assert SlotSet("service_code", service) in events
    assert requested(events) == next_slot
    needs_vehicle = service in ("repair", "visit_1000")
    assert (said("utter_workshop_vehicle_needed") in messages) is needs_vehicle


async def test_a_service_button_chooses_the_service(ctx) -> None:
    tracker = form_tracker(FORM, requested="service_code", metadata=WEB_VISITOR)
    tracker.latest_message["entities"] = [{"entity": "service_code", "value": "diagnostic"}]
    tracker.latest_message["intent"] = {"name": "choose_service", "confidence": 1.0}
    events, _ = await run(validator(ctx), tracker)
    assert SlotSet("service_code", "diagnostic") in events
    assert requested(events) == "workshop_identify"


async def test_an_identified_customer_is_not_asked_to_identify(ctx, seeded_uow_factory) -> None:
    identify(seeded_uow_factory, "Camille Martin", "AB-123-CD")
    tracker = form_tracker(
        FORM,
        text="je voudrais un service rapide",
        intent="workshop_services",
        metadata=CAMILLE,
        activation=True,
    )
    events, messages = await run(validator(ctx), tracker)
    assert requested(events) == "workshop_mileage"
    assert messages == []


async def test_declining_identification_goes_on_with_the_mileage(ctx) -> None:
    tracker = form_tracker(
        FORM,
        slots={"service_code": "quick_service"},
        candidates={"workshop_identify": False},
        requested="workshop_identify",
        metadata=WEB_VISITOR,
    )
    events, _ = await run(validator(ctx), tracker)
    assert SlotSet("workshop_identify", False) in events
    assert requested(events) == "workshop_mileage"


async def test_accepting_identification_asks_the_plate(ctx) -> None:
    tracker = form_tracker(
        FORM,
        slots={"service_code": "diagnostic"},
        candidates={"workshop_identify": True},
        requested="workshop_identify",
        metadata=WEB_VISITOR,
    )
    events, _ = await run(validator(ctx), tracker)
    assert requested(events) == "vehicle_plate"


async def test_a_wrong_plate_ends_a_repair_with_the_identification_answer(ctx) -> None:
    tracker = form_tracker(
        FORM,
        slots={"service_code": "repair"},
        candidates={"vehicle_plate": "XY-999-ZZ ZDM1RBBW5KB012345"},
        requested="vehicle_plate",
        metadata=WEB_VISITOR,
    )
    events, messages = await run(validator(ctx), tracker)
    assert SlotSet("identification_outcome", "plate_wrong") in events
    assert requested(events) is None
    assert [m["response"] for m in messages] == ["utter_plate_wrong"]


async def test_a_matching_vehicle_asks_the_code_transport_inside_the_workflow(ctx) -> None:
    tracker = form_tracker(
        FORM,
        slots={"service_code": "repair"},
        candidates={"vehicle_plate": "AB-123-CD ZDM1RBBW5KB012345"},
        requested="vehicle_plate",
        metadata=WEB_VISITOR,
    )
    events, _ = await run(validator(ctx), tracker)
    assert SlotSet("identification_outcome", "match") in events


# ------------------------------------------------------------------ repair


async def test_a_quote_of_the_identified_vehicle_creates_a_callback_task(
    ctx, seeded_uow_factory
) -> None:
    identify(seeded_uow_factory, "Camille Martin", "AB-123-CD")
    tracker = form_tracker(
        FORM,
        slots={"service_code": "repair"},
        candidates={"quote_number": "dv-2026-0412"},
        requested="quote_number",
        metadata=CAMILLE,
    )
    events, messages = await run(validator(ctx), tracker)
    tasks = list_callbacks(seeded_uow_factory())
    assert [t.quote_number for t in tasks] == ["DV-2026-0412"]
    assert tasks[0].customer_name == "Camille Martin"
    assert SlotSet("workshop_outcome", "callback") in events
    assert requested(events) is None
    assert messages == [
        said(
            "utter_callback_created",
            quote_number="DV-2026-0412",
            reference=tasks[0].reference,
            agency=tasks[0].agency_name,
        )
    ]


@pytest.mark.parametrize("number", ["DV-2026-0587", "DV-2025-0999", "DV-1234-5678"])
async def test_someone_elses_expired_or_unknown_quote_offers_an_advisor(
    ctx, seeded_uow_factory, number
) -> None:
    identify(seeded_uow_factory, "Camille Martin", "AB-123-CD")
    tracker = form_tracker(
        FORM,
        slots={"service_code": "repair"},
        candidates={"quote_number": number},
        requested="quote_number",
        metadata=CAMILLE,
    )
    events, messages = await run(validator(ctx), tracker)
    assert messages == [said("utter_quote_unknown", quote_number=number)]
    assert SlotSet("workshop_outcome", "quote_unknown") in events
    assert list_callbacks(seeded_uow_factory(), status=None) == []
    outcome, _ = await run(
        ActionWorkshopOutcome(context=ctx),
        message_tracker("x", slots={"service_code": "repair", "workshop_outcome": "quote_unknown"}),
    )
    assert outcome == [SlotSet("workshop_book", False)]


async def test_text_that_is_no_quote_number_is_asked_again(ctx, seeded_uow_factory) -> None:
    identify(seeded_uow_factory, "Camille Martin", "AB-123-CD")
    tracker = form_tracker(
        FORM,
        slots={"service_code": "repair"},
        candidates={"quote_number": "je ne sais pas"},
        requested="quote_number",
        metadata=CAMILLE,
    )
    events, messages = await run(validator(ctx), tracker)
    assert SlotSet("quote_number", None) in events
    assert messages == [said("utter_invalid_quote_number")]


# ------------------------------------------------------------------ 1000 km visit


async def test_a_new_bike_at_900_km_is_eligible_and_books(ctx, seeded_uow_factory) -> None:
    identify(seeded_uow_factory, "Hugo Bernard", "QR-246-VX")
    tracker = form_tracker(
        FORM,
        slots={"service_code": "visit_1000"},
        candidates={"workshop_mileage": "900 km"},
        requested="workshop_mileage",
        metadata=HUGO,
        sender_id="telegram:100200301",
    )
    events, messages = await run(validator(ctx), tracker)
    assert SlotSet("workshop_mileage", 900.0) in events
    assert SlotSet("workshop_outcome", "eligible") in events
    assert messages == [said("utter_visit_1000_eligible")]
    outcome, _ = await run(
        ActionWorkshopOutcome(context=ctx),
        message_tracker("x", slots={"service_code": "visit_1000", "workshop_outcome": "eligible"}),
    )
    assert outcome == [SlotSet("workshop_book", True)]


async def test_too_many_km_for_the_visit_is_explained_with_the_numbers(
    ctx, seeded_uow_factory
) -> None:
    identify(seeded_uow_factory, "Hugo Bernard", "QR-246-VX")
    tracker = form_tracker(
        FORM,
        slots={"service_code": "visit_1000"},
        candidates={"workshop_mileage": "3000"},
        requested="workshop_mileage",
        metadata=HUGO,
    )
    events, messages = await run(validator(ctx), tracker)
    assert SlotSet("workshop_outcome", "not_eligible") in events
    assert requested(events) is None
    assert messages == [
        said(
            "utter_visit_1000_mileage_too_high",
            buttons=[BOOK_A_SERVICE_FR],
            mileage=3000,
            min_km=500,
            max_km=1500,
            age="2 mois",
            max_age="1 an",
        )
    ]


async def test_an_old_bike_is_refused_before_the_mileage_is_asked(ctx, seeded_uow_factory) -> None:
    identify(seeded_uow_factory, "Camille Martin", "AB-123-CD")  # registered in 2019
    tracker = form_tracker(
        FORM,
        text="visite des 1000",
        intent="workshop_services",
        metadata={**CAMILLE, "language": "en"},
        activation=True,
    )
    tracker.slots["language"] = "en"
    events, messages = await run(validator(ctx), tracker)
    assert SlotSet("workshop_outcome", "not_eligible") in events
    assert requested(events) is None
    assert messages == [
        said(
            "utter_visit_1000_vehicle_too_old",
            buttons=[
                {
                    "title": "Book a maintenance service",
                    "payload": '/choose_service{"service_code":"quick_service"}',
                }
            ],
            mileage="",
            min_km=500,
            max_km=1500,
            age="more than 6 years",
            max_age="1 year",
        )
    ]


async def test_the_service_question_has_a_button_per_service_built_by_the_action(ctx) -> None:
    _, messages = await run(
        ActionAskServiceCode(context=ctx), message_tracker("x", metadata=WEB_VISITOR)
    )
    assert messages[0]["response"] == "utter_ask_service_code"
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        '/choose_service{"service_code":"quick_service"}',
        '/choose_service{"service_code":"diagnostic"}',
        '/choose_service{"service_code":"repair"}',
        '/choose_service{"service_code":"visit_1000"}',
    ]
    assert messages[0]["buttons"][0]["title"] == "Service rapide"


async def test_an_old_bike_is_not_eligible(ctx, seeded_uow_factory) -> None:
    identify(seeded_uow_factory, "Camille Martin", "AB-123-CD")  # registered in 2019
    tracker = form_tracker(
        FORM,
        slots={"service_code": "visit_1000"},
        candidates={"workshop_mileage": "1000"},
        requested="workshop_mileage",
        metadata=CAMILLE,
    )
    _, messages = await run(validator(ctx), tracker)
    assert [m["response"] for m in messages] == ["utter_visit_1000_vehicle_too_old"]


# ------------------------------------------------------------------ diagnostic


async def test_photos_are_collected_until_the_customer_is_done(ctx, seeded_uow_factory) -> None:
    first, second = images_sent(seeded_uow_factory, WEB_VISITOR, 2)
    (document,) = images_sent(seeded_uow_factory, WEB_VISITOR, kind="document")
    slots = {"service_code": "diagnostic", "workshop_identify": False, "problem_description": "x"}
    photo = {
        **WEB_VISITOR,
        "attachments": [{"id": first, "kind": "image", "content_type": "image/png"}],
    }
    tracker = form_tracker(FORM, slots=slots, requested="problem_images", metadata=photo)
    events, messages = await run(validator(ctx), tracker)
    assert SlotSet("problem_image_ids", [first]) in events
    assert requested(events) == "problem_images"
    assert messages == [said("utter_image_received", count=1)]

    two = {
        **WEB_VISITOR,
        "attachments": [{"id": second, "kind": "image"}, {"id": document, "kind": "document"}],
    }
    tracker = form_tracker(
        FORM,
        slots={**slots, "problem_image_ids": [first]},
        requested="problem_images",
        metadata=two,
    )
    events, messages = await run(validator(ctx), tracker)
    assert SlotSet("problem_image_ids", [first, second]) in events
    assert messages == [said("utter_image_received", count=2)]

    tracker = form_tracker(
        FORM,
        slots={**slots, "problem_image_ids": [first, second]},
        requested="problem_images",
        text="c'est tout",
        intent="deny",
        metadata=WEB_VISITOR,
    )
    events, _ = await run(validator(ctx), tracker)
    assert SlotSet("problem_images", "done") in events
    assert requested(events) is None


async def test_a_photo_sent_with_the_description_is_kept(ctx, seeded_uow_factory) -> None:
    (image,) = images_sent(seeded_uow_factory, WEB_VISITOR)
    photo = {**WEB_VISITOR, "attachments": [{"id": image, "kind": "image"}]}
    tracker = form_tracker(
        FORM,
        slots={"service_code": "diagnostic", "workshop_identify": False},
        candidates={"problem_description": "fuite d'huile sous le moteur"},
        requested="problem_description",
        metadata=photo,
    )
    events, _ = await run(validator(ctx), tracker)
    assert SlotSet("problem_description", "fuite d'huile sous le moteur") in events
    assert SlotSet("problem_image_ids", [image]) in events
    assert requested(events) == "problem_images"


async def test_a_photo_of_another_conversation_is_not_attached_and_the_customer_is_told(
    ctx, seeded_uow_factory
) -> None:
    """Metadata names attachment ids; only those sent in the sender's own chat count."""
    (theirs,) = images_sent(seeded_uow_factory, CAMILLE)  # Camille's photo, another chat
    (own,) = images_sent(seeded_uow_factory, WEB_VISITOR)
    slots = {"service_code": "diagnostic", "workshop_identify": False, "problem_description": "x"}
    forged = {**WEB_VISITOR, "attachments": [{"id": theirs, "kind": "image"}]}
    tracker = form_tracker(FORM, slots=slots, requested="problem_images", metadata=forged)
    events, messages = await run(validator(ctx), tracker)
    assert not [e for e in events if e.get("name") == "problem_image_ids"]
    assert requested(events) == "problem_images"
    assert [m["text"] for m in messages] == [i18n.text("actions", "images_not_linked", "fr")]

    mixed = {
        **WEB_VISITOR,
        "attachments": [{"id": theirs, "kind": "image"}, {"id": own, "kind": "image"}],
    }
    tracker = form_tracker(
        FORM,
        slots={"service_code": "diagnostic", "workshop_identify": False},
        candidates={"problem_description": "bruit au freinage"},
        requested="problem_description",
        metadata=mixed,
    )
    events, messages = await run(validator(ctx), tracker)
    assert SlotSet("problem_image_ids", [own]) in events
    assert messages[0]["text"] == i18n.text("actions", "images_not_linked", "fr")
    assert said("utter_image_received", count=1) in messages


# ------------------------------------------------------------------ booking with details


async def test_the_booking_keeps_the_details_of_the_service(ctx, seeded_uow_factory, now) -> None:
    offer = offer_slots(seeded_uow_factory(), "lyon-gerland", "diagnostic", now)
    start = offer.slots[0].start_utc.isoformat()
    tracker = form_tracker(
        "booking_form",
        slots={
            "service_code": "diagnostic",
            "agency": "lyon-gerland",
            "customer_known": True,
            "problem_description": "bruit au freinage",
            "problem_image_ids": [7, 8],
            "slot_choice": start,
        },
        candidates={"slot_confirmed": True},  # "Confirmer" under the summary
        requested="slot_confirmed",
        metadata=CAMILLE,
    )
    events, _ = await run(ValidateBookingForm(context=ctx), tracker)
    reference = next(e["value"] for e in events if e.get("name") == "booking_reference")
    booking = get_booking(seeded_uow_factory(), reference)
    assert booking.details == {"description": "bruit au freinage", "attachment_ids": [7, 8]}


# ------------------------------------------------------------------ agencies nearest first


async def test_a_shared_location_lists_the_nearest_agency_first_with_a_map_message(ctx) -> None:
    tracker = message_tracker(
        "", metadata={**WEB_VISITOR, "location": LYON}, slots={"service_code": "quick_service"}
    )
    events, messages = await run(ActionAskAgency(context=ctx), tracker)
    buttons = messages[1]["buttons"]
    assert messages[1]["response"] == "utter_agencies_nearest"
    assert buttons[0]["title"].startswith("Pitlane Lyon Gerland — ")
    assert re.search(r" — \d+(,\d)? km( — |$)", buttons[0]["title"])  # the distance, then a rating
    assert '"agency":"lyon-gerland"' in buttons[0]["payload"]
    agencies = messages[0]["custom"]["agencies"]  # the map first, then the question
    assert agencies["service"] == "quick_service"
    assert agencies["origin"] == LYON
    distances = [item["distance_km"] for item in agencies["items"]]
    assert distances == sorted(distances) and distances[0] < 5
    assert {"code", "name", "address", "city", "postcode", "latitude", "longitude", "phone"} <= set(
        agencies["items"][0]
    )
    assert SlotSet("customer_location", "45.74850,4.84670") in events
    # the same distance in the buttons and in the map's list
    for button, item in zip(buttons, agencies["items"], strict=True):
        shown = f"{item['distance_km']:g}".replace(".", ",")
        assert f" — {shown} km" in button["title"], (button, item)


async def test_without_a_location_agencies_come_by_name_without_distance(ctx) -> None:
    tracker = message_tracker("x", metadata=WEB_VISITOR, slots={"service_code": "quick_service"})
    _, messages = await run(ActionAskAgency(context=ctx), tracker)
    assert messages[1]["response"] == "utter_ask_agency"
    assert all("km" not in b["title"] for b in messages[1]["buttons"])
    assert messages[0]["custom"]["agencies"]["origin"] is None


async def test_a_typed_postcode_orders_the_agencies_from_there(ctx) -> None:
    tracker = form_tracker(
        "booking_form",
        slots={"service_code": "quick_service", "customer_known": True},
        candidates={"agency": "33300"},
        requested="agency",
        metadata=CAMILLE,
    )
    events, _ = await run(ValidateBookingForm(context=ctx), tracker)
    assert SlotSet("agency", None) in events
    location = next(e["value"] for e in events if e.get("name") == "customer_location")
    asked = message_tracker(
        "33300",
        metadata=CAMILLE,
        slots={"service_code": "quick_service", "customer_location": location},
    )
    _, messages = await run(ActionAskAgency(context=ctx), asked)
    assert '"agency":"bordeaux-lac"' in messages[1]["buttons"][0]["payload"]


async def test_a_place_nobody_knows_is_said(ctx) -> None:
    tracker = form_tracker(
        "booking_form",
        slots={"service_code": "quick_service", "customer_known": True},
        candidates={"agency": "Atlantis"},
        requested="agency",
        metadata=CAMILLE,
    )
    events, messages = await run(ValidateBookingForm(context=ctx), tracker)
    assert SlotSet("agency", None) in events
    assert messages == [said("utter_place_unknown")]


# ------------------------------------------------------------------ issue 5: first message


async def test_plate_and_vin_in_the_first_identification_message_are_used(ctx) -> None:
    tracker = form_tracker(
        "identification_form",
        text="je veux identifier mon véhicule AB-123-CD ZDM1RBBW5KB012345",
        intent="identify_vehicle",
        metadata=WEB_VISITOR,
        activation=True,
    )
    events, _ = await run(ValidateIdentificationForm(context=ctx, transports={}), tracker)
    assert SlotSet("vehicle_plate", "AB-123-CD") in events
    assert SlotSet("vehicle_vin", "ZDM1RBBW5KB012345") in events
    assert SlotSet("identification_outcome", "match") in events


# ------------------------------------------------------------------ answers in the wrong question


async def test_a_reference_typed_at_the_mileage_question_is_not_read_as_km(
    ctx, seeded_uow_factory
) -> None:
    identify(seeded_uow_factory, "Hugo Bernard", "QR-246-VX")
    tracker = form_tracker(
        FORM,
        slots={"service_code": "visit_1000"},
        candidates={"workshop_mileage": "DV-2099-0003"},
        requested="workshop_mileage",
        metadata=HUGO,
    )
    events, messages = await run(validator(ctx), tracker)
    assert SlotSet("workshop_mileage", None) in events
    assert requested(events) == "workshop_mileage"
    assert messages == [said("utter_mileage_in_code")]


@pytest.mark.parametrize("text", ["visite des 1000", "1000 km visit"])
async def test_a_service_named_at_the_quote_question_switches_to_that_service(
    ctx, seeded_uow_factory, text
) -> None:
    identify(seeded_uow_factory, "Hugo Bernard", "QR-246-VX")
    tracker = form_tracker(
        FORM,
        slots={"service_code": "repair"},
        candidates={"quote_number": text},
        requested="quote_number",
        text=text,
        intent="workshop_services",
        metadata=HUGO,
    )
    events, messages = await run(validator(ctx), tracker)
    assert SlotSet("service_code", "visit_1000") in events
    assert SlotSet("quote_number", "1000KMVISIT") not in events
    assert requested(events) == "workshop_mileage"
    assert responses(messages) == ["utter_workshop_service_switched"]
    assert list_callbacks(seeded_uow_factory(), status=None) == []


async def test_a_service_name_read_as_an_answer_is_no_quote_number(ctx, seeded_uow_factory) -> None:
    identify(seeded_uow_factory, "Camille Martin", "AB-123-CD")
    tracker = form_tracker(
        FORM,
        slots={"service_code": "repair"},
        candidates={"quote_number": "1000 km visit"},
        requested="quote_number",
        metadata=CAMILLE,
    )
    events, messages = await run(validator(ctx), tracker)
    assert SlotSet("quote_number", None) in events
    assert requested(events) == "quote_number"
    assert messages == [said("utter_invalid_quote_number")]


@pytest.mark.parametrize(
    ("text", "intent"),
    [("I don't have it with me", "no_quote_number"), ("je ne l'ai pas sur moi", "inform")],
)
async def test_no_quote_number_at_hand_offers_an_advisor_and_ends_the_repair(
    ctx, seeded_uow_factory, text, intent
) -> None:
    identify(seeded_uow_factory, "Camille Martin", "AB-123-CD")
    tracker = form_tracker(
        FORM,
        slots={"service_code": "repair"},
        candidates={"quote_number": text},
        requested="quote_number",
        text=text,
        intent=intent,
        metadata=CAMILLE,
    )
    events, messages = await run(validator(ctx), tracker)
    assert messages == [said("utter_quote_number_missing")]
    assert SlotSet("workshop_outcome", "no_quote") in events
    assert requested(events) is None
    outcome, _ = await run(
        ActionWorkshopOutcome(context=ctx),
        message_tracker("x", slots={"service_code": "repair", "workshop_outcome": "no_quote"}),
    )
    assert outcome == [SlotSet("workshop_book", False)]
