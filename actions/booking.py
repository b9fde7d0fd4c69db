"""Booking: which agency, which slot, who the customer is; saved as soon as all are known.

The booking is saved inside `validate_booking_form`, right after the slot validations of
the turn that completes it, so a slot taken meanwhile is answered in the same turn with a
fresh offer (`slot_choice` reset, the form asks it again through `action_ask_slot_choice`).
When there is nothing to offer (no agency offers the service, no free slot this week or
next), the ask action says so and ends the form (`requested_slot` None, as a validation
action may): the form ends without `booking_reference` and the workflow restarts.

The slot offer ends with a "more times" button, `/choose{"slot_choice":"more"}`: the
validator keeps slot_choice empty and sets `slot_more`, so the form asks again and the ask
action offers free slots not shown yet (`slots_shown`, the starts every offer of this
booking showed; core.bookings.offer_slots `exclude`). Once next week's were all shown too,
it gives the agency's phone number and offers the first slots again.
"""

from __future__ import annotations

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
from actions.identity import WithTransports
from actions.slot_offers import (
    MORE_SLOTS,
    choose_payload,
    is_wish,
    iso_utc,
    near_wish,
    slot_buttons,
    wished_slots,
)
from core import i18n
from core.agencies import AgencyView, agencies_offering, get_agency, service_names
from core.booking_documents import booking_ids, send_confirmation_email
from core.bookings import WeekOffer, book_slot, offer_slots, slot_minutes
from core.customers import find_customer, parse_contact, register_customer
from core.errors import InvalidValue, NotFound, SlotTaken, SlotUnavailable
from core.formatting import format_number, format_slot
from core.geo import agencies_near, locate
from core.parsing import match_choice, parse_person_name
from core.reviews import rating_texts
from ops import metrics

OFFER_RESPONSES = {
    "this_week": "utter_offer_this_week",
    "next_week": "utter_offer_next_week",
    "none": "utter_no_slots",
}
# The offer of the slots after those already shown (the "more times" button).
MORE_OFFER_RESPONSES = {
    "this_week": "utter_offer_more_this_week",
    "next_week": "utter_offer_more_next_week",
}
SLOT_OF_CODE = {"invalid_name": "customer_name", "invalid_contact": "customer_contact"}
# What the customer told for a workshop service, kept with the booking (bookings.details).
DETAIL_SLOTS = {
    "workshop_mileage": "mileage",
    "problem_description": "description",
    "problem_image_ids": "attachment_ids",
    "quote_number": "quote_number",
}


def booking_details(slots: dict[str, Any]) -> dict[str, Any] | None:
    """`{"mileage": 1200, "description": "...", "attachment_ids": [3], ...}` from the
    workflow's slots (only those given); None when there is nothing."""
    details: dict[str, Any] = {}
    for slot, key in DETAIL_SLOTS.items():
        value = slots.get(slot)
        if value is None or value == []:
            continue
        if key == "mileage":
            value = int(value)
        elif key == "attachment_ids":
            value = [int(item) for item in value]
        details[key] = value
    return details or None


def _coordinates(latitude: Any, longitude: Any) -> tuple[float, float] | None:
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        return None
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


