"""Booking form: agency, slot offers, unknown customers, the booking saved in its calendar.

Demo data seeded at FIXED_NOW (Wednesday 19 November 2025, 10:30 in Paris): at Paris Nord
the three next maintenance slots (11:00, 14:00, 15:00) are full; the only track (Lyon
Gerland) is full for the rest of the week; Camille is known on the web as "demo-camille".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk.events import SlotSet

from actions.base import ActionContext
from actions.booking import (
    ActionAskAgency,
    ActionAskSlotChoice,
    ActionAskSlotConfirmed,
    ValidateBookingForm,
)
from core.bookings import book_slot, list_bookings, offer_slots
from core.customers import find_customer
from core.models import Service
from core.uow import UnitOfWork
from tests.integration.actions_kit import (
    CAMILLE,
    DOMAIN,
    FIRST_REFUSAL,
    WEB_VISITOR,
    context,
    form_tracker,
    message_tracker,
    run,
    said,
)

UowFactory = Callable[[], UnitOfWork]
FULL_AT_PARIS = "2025-11-19T10:00:00+00:00"  # Wednesday 11:00 in Paris, seeded full
THURSDAY_9 = "2025-11-20T08:00:00+00:00"  # free
MAINTENANCE_AT_PARIS = {"service_code": "maintenance", "agency": "paris-nord"}
REFERENCE = re.compile(r"PL-[A-HJ-NP-Z2-9]{6}")


@pytest.fixture
def ctx(seeded_uow_factory: UowFactory, now: datetime) -> ActionContext:
    return context(seeded_uow_factory, now)


def booking_turn(
    candidates: dict, *, metadata: dict, known: bool, requested: str, language: str = "fr"
) -> object:
    return form_tracker(
        "booking_form",
        slots={**MAINTENANCE_AT_PARIS, "customer_known": known, "language": language},
        candidates=candidates,
        requested=requested,
        metadata=metadata,
    )


def confirm_turn(
    start: str,
    *,
    slots: dict | None = None,
    metadata: dict = CAMILLE,
    known: bool = True,
    language: str = "fr",
) -> object:
    """The turn where the customer taps "Confirmer" under the summary of `start`."""
    return form_tracker(
        "booking_form",
        slots={
            **(slots or MAINTENANCE_AT_PARIS),
            "slot_choice": start,
            "customer_known": known,
            "language": language,
        },
        candidates={"slot_confirmed": True},
        requested="slot_confirmed",
        metadata=metadata,
    )


def taken_events(start: str) -> list:
    """A slot taken at "Confirmer": offered again, the nearest to it first."""
    local = datetime.fromisoformat(start).astimezone(ZoneInfo("Europe/Paris"))
    return [
        SlotSet("slot_confirmed", True),
        SlotSet("slot_choice", None),
        SlotSet("slot_confirmed", None),
        SlotSet("slot_wish", local.strftime("%d/%m/%Y %H:%M")),
        SlotSet("requested_slot", "slot_choice"),
    ]


# ------------------------------------------------------------------ required slots and agency


async def test_a_known_customer_is_asked_the_agency_only(ctx: ActionContext) -> None:
    tracker = form_tracker(
        "booking_form", slots={"service_code": "maintenance"}, activation=True, metadata=CAMILLE
    )
    events, messages = await run(ValidateBookingForm(context=ctx), tracker)
    assert events == [SlotSet("customer_known", True), SlotSet("requested_slot", "agency")]
    assert messages == []


async def test_an_unknown_customer_has_all_four_slots_required(ctx: ActionContext) -> None:
    tracker = form_tracker(
        "booking_form",
        slots={"service_code": "maintenance"},
        activation=True,
        metadata=WEB_VISITOR,
    )
    events, messages = await run(ValidateBookingForm(context=ctx), tracker)
    # agency, slot_choice, customer_name, customer_contact: the domain's list, which Rasa
    # itself walks, so the SDK adds no requested_slot.
    assert events == [SlotSet("customer_known", False)]
    assert messages == []


async def test_the_only_agency_offering_the_service_is_picked(ctx: ActionContext) -> None:
    tracker = form_tracker(
        "booking_form", slots={"service_code": "track_test"}, activation=True, metadata=CAMILLE
    )
    events, messages = await run(ValidateBookingForm(context=ctx), tracker)
    assert events == [
        SlotSet("customer_known", True),
        SlotSet("agency", "lyon-gerland"),
        SlotSet("requested_slot", "slot_choice"),
    ]
    assert messages == []


async def test_the_agencies_offering_the_service_are_buttons(ctx: ActionContext) -> None:
    tracker = message_tracker("", slots={"service_code": "offroad_test"})
    events, messages = await run(ActionAskAgency(context=ctx), tracker)
    assert events == []
    assert messages[1] == said(
        "utter_ask_agency",
        buttons=[
            {"title": "Pitlane Bordeaux Lac", "payload": '/choose{"agency":"bordeaux-lac"}'},
            # the demo's surveys rate Lyon Gerland (data/demo.yaml, planning_history); Bordeaux
            # has too few ratings to show one
            {
                "title": "Pitlane Lyon Gerland — 4,4/5 · 32 avis",
                "payload": '/choose{"agency":"lyon-gerland"}',
            },
        ],
    )
    # and the agencies for the widget's map (docs/workshop.md), no origin known, FIRST
    agencies = messages[0]["custom"]["agencies"]
    assert (agencies["service"], agencies["origin"]) == ("offroad_test", None)
    assert [item["code"] for item in agencies["items"]] == ["bordeaux-lac", "lyon-gerland"]


async def test_no_agency_offering_the_service_ends_the_form(
    ctx: ActionContext, seeded_uow_factory: UowFactory
) -> None:
    with seeded_uow_factory() as uow:
        uow.session.add(Service(code="paint", name_fr="Peinture", name_en="Paint", kind="workshop"))
        uow.commit()
    tracker = message_tracker("", slots={"service_code": "paint"})
    events, messages = await run(ActionAskAgency(context=ctx), tracker)
    assert events == [SlotSet("requested_slot", None)]
    assert messages == [said("utter_no_slots")]


@pytest.mark.parametrize(
    ("value", "agency"),
    [("lyon-gerland", "lyon-gerland"), ("Lyon", "lyon-gerland"), ("bordeaux", "bordeaux-lac")],
)
async def test_an_agency_is_chosen_by_button_or_by_name(
    ctx: ActionContext, value: str, agency: str
) -> None:
    tracker = form_tracker(
        "booking_form",
        slots={"service_code": "offroad_test", "customer_known": True},
        candidates={"agency": value},
        requested="agency",
        metadata=CAMILLE,
    )
    events, messages = await run(ValidateBookingForm(context=ctx), tracker)
    assert events == [SlotSet("agency", agency), SlotSet("requested_slot", "slot_choice")]
    assert messages == []


@pytest.mark.parametrize("value", ["paris-nord", "marseille"])  # Paris has no off-road test
async def test_an_agency_not_offering_the_service_is_asked_again(
    ctx: ActionContext, value: str
) -> None:
    tracker = form_tracker(
        "booking_form",
        slots={"service_code": "offroad_test", "customer_known": True},
        candidates={"agency": value},
        requested="agency",
        metadata=CAMILLE,
    )
    events, messages = await run(ValidateBookingForm(context=ctx), tracker)
    # asked again; the city it names orders the agencies nearest first (core.geo)
    located = [e for e in events if e["name"] == "customer_location"]
    assert [e for e in events if e not in located] == [
        SlotSet("agency", None),
        SlotSet("requested_slot", "agency"),
    ]
    assert len(located) == 1
    assert messages == []


# ------------------------------------------------------------------ offers


async def test_this_weeks_free_slots_are_offered_in_the_customers_language(
    ctx: ActionContext,
) -> None:
    tracker = message_tracker("", slots={**MAINTENANCE_AT_PARIS, "language": "en"})
    events, messages = await run(ActionAskSlotChoice(context=ctx), tracker)
    assert [e["name"] for e in events] == ["slots_shown"] and len(events[0]["value"]) == 8
    assert messages == [
        said(
            "utter_offer_this_week",
            buttons=[
                {"title": title, "payload": '/choose{"slot_choice":"' + start + '"}'}
                for title, start in [
                    ("Wed 19 Nov 16:00", "2025-11-19T15:00:00+00:00"),
                    ("Wed 19 Nov 17:00", "2025-11-19T16:00:00+00:00"),
                    ("Thu 20 Nov 09:00", "2025-11-20T08:00:00+00:00"),
                    ("Thu 20 Nov 14:00", "2025-11-20T13:00:00+00:00"),
                    ("Fri 21 Nov 09:00", "2025-11-21T08:00:00+00:00"),
                    ("Fri 21 Nov 14:00", "2025-11-21T13:00:00+00:00"),
                    ("Sat 22 Nov 09:00", "2025-11-22T08:00:00+00:00"),
                    ("Sat 22 Nov 10:00", "2025-11-22T09:00:00+00:00"),
                ]
            ]
            + [{"title": "More times", "payload": MORE_PAYLOAD}],
            agency="Pitlane Paris Nord",
        )
    ]


async def test_next_weeks_slots_are_offered_when_this_week_is_full(ctx: ActionContext) -> None:
    tracker = message_tracker("", slots={"service_code": "track_test", "agency": "lyon-gerland"})
    events, messages = await run(ActionAskSlotChoice(context=ctx), tracker)
    assert [e["name"] for e in events] == ["slots_shown"]
    assert [message["response"] for message in messages] == ["utter_offer_next_week"]
    titles = [button["title"] for button in messages[0]["buttons"]]
    assert titles == [
        "ven. 28 nov. 09:00",
        "ven. 28 nov. 14:00",
        "sam. 29 nov. 09:00",
        "sam. 29 nov. 14:00",
        "dim. 30 nov. 09:00",
        "dim. 30 nov. 14:00",
        "Autres créneaux",
    ]


# ------------------------------------------------------------------ more times


MORE_PAYLOAD = '/choose{"slot_choice":"more"}'


def shown_of(events: list) -> list[str]:
    [shown] = [e["value"] for e in events if e["name"] == "slots_shown"]
    return shown


async def test_more_times_keeps_the_slot_empty_and_asks_again(ctx: ActionContext) -> None:
    tracker = booking_turn(
        {"slot_choice": "more"}, metadata=CAMILLE, known=True, requested="slot_choice"
    )
    events, messages = await run(ValidateBookingForm(context=ctx), tracker)
    # the form asks slot_choice again: action_ask_slot_choice offers the slots not shown
    assert events == [
        SlotSet("slot_choice", None),
        SlotSet("slot_more", True),
        SlotSet("requested_slot", "slot_choice"),
    ]
    assert messages == []


async def test_more_times_offers_free_slots_not_shown_yet_earliest_included(
    ctx: ActionContext,
) -> None:
    slots = {**MAINTENANCE_AT_PARIS, "language": "en"}
    first_events, first = await run(
        ActionAskSlotChoice(context=ctx), message_tracker("", slots=slots)
    )
    shown = shown_of(first_events)
    assert first[0]["buttons"][-1] == {"title": "More times", "payload": MORE_PAYLOAD}

    more = {**slots, "slot_more": True, "slots_shown": shown}
    events, messages = await run(ActionAskSlotChoice(context=ctx), message_tracker("", slots=more))

    assert [m["response"] for m in messages] == ["utter_offer_more_this_week"]
    offered = [b["payload"] for b in messages[0]["buttons"][:-1]]
    assert offered and not set(offered) & {'/choose{"slot_choice":"' + s + '"}' for s in shown}
    # free slots earlier than the last one shown are offered too: the first offer was
    # spread over the week, "more" fills the gaps before moving on
    starts = [payload.split('"')[3] for payload in offered]
    assert min(starts) < max(shown)
    assert SlotSet("slot_more", False) in events
    assert shown_of(events)[: len(shown)] == shown and len(shown_of(events)) > len(shown)


async def test_more_times_moves_on_to_next_week_when_this_weeks_were_all_shown(
    ctx: ActionContext,
) -> None:
    slots = {**MAINTENANCE_AT_PARIS}
    shown: list[str] = []
    for _ in range(20):  # until this week's free slots were all shown
        tracker = message_tracker(
            "", slots={**slots, "slot_more": bool(shown), "slots_shown": shown}
        )
        events, messages = await run(ActionAskSlotChoice(context=ctx), tracker)
        if messages[0]["response"] == "utter_offer_more_next_week":
            break
        shown = shown_of(events)
    else:
        raise AssertionError("next week never offered")
    assert messages[0]["buttons"][0]["title"].startswith("lun. 24 nov.")
    assert messages[0]["buttons"][-1]["title"] == "Autres créneaux"


async def test_nothing_left_to_show_gives_the_agency_phone_and_the_first_slots_again(
    ctx: ActionContext,
) -> None:
    every_start = [start.isoformat() for start in _all_free_slots(ctx)]
    slots = {**MAINTENANCE_AT_PARIS, "slot_more": True, "slots_shown": every_start}
    events, messages = await run(ActionAskSlotChoice(context=ctx), message_tracker("", slots=slots))
    assert messages[0] == said(
        "utter_no_more_slots", agency_name="Pitlane Paris Nord", agency_phone="+33 1 99 00 18 18"
    )
    assert messages[1]["response"] == "utter_offer_this_week"
    assert SlotSet("slot_more", False) in events and len(shown_of(events)) == 8


def _all_free_slots(ctx: ActionContext) -> list:
    """Every start the offers could show this week and next (paged by `exclude`)."""
    seen: list = []
    while True:
        offer = offer_slots(ctx.uow(), "paris-nord", "maintenance", ctx.now(), exclude=seen)
        if not offer.slots:
            return seen
        seen += [s.start_utc for s in offer.slots]


async def test_no_slot_this_week_or_next_ends_the_form(
    ctx: ActionContext, add_calendar: Callable[..., None]
) -> None:
    add_calendar("closed-agency", "maintenance", opening_hours={})
    tracker = message_tracker("", slots={"service_code": "maintenance", "agency": "closed-agency"})
    events, messages = await run(ActionAskSlotChoice(context=ctx), tracker)
    assert events == [SlotSet("requested_slot", None)]
    assert messages == [said("utter_no_slots")]


# ------------------------------------------------------------------ booking

# Sent after a booking (custom message): where the booked agency is, for a map.
PARIS_NORD_ADDRESS = "48 boulevard de la Chapelle, 75018 Paris"
PARIS_NORD_VENUE = {
    "latitude": 48.8843,
    "longitude": 2.355,
    "title": "Pitlane Paris Nord",
    "address": PARIS_NORD_ADDRESS,
}


async def test_a_known_customer_books_in_the_workshop_calendar(
    ctx: ActionContext, seeded_uow_factory: UowFactory
) -> None:
    tracker = confirm_turn(THURSDAY_9)
    events, messages = await run(ValidateBookingForm(context=ctx), tracker)
    reference = events[1]["value"]
    assert REFERENCE.fullmatch(reference)
    assert events == [
        SlotSet("slot_confirmed", True),
        SlotSet("booking_reference", reference),
        SlotSet("booking_when", "jeu. 20 nov. 09:00"),
        SlotSet("booking_agency", "Pitlane Paris Nord"),
        SlotSet("booking_service", "Entretien / révision"),
        SlotSet("booking_address", PARIS_NORD_ADDRESS),
        SlotSet("requested_slot", None),
    ]
    assert [m["custom"] for m in messages] == [{"venue": PARIS_NORD_VENUE}]
    [booking] = [b for b in list_bookings(seeded_uow_factory()) if b.reference == reference]
    assert (booking.service, booking.agency, booking.channel) == (
        "maintenance",
        "paris-nord",
        "web",
    )
    assert booking.start_utc == datetime(2025, 11, 20, 8, 0, tzinfo=timezone.utc)
    assert booking.customer_name == "Camille Martin"


async def test_a_test_ride_is_booked_in_its_own_calendar(
    ctx: ActionContext, seeded_uow_factory: UowFactory
) -> None:
    start = "2025-11-28T08:00:00+00:00"  # next week's Friday 09:00 on the track
    tracker = confirm_turn(start, slots={"service_code": "track_test", "agency": "lyon-gerland"})
    events, _ = await run(ValidateBookingForm(context=ctx), tracker)
    reference = events[1]["value"]
    services = {
        service: {b.reference for b in list_bookings(seeded_uow_factory(), service=service)}
        for service in ("maintenance", "road_test", "offroad_test", "track_test")
    }
    assert [s for s, references in services.items() if reference in references] == ["track_test"]


async def test_the_confirmation_is_in_english_for_an_english_customer(ctx: ActionContext) -> None:
    tracker = confirm_turn(THURSDAY_9, language="en")
    events, _ = await run(ValidateBookingForm(context=ctx), tracker)
    assert SlotSet("booking_when", "Thu 20 Nov 09:00") in events
    assert SlotSet("booking_service", "Maintenance service") in events
    assert SlotSet("booking_address", PARIS_NORD_ADDRESS) in events


def test_the_confirmation_names_the_service_and_the_agencys_address() -> None:
    """utter_booking_confirmed, filled from the slots validate_booking_form sets."""
    slots = {
        "booking_service": "Service rapide",
        "booking_when": "mar. 24 nov. 10:00",
        "booking_agency": "Pitlane Paris Nord",
        "booking_address": PARIS_NORD_ADDRESS,
        "booking_reference": "PL-7QX4MA",
    }
    french, english = (
        variation["text"].format(**slots)
        for variation in reversed(DOMAIN["responses"]["utter_booking_confirmed"])
    )
    assert french == (
        "C'est réservé ! Service rapide le mar. 24 nov. 10:00 chez Pitlane Paris Nord, "
        "48 boulevard de la Chapelle, 75018 Paris. Votre référence : PL-7QX4MA."
    )
    assert english.startswith("You're booked! Service rapide on mar. 24 nov. 10:00 at ")
    assert english.endswith(f"{PARIS_NORD_ADDRESS}. Your reference: PL-7QX4MA.")


async def test_a_full_slot_is_refused_and_a_fresh_offer_follows(
    ctx: ActionContext, seeded_uow_factory: UowFactory
) -> None:
    tracker = confirm_turn(FULL_AT_PARIS)
    events, messages = await run(ValidateBookingForm(context=ctx), tracker)
    assert events == taken_events(FULL_AT_PARIS)
    assert messages == [said("utter_slot_taken")]
    _, offer = await run(
        ActionAskSlotChoice(context=ctx), message_tracker("", slots=MAINTENANCE_AT_PARIS)
    )
    assert FULL_AT_PARIS not in str(offer[0]["buttons"])


async def test_a_slot_taken_by_someone_else_meanwhile_is_offered_no_more(
    ctx: ActionContext, seeded_uow_factory: UowFactory, now: datetime
) -> None:
    slots = {"service_code": "road_test", "agency": "bordeaux-lac"}  # capacity 1
    offered = offer_slots(seeded_uow_factory(), "bordeaux-lac", "road_test", now).slots[0]
    book_slot(
        seeded_uow_factory(),
        agency_code="bordeaux-lac",
        service_code="road_test",
        start_utc=offered.start_utc,
        customer_id=None,
        channel="telegram",
        now=now,
    )
    choice = offered.start_utc.isoformat()
    tracker = confirm_turn(choice, slots=slots)
    events, messages = await run(ValidateBookingForm(context=ctx), tracker)
    assert events == taken_events(choice)
    assert messages == [said("utter_slot_taken")]
    _, offer = await run(ActionAskSlotChoice(context=ctx), message_tracker("", slots=slots))
    assert choice not in str(offer[0]["buttons"])


@pytest.mark.parametrize("value", ["2025-11-20T08:17:00+00:00", "2025-11-18T08:00:00+00:00"])
async def test_a_time_that_is_not_a_free_slot_is_refused(ctx: ActionContext, value: str) -> None:
    tracker = confirm_turn(value)
    events, messages = await run(ValidateBookingForm(context=ctx), tracker)
    assert events == taken_events(value)
    assert messages == [said("utter_slot_taken")]


async def test_a_typed_day_is_kept_as_a_wish_and_asked_again(ctx: ActionContext) -> None:
    tracker = booking_turn(
        {"slot_choice": "jeudi matin"}, metadata=CAMILLE, known=True, requested="slot_choice"
    )
    events, messages = await run(ValidateBookingForm(context=ctx), tracker)
    assert events == [
        SlotSet("slot_choice", None),
        SlotSet("slot_wish", "jeudi matin"),
        SlotSet("requested_slot", "slot_choice"),
    ]
    assert messages == []


async def test_typed_text_that_is_no_time_asks_for_the_buttons(ctx: ActionContext) -> None:
    tracker = booking_turn(
        {"slot_choice": "bof"}, metadata=CAMILLE, known=True, requested="slot_choice"
    )
    events, messages = await run(ValidateBookingForm(context=ctx), tracker)
    assert events == [
        SlotSet("slot_choice", None),
        SlotSet("requested_slot", "slot_choice"),
        FIRST_REFUSAL,
    ]
    assert messages == [said("utter_use_buttons")]


def offered_starts(messages: list) -> list[datetime]:
    return [
        datetime.fromisoformat(button["payload"].split('"')[3])
        for button in messages[0]["buttons"]
        if "more" not in button["payload"]
    ]


@pytest.mark.parametrize(
    ("wish", "day", "before_noon"),
    [
        ("jeudi matin", 20, True),  # Thursday 20 November, the morning
        ("saturday around 10", 22, True),
        ("vendredi aprem", 21, False),
    ],
)
async def test_the_offer_follows_a_typed_wish(
    ctx: ActionContext, wish: str, day: int, before_noon: bool
) -> None:
    tracker = message_tracker("", slots={**MAINTENANCE_AT_PARIS, "slot_wish": wish})
    events, messages = await run(ActionAskSlotChoice(context=ctx), tracker)
    assert [m["response"] for m in messages] == ["utter_offer_wish"]
    # the day is named: the clock's tomorrow is Thursday 20
    named = {20: " demain (jeu. 20 nov.)", 21: " le ven. 21 nov.", 22: " le sam. 22 nov."}
    assert messages[0]["days"] == named[day]
    assert messages[0]["agency"] == "Pitlane Paris Nord"
    starts = offered_starts(messages)
    assert starts
    for start in starts:
        local = start.astimezone(ZoneInfo("Europe/Paris"))
        assert local.day == day and (local.hour < 12) == before_noon, local
    assert SlotSet("slot_wish", None) in events
    assert messages[0]["buttons"][-1]["payload"] == MORE_PAYLOAD


async def test_a_wish_with_nothing_free_offers_the_nearest_slots(ctx: ActionContext) -> None:
    # Lyon Gerland's track is full for the rest of this week: the nearest are next week's
    wish = "vendredi"  # Friday 21 November
    tracker = message_tracker(
        "", slots={"service_code": "track_test", "agency": "lyon-gerland", "slot_wish": wish}
    )
    events, messages = await run(ActionAskSlotChoice(context=ctx), tracker)
    assert [m["response"] for m in messages] == ["utter_offer_wish_nearest"]
    assert messages[0]["days"] == " le ven. 21 nov."  # the Friday said, nothing free then
    starts = offered_starts(messages)
    free = [
        o.start_utc for o in offer_slots(ctx.uow(), "lyon-gerland", "track_test", ctx.now()).slots
    ]
    assert starts and starts[0] == free[0]


# ------------------------------------------------------------------ unknown customers


async def test_an_unknown_customer_gives_name_and_contact_then_books_and_is_remembered(
    ctx: ActionContext, seeded_uow_factory: UowFactory
) -> None:
    form = ValidateBookingForm(context=ctx)
    unknown = {**MAINTENANCE_AT_PARIS, "customer_known": False}

    slot_turn = form_tracker(
        "booking_form",
        slots=unknown,
        candidates={"slot_choice": THURSDAY_9},
        requested="slot_choice",
        metadata=WEB_VISITOR,
    )
    events, messages = await run(form, slot_turn)
    assert events == [SlotSet("slot_choice", THURSDAY_9)]  # Rasa asks slot_confirmed next
    assert messages == []

    confirm = confirm_turn(THURSDAY_9, known=False, metadata=WEB_VISITOR)
    events, messages = await run(form, confirm)
    assert events == [SlotSet("slot_confirmed", True)]  # not booked yet: the name is asked
    assert messages == []
    unknown["slot_confirmed"] = True

    name_turn = form_tracker(
        "booking_form",
        slots={**unknown, "slot_choice": THURSDAY_9},
        candidates={"customer_name": "je m'appelle Jean Dupont"},
        requested="customer_name",
        metadata=WEB_VISITOR,
    )
    events, messages = await run(form, name_turn)
    assert events == [SlotSet("customer_name", "Jean Dupont")]
    assert messages == []

    contact_turn = form_tracker(
        "booking_form",
        slots={**unknown, "slot_choice": THURSDAY_9, "customer_name": "Jean Dupont"},
        candidates={"customer_contact": "06 12 34 56 78"},
        requested="customer_contact",
        metadata=WEB_VISITOR,
    )
    events, messages = await run(form, contact_turn)
    reference = events[2]["value"]
    assert events == [
        SlotSet("customer_contact", "+33612345678"),
        SlotSet("customer_known", True),
        SlotSet("booking_reference", reference),
        SlotSet("booking_when", "jeu. 20 nov. 09:00"),
        SlotSet("booking_agency", "Pitlane Paris Nord"),
        SlotSet("booking_service", "Entretien / révision"),
        SlotSet("booking_address", PARIS_NORD_ADDRESS),
        SlotSet("requested_slot", None),
    ]
    assert [m["custom"] for m in messages] == [{"venue": PARIS_NORD_VENUE}]
    customer = find_customer(seeded_uow_factory(), "web", "visitor-1")
    assert customer is not None
    assert (customer.name, customer.phone, customer.language) == (
        "Jean Dupont",
        "+33612345678",
        "fr",
    )
    [booking] = [b for b in list_bookings(seeded_uow_factory()) if b.reference == reference]
    assert booking.customer_id == customer.id

    next_time = form_tracker(
        "booking_form",
        slots={"service_code": "maintenance"},
        activation=True,
        metadata=WEB_VISITOR,
    )
    events, _ = await run(form, next_time)
    assert events == [SlotSet("customer_known", True), SlotSet("requested_slot", "agency")]


@pytest.mark.parametrize("typed", ["12", "a", "jean@example.fr"])
async def test_an_invalid_name_is_refused(ctx: ActionContext, typed: str) -> None:
    tracker = form_tracker(
        "booking_form",
        slots={**MAINTENANCE_AT_PARIS, "customer_known": False, "slot_choice": THURSDAY_9},
        candidates={"customer_name": typed},
        requested="customer_name",
        metadata=WEB_VISITOR,
    )
    events, messages = await run(ValidateBookingForm(context=ctx), tracker)
    assert events == [SlotSet("customer_name", None), FIRST_REFUSAL]
    assert messages == [said("utter_invalid_name")]


@pytest.mark.parametrize("typed", ["pas de tel", "06 12", "jean@", "jean.example.fr"])
async def test_an_invalid_contact_is_refused(ctx: ActionContext, typed: str) -> None:
    tracker = form_tracker(
        "booking_form",
        slots={
            **MAINTENANCE_AT_PARIS,
            "customer_known": False,
            "slot_choice": THURSDAY_9,
            "customer_name": "Jean Dupont",
        },
        candidates={"customer_contact": typed},
        requested="customer_contact",
        metadata=WEB_VISITOR,
    )
    events, messages = await run(ValidateBookingForm(context=ctx), tracker)
    assert events == [SlotSet("customer_contact", None), FIRST_REFUSAL]
    assert messages == [said("utter_invalid_contact")]


async def test_without_metadata_the_customer_is_the_rest_sender(
    ctx: ActionContext, seeded_uow_factory: UowFactory
) -> None:
    tracker = form_tracker(
        "booking_form",
        slots={
            **MAINTENANCE_AT_PARIS,
            "customer_known": False,
            "slot_choice": THURSDAY_9,
            "slot_confirmed": True,
            "customer_name": "Ann Lee",
        },
        candidates={"customer_contact": "ann@example.com"},
        requested="customer_contact",
        metadata=None,
        sender_id="curl-test",
    )
    events, _ = await run(ValidateBookingForm(context=ctx), tracker)
    assert SlotSet("customer_known", True) in events
    customer = find_customer(seeded_uow_factory(), "rest", "curl-test")
    assert customer is not None and customer.email == "ann@example.com"
    [booking] = [b for b in list_bookings(seeded_uow_factory()) if b.customer_id == customer.id]
    assert booking.channel == "rest"


async def test_a_chosen_slot_is_summed_up_before_it_is_booked(ctx: ActionContext) -> None:
    tracker = booking_turn(
        {"slot_choice": THURSDAY_9}, metadata=CAMILLE, known=True, requested="slot_choice"
    )
    events, messages = await run(ValidateBookingForm(context=ctx), tracker)
    # nothing is booked: the summary is asked next
    assert events == [
        SlotSet("slot_choice", THURSDAY_9),
        SlotSet("requested_slot", "slot_confirmed"),
    ]
    assert messages == []

    summary = message_tracker("", slots={**MAINTENANCE_AT_PARIS, "slot_choice": THURSDAY_9})
    events, messages = await run(ActionAskSlotConfirmed(context=ctx), summary)
    assert events == []
    assert messages == [
        said(
            "utter_slot_summary",
            service="Entretien / révision",
            agency="Pitlane Paris Nord",
            when="jeu. 20 nov. 09:00",
            minutes=60,
        )
    ]


async def test_change_offers_the_slots_again_and_books_nothing(
    ctx: ActionContext, seeded_uow_factory: UowFactory
) -> None:
    before = len(list_bookings(seeded_uow_factory()))
    tracker = form_tracker(
        "booking_form",
        slots={**MAINTENANCE_AT_PARIS, "slot_choice": THURSDAY_9, "customer_known": True},
        candidates={"slot_confirmed": False},
        requested="slot_confirmed",
        metadata=CAMILLE,
    )
    events, messages = await run(ValidateBookingForm(context=ctx), tracker)
    assert events == [
        SlotSet("slot_confirmed", None),
        SlotSet("slot_choice", None),
        SlotSet("requested_slot", "slot_choice"),
    ]
    assert messages == []
    assert len(list_bookings(seeded_uow_factory())) == before
