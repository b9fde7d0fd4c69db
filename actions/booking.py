"""Booking: which agency, which slot, who the customer is; saved as soon as all are known.

The booking is saved inside `validate_booking_form`, right after the slot validations of
the turn that completes it, so a slot taken meanwhile is answered in the same turn with a
fresh offer (`slot_choice` reset, the form asks it again through `action_ask_slot_choice`).
When there is nothing to offer (no agency offers the service, no free slot this week or
next), the ask action says so and ends the form (`requested_slot` None, as a validation
action may): the form ends without `booking_reference` and the workflow restarts.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions.base import (
    INVALID_RESPONSES,
    PitlaneAction,
    PitlaneFormValidator,
    as_text,
    channel_identity,
    language_of,
)
from core.agencies import AgencyView, agencies_offering, get_agency
from core.bookings import WeekOffer, book_slot, offer_slots
from core.customers import find_customer, parse_contact, register_customer
from core.errors import InvalidValue, NotFound, SlotTaken, SlotUnavailable
from core.formatting import format_slot
from core.parsing import match_choice, parse_person_name

OFFER_RESPONSES = {
    "this_week": "utter_offer_this_week",
    "next_week": "utter_offer_next_week",
    "none": "utter_no_slots",
}
SLOT_OF_CODE = {"invalid_name": "customer_name", "invalid_contact": "customer_contact"}


def choose_payload(slot: str, value: str) -> str:
    """A button payload that fills one slot: `/choose{"slot_choice":"..."}`."""
    return "/choose" + json.dumps({slot: value}, separators=(",", ":"))


def iso_utc(start: datetime) -> str:
    """'2031-03-04T08:00:00+00:00': the slot_choice value of a slot."""
    return start.astimezone(timezone.utc).isoformat()


def parse_iso_utc(value: Any) -> datetime | None:
    """A slot_choice value back to an aware UTC datetime; None when it is not one."""
    try:
        start = datetime.fromisoformat(as_text(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return start.astimezone(timezone.utc) if start.tzinfo else None


class ValidateBookingForm(PitlaneFormValidator):
    """`validate_booking_form`: agency, slot_choice, then name and contact if unknown."""

    def name(self) -> str:
        return "validate_booking_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Look the customer up once per turn; `customer_known` is returned when it changes."""
        identity = channel_identity(tracker)
        known = find_customer(self.context.uow(), identity.channel, identity.external_id)
        changed = tracker.slots.get("customer_known") != (known is not None)
        tracker.slots["customer_known"] = known is not None
        events = await super().run(dispatcher, tracker, domain)
        return [SlotSet("customer_known", known is not None), *events] if changed else events

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if tracker.slots.get("customer_known"):
            return ["agency", "slot_choice"]
        return ["agency", "slot_choice", "customer_name", "customer_contact"]

    async def extract_agency(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The agency is chosen for the customer when only one offers the service."""
        if tracker.get_slot("agency") is not None:
            return {}
        agencies = self._agencies(tracker)
        return {"agency": agencies[0].code} if len(agencies) == 1 else {}

    def validate_agency(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """An agency offering the service, by code (button), name or city (typed)."""
        choices = {a.code: [a.name, a.city] for a in self._agencies(tracker)}
        try:
            return {"agency": match_choice(as_text(value), choices)}
        except InvalidValue:
            return {"agency": None}

    def validate_slot_choice(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A slot start from a button; whether it is still free is for `book_slot` to say."""
        start = parse_iso_utc(value)
        return {"slot_choice": iso_utc(start) if start else None}

    def validate_customer_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self.parsed("customer_name", value, parse_person_name, dispatcher)

    def validate_customer_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self.parsed(
            "customer_contact", value, lambda text: parse_contact(text)[1], dispatcher
        )

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """The slot validations, then the booking when they complete it."""
        events = await super().get_validation_events(dispatcher, tracker, domain)
        return [*events, *self._book_if_ready(dispatcher, tracker)]

    def _book_if_ready(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        slots = tracker.slots
        start = parse_iso_utc(slots.get("slot_choice"))
        agency, service = slots.get("agency"), slots.get("service_code")
        if slots.get("booking_reference") or not (agency and service and start):
            return []
        identity = channel_identity(tracker)
        uow = self.context.uow
        events: list[EventType] = []
        customer = find_customer(uow(), identity.channel, identity.external_id)
        if customer is None:
            name, contact = slots.get("customer_name"), slots.get("customer_contact")
            if not (name and contact):
                return []
            try:
                customer = register_customer(
                    uow(),
                    channel=identity.channel,
                    external_id=identity.external_id,
                    name=name,
                    contact=contact,
                    language=language_of(tracker),
                )
            except InvalidValue as error:
                dispatcher.utter_message(response=INVALID_RESPONSES[error.code])
                return [SlotSet(SLOT_OF_CODE[error.code], None)]
            events.append(SlotSet("customer_known", True))
        try:
            booking = book_slot(
                uow(),
                agency_code=agency,
                service_code=service,
                start_utc=start,
                customer_id=customer.id,
                channel=identity.channel,
                now=self.context.now(),
            )
        except (SlotTaken, SlotUnavailable):
            dispatcher.utter_message(response="utter_slot_taken")
            return [*events, SlotSet("slot_choice", None)]
        except NotFound:
            dispatcher.utter_message(response="utter_default")
            return [*events, SlotSet("agency", None), SlotSet("slot_choice", None)]
        self._show_agency(dispatcher, booking.agency)
        return [
            *events,
            SlotSet("booking_reference", booking.reference),
            SlotSet(
                "booking_when",
                format_slot(booking.start_utc, self.context.timezone, language_of(tracker)),
            ),
            SlotSet("booking_agency", booking.agency_name),
        ]

    def _show_agency(self, dispatcher: CollectingDispatcher, agency_code: str) -> None:
        """Where the booked agency is, as the custom `{"venue": ...}` message: Telegram shows
        it on a map, the widget leaves it out, the REST channel passes it on."""
        try:
            agency = get_agency(self.context.uow(), agency_code)
        except NotFound:
            return
        address = f"{agency.address}, {agency.postcode} {agency.city}"
        venue = {
            "latitude": agency.latitude,
            "longitude": agency.longitude,
            "title": agency.name,
            "address": address,
        }
        dispatcher.utter_message(json_message={"venue": venue})

    def _agencies(self, tracker: Tracker) -> list[AgencyView]:
        service = tracker.get_slot("service_code")
        if not service:
            return []
        try:
            return agencies_offering(self.context.uow(), service)
        except NotFound:
            return []


class ActionAskAgency(PitlaneAction):
    """`action_ask_agency`: one button per agency offering the service (rarely shown alone:
    the validator picks the agency itself when only one offers the service)."""

    def name(self) -> str:
        return "action_ask_agency"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        service = tracker.get_slot("service_code")
        try:
            agencies = agencies_offering(self.context.uow(), service) if service else []
        except NotFound:
            agencies = []
        if not agencies:
            dispatcher.utter_message(response="utter_no_slots")
            return [SlotSet(REQUESTED_SLOT, None)]
        buttons = [
            {"title": agency.name, "payload": choose_payload("agency", agency.code)}
            for agency in agencies
        ]
        dispatcher.utter_message(response="utter_ask_agency", buttons=buttons)
        return []


class ActionAskSlotChoice(PitlaneAction):
    """`action_ask_slot_choice`: this week's free slots, else next week's, as buttons."""

    def name(self) -> str:
        return "action_ask_slot_choice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        agency, service = tracker.get_slot("agency"), tracker.get_slot("service_code")
        try:
            offer = offer_slots(self.context.uow(), agency, service, self.context.now())
        except NotFound:
            offer = WeekOffer("none", [])
        if not offer.slots:
            dispatcher.utter_message(response="utter_no_slots")
            return [SlotSet(REQUESTED_SLOT, None)]
        language = language_of(tracker)
        buttons = [
            {
                "title": format_slot(slot.start_utc, self.context.timezone, language),
                "payload": choose_payload("slot_choice", iso_utc(slot.start_utc)),
            }
            for slot in offer.slots
        ]
        dispatcher.utter_message(response=OFFER_RESPONSES[offer.week], buttons=buttons)
        return []