def message_location(tracker: Tracker) -> tuple[float, float] | None:
    """A location shared with the latest message (hub metadata `location`)."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    location = metadata.get("location")
    if not isinstance(location, dict):
        return None
    return _coordinates(location.get("latitude"), location.get("longitude"))


def customer_origin(tracker: Tracker) -> tuple[float, float] | None:
    """Where the customer is: the latest shared location, else the slot "lat,lon"."""
    shared = message_location(tracker)
    if shared is not None:
        return shared
    parts = as_text(tracker.get_slot("customer_location")).split(",")
    return _coordinates(*parts) if len(parts) == 2 else None


def location_text(latitude: float, longitude: float) -> str:
    return f"{latitude:.5f},{longitude:.5f}"


def location_events(tracker: Tracker) -> list[EventType]:
    """`customer_location` from a location shared with the latest message, when new."""
    shared = message_location(tracker)
    if shared is None:
        return []
    value = location_text(*shared)
    if tracker.get_slot("customer_location") == value:
        return []
    tracker.slots["customer_location"] = value
    return [SlotSet("customer_location", value)]


def rounded_km(km: float) -> float:
    """The distance shown everywhere (buttons and the map's list): one decimal under 10 km,
    whole kilometres above."""
    return round(km, 1) if km < 10 else float(round(km))


def distance_text(km: float, language: str = "fr") -> str:
    """'4,2 km' / '4.2 km', '37 km': the same number as `rounded_km`."""
    return i18n.text(
        "actions", "distance_km", language, distance=format_number(rounded_km(km), language)
    )


def parse_iso_utc(value: Any) -> datetime | None:
    """A slot_choice value back to an aware UTC datetime; None when it is not one."""
    try:
        start = datetime.fromisoformat(as_text(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return start.astimezone(timezone.utc) if start.tzinfo else None


class ValidateBookingForm(WithTransports, PitlaneFormValidator):
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
        located = location_events(tracker)
        events = await super().run(dispatcher, tracker, domain)
        events = [*located, *events]
        return [SlotSet("customer_known", known is not None), *events] if changed else events

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if tracker.slots.get("customer_known"):
            return ["agency", "slot_choice", "slot_confirmed"]
        return ["agency", "slot_choice", "slot_confirmed", "customer_name", "customer_contact"]

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
        """An agency offering the service, by code (button), name or city (typed); another
        city or a postcode (or a shared location) orders the agencies nearest first."""
        choices = {a.code: [a.name, a.city] for a in self._agencies(tracker)}
        try:
            return {"agency": match_choice(as_text(value), choices)}
        except InvalidValue:
            pass
        if message_location(tracker) is not None:
            return {"agency": None}  # customer_location set by run(): asked again, sorted
        place = locate(as_text(value))
        if place is None:
            dispatcher.utter_message(response="utter_place_unknown")
            return {"agency": None}
        return {
            "agency": None,
            "customer_location": location_text(place.latitude, place.longitude),
        }

    def validate_slot_choice(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A slot start from a button; whether it is still free is for `book_slot` to say.
        The "more times" button asks again, for slots not shown yet. A typed day or time
        ("vendredi après-midi", "saturday at 10") asks again with the slots matching it."""
        text = as_text(value)
        if text.startswith(MORE_SLOTS):
            return {"slot_choice": None, "slot_more": True}
        start = parse_iso_utc(value)
        if start is not None:
            return {"slot_choice": iso_utc(start)}
        if is_wish(text, self.context.now(), self.context.timezone):
            return {"slot_choice": None, "slot_wish": text}
        dispatcher.utter_message(response="utter_use_buttons")
        return {"slot_choice": None}

    def validate_slot_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """ "Confirmer" keeps the slot; "Changer" offers the slots again."""
        if value is True:
            return {"slot_confirmed": True}
        return {"slot_confirmed": None, "slot_choice": None}

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
        if slots.get("slot_confirmed") is not True:
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
                details=booking_details(slots),
            )
        except (SlotTaken, SlotUnavailable):
            metrics.booking_outcome(service, "slot_taken")
            # nothing was held while the customer confirmed: the slots nearest to the one
            # chosen are offered next
            dispatcher.utter_message(response="utter_slot_taken")
            return [
                *events,
                SlotSet("slot_choice", None),
                SlotSet("slot_confirmed", None),
                SlotSet("slot_wish", near_wish(start, self.context.timezone)),
            ]
        except NotFound:
            dispatcher.utter_message(response="utter_default")
            return [*events, SlotSet("agency", None), SlotSet("slot_choice", None)]
        metrics.booking_outcome(service, "booked")
        language = language_of(tracker)
        self._send_confirmation_email(booking.reference, customer.id)
        address = self._show_agency(dispatcher, booking.agency)
        # for utter_booking_confirmed (sent by a rule once the form ends)
        return [
            *events,
            SlotSet("booking_reference", booking.reference),
            SlotSet(
                "booking_when", format_slot(booking.start_utc, self.context.timezone, language)
            ),
            SlotSet("booking_agency", booking.agency_name),
            SlotSet(
                "booking_service",
                service_names(uow(), language).get(booking.service, booking.service),
            ),
            SlotSet("booking_address", address),
        ]

    def _send_confirmation_email(self, reference: str, customer_id: int) -> None:
        """The confirmation e-mail with the calendar invite, when the customer proved their
        e-mail address; a failure is logged and the booking stands."""
        context = self.context
        found = booking_ids(context.uow(), customer_id, [reference])
        if reference in found:
            send_confirmation_email(
                self.transports,
                context.uow(),
                found[reference],
                context.now(),
                organizer=context.mail_from,
                links=context.links,
            )

    def _show_agency(self, dispatcher: CollectingDispatcher, agency_code: str) -> str | None:
        """Where the booked agency is, as the custom `{"venue": ...}` message: Telegram shows
        it on a map, the widget leaves it out, the REST channel passes it on. Returns its
        postal address ("48 boulevard de la Chapelle, 75018 Paris")."""
        try:
            agency = get_agency(self.context.uow(), agency_code)
        except NotFound:
            return None
        address = f"{agency.address}, {agency.postcode} {agency.city}"
        venue = {
            "latitude": agency.latitude,
            "longitude": agency.longitude,
            "title": agency.name,
            "address": address,
        }
        dispatcher.utter_message(json_message={"venue": venue})
        return address

    def _agencies(self, tracker: Tracker) -> list[AgencyView]:
        service = tracker.get_slot("service_code")
        if not service:
            return []
        try:
            return agencies_offering(self.context.uow(), service)
        except NotFound:
            return []


class ActionAskAgency(PitlaneAction):
    """`action_ask_agency`: one button per agency offering the service, nearest first with
    its distance when the customer's location is known, and the custom message
    `{"agencies": {...}}` (docs/workshop.md) the widget draws as a map (rarely shown alone:
    the validator picks the agency itself when only one offers the service)."""

    def name(self) -> str:
        return "action_ask_agency"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        service = tracker.get_slot("service_code")
        origin = customer_origin(tracker)
        try:
            agencies = (
                agencies_near(self.context.uow(), service, *(origin or (None, None)))
                if service
                else []
            )
        except NotFound:
            agencies = []
        if not agencies:
            dispatcher.utter_message(response="utter_no_slots")
            return [SlotSet(REQUESTED_SLOT, None)]
        language = language_of(tracker)
        ratings = rating_texts(self.context.uow(), language)  # issue 16: "4,6/5 · 38 avis"
        buttons = [
            {
                "title": " — ".join(
                    part
                    for part in (
                        agency.name,
                        None if km is None else distance_text(km, language),
                        ratings.get(agency.code),
                    )
                    if part
                ),
                "payload": choose_payload("agency", agency.code),
            }
            for agency, km in agencies
        ]
        # the map first, then the question with its buttons (docs/workshop.md): Telegram
        # shows the venues above the buttons, the widget the map above the question
        dispatcher.utter_message(
            json_message={"agencies": agencies_message(service, origin, agencies, ratings)}
        )
        response = "utter_ask_agency" if origin is None else "utter_agencies_nearest"
        dispatcher.utter_message(response=response, buttons=buttons)
        return location_events(tracker)


def agencies_message(
    service: str | None,
    origin: tuple[float, float] | None,
    agencies: list[tuple[AgencyView, float | None]],
    ratings: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The `agencies` custom message of docs/workshop.md (`service` None: a list of the
    agencies, nothing to book from it); `ratings`: "4,6/5 · 38 avis" by agency code (issue
    16, core/reviews.py), each item's `rating` (null when too few ratings)."""
    return {
        "service": service,
        "origin": None if origin is None else {"latitude": origin[0], "longitude": origin[1]},
        "items": [
            {
                "code": agency.code,
                "name": agency.name,
                "address": agency.address,
                "city": agency.city,
                "postcode": agency.postcode,
                "latitude": agency.latitude,
                "longitude": agency.longitude,
                "phone": agency.phone,
                "distance_km": None if km is None else rounded_km(km),
                "rating": (ratings or {}).get(agency.code),
            }
            for agency, km in agencies
        ],
    }


def shown_starts(tracker: Tracker) -> list[datetime]:
    """The starts the offers of this booking showed so far (slot `slots_shown`)."""
    raw = tracker.get_slot("slots_shown")
    starts = [parse_iso_utc(item) for item in raw] if isinstance(raw, list) else []
    return [start for start in starts if start is not None]


class ActionAskSlotConfirmed(PitlaneAction):
    """`action_ask_slot_confirmed`: the booking in one line (service, agency, day and time,
    duration) with "Confirmer" / "Changer"; nothing is held meanwhile."""

    def name(self) -> str:
        return "action_ask_slot_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        agency_code, service = tracker.get_slot("agency"), tracker.get_slot("service_code")
        start = parse_iso_utc(tracker.get_slot("slot_choice"))
        language = language_of(tracker)
        try:
            agency = get_agency(self.context.uow(), agency_code)
            minutes = slot_minutes(self.context.uow(), agency_code, service)
        except NotFound:
            dispatcher.utter_message(response="utter_default")
            return [SlotSet("slot_choice", None)]
        dispatcher.utter_message(
            response="utter_slot_summary",
            service=service_names(self.context.uow(), language).get(service, service),
            agency=agency.name,
            when=format_slot(start, self.context.timezone, language) if start else "",
            minutes=minutes,
        )
        return []


class ActionAskSlotChoice(PitlaneAction):
    """`action_ask_slot_choice`: this week's free slots, else next week's, as buttons, and
    a last "more times" button; after it (`slot_more`), free slots not shown yet."""

    def name(self) -> str:
        return "action_ask_slot_choice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        agency = tracker.get_slot("agency")
        wish = tracker.get_slot("slot_wish")
        if wish:
            wished = self._wished(dispatcher, tracker, str(wish))
            if wished is not None:
                return wished
        more = bool(tracker.get_slot("slot_more"))
        shown = shown_starts(tracker) if more else []
        offer = self._offer(tracker, shown)
        responses = MORE_OFFER_RESPONSES if more else OFFER_RESPONSES
        if more and not offer.slots:
            # every free slot of this week and next was shown: the agency's phone, then
            # the first slots again (the customer may still pick one of them)
            self._no_more_slots(dispatcher, agency)
            shown, offer, responses = [], self._offer(tracker), OFFER_RESPONSES
        events: list[EventType] = [SlotSet("slot_more", False)] if more else []
        if not offer.slots:
            dispatcher.utter_message(response="utter_no_slots")
            return [*events, SlotSet(REQUESTED_SLOT, None)]
        starts = [slot.start_utc for slot in offer.slots]
        buttons = slot_buttons(starts, self.context.timezone, language_of(tracker))
        dispatcher.utter_message(
            response=responses[offer.week], buttons=buttons, agency=self._agency_name(agency)
        )
        offered = [iso_utc(start) for start in [*shown, *starts]]
        return [*events, SlotSet("slots_shown", offered)]

    def _wished(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, wish: str
    ) -> list[EventType] | None:
        """The free slots matching what the customer typed, else the nearest ones; None when
        the wish can no longer be read or nothing is free around it (the usual offer)."""
        tz = self.context.timezone
        agency, service = tracker.get_slot("agency"), tracker.get_slot("service_code")
        found = wished_slots(self.context.uow(), agency, service, wish, self.context.now(), tz)
        if found is None:
            return None
        response = "utter_offer_wish" if found.matching else "utter_offer_wish_nearest"
        language = language_of(tracker)
        dispatcher.utter_message(
            response=response,
            buttons=slot_buttons(found.starts, tz, language),
            agency=self._agency_name(agency),
            days=found.days_text(self.context.today(), language),
        )
        shown = [iso_utc(start) for start in found.starts]
        return [SlotSet("slot_wish", None), SlotSet("slots_shown", shown)]

    def _offer(self, tracker: Tracker, shown: list[datetime] | None = None) -> WeekOffer:
        agency, service = tracker.get_slot("agency"), tracker.get_slot("service_code")
        try:
            return offer_slots(
                self.context.uow(), agency, service, self.context.now(), exclude=shown or ()
            )
        except NotFound:
            return WeekOffer("none", [])

    def _agency_name(self, agency_code: str) -> str:
        """The agency's name, said with its slots ("Pitlane Lyon Gerland")."""
        try:
            return get_agency(self.context.uow(), agency_code).name
        except NotFound:
            return agency_code

    def _no_more_slots(self, dispatcher: CollectingDispatcher, agency_code: str) -> None:
        try:
            agency = get_agency(self.context.uow(), agency_code)
        except NotFound:
            return  # the first slots cannot be found either: utter_no_slots follows
        dispatcher.utter_message(
            response="utter_no_more_slots", agency_name=agency.name, agency_phone=agency.phone
        )
