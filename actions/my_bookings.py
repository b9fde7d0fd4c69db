"""The customer's bookings in the chat: list the upcoming ones, cancel one, move one.

Every booking is looked up among the upcoming bookings of the customer known on this
channel, and core is called with that `customer_id`: a reference that is not theirs (an
old or forged button) is refused and nothing changes.
"""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions.base import PitlaneAction, PitlaneFormValidator, as_text, language_of
from actions.booking import choose_payload, iso_utc, parse_iso_utc
from actions.feedback import customer_id_of
from core.agencies import list_services
from core.bookings import BookingView, WeekOffer, cancel_booking, move_booking, offer_slots
from core.bookings import upcoming_bookings as core_upcoming_bookings
from core.errors import BookingNotMovable, NotFound, SlotTaken, SlotUnavailable
from core.formatting import format_slot

BUTTON_TITLES = {
    "fr": {"cancel": "Annuler", "move": "Déplacer", "menu": "Menu principal"},
    "en": {"cancel": "Cancel", "move": "Move", "menu": "Main menu"},
}
MENU_PAYLOAD = "/show_menu"


def booking_payload(intent: str, reference: str) -> str:
    """`/cancel_my_booking{"booking_choice":"PL-..."}`."""
    return f"/{intent}" + json.dumps({"booking_choice": reference}, separators=(",", ":"))


class BookingLookup:
    """Mixin: the customer's upcoming bookings and the one the button names."""

    def upcoming(self, tracker: Tracker) -> tuple[int | None, list[BookingView]]:
        customer_id = customer_id_of(self, tracker)
        if customer_id is None:
            return None, []
        context = self.context  # type: ignore[attr-defined]
        return customer_id, core_upcoming_bookings(context.uow(), customer_id, context.now())

    def chosen(self, tracker: Tracker) -> tuple[int | None, BookingView | None]:
        reference = as_text(tracker.get_slot("booking_choice")).strip().upper()
        customer_id, bookings = self.upcoming(tracker)
        found = [booking for booking in bookings if booking.reference == reference]
        return customer_id, (found[0] if found else None)

    def when(self, booking: BookingView, tracker: Tracker) -> str:
        context = self.context  # type: ignore[attr-defined]
        return format_slot(booking.start_utc, context.timezone, language_of(tracker))


class ActionMyBookings(BookingLookup, PitlaneAction):
    """`action_my_bookings`: each upcoming booking with Cancel / Move buttons; none: say so
    and show the menu."""

    def name(self) -> str:
        return "action_my_bookings"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        _, bookings = self.upcoming(tracker)
        if not bookings:
            dispatcher.utter_message(response="utter_no_upcoming_bookings")
            dispatcher.utter_message(response="utter_menu")
            return []
        language = language_of(tracker)
        names = {
            s.code: (s.name_en if language == "en" else s.name_fr)
            for s in list_services(self.context.uow())
        }
        titles = BUTTON_TITLES[language]
        dispatcher.utter_message(response="utter_my_bookings_intro")
        for index, booking in enumerate(bookings, start=1):
            buttons = [
                {
                    "title": titles["cancel"],
                    "payload": booking_payload("cancel_my_booking", booking.reference),
                },
                {
                    "title": titles["move"],
                    "payload": booking_payload("move_my_booking", booking.reference),
                },
            ]
            if index == len(bookings):  # a way out under the last one
                buttons.append({"title": titles["menu"], "payload": MENU_PAYLOAD})
            dispatcher.utter_message(
                response="utter_my_booking",
                buttons=buttons,
                service=names.get(booking.service, booking.service),
                when=self.when(booking, tracker),
                agency=booking.agency_name,
                booking=booking.reference,
            )
        return []


class ActionAskCancelConfirmed(BookingLookup, PitlaneAction):
    """`action_ask_cancel_confirmed`: yes/no on the booking named; not theirs: refuse, end."""

    def name(self) -> str:
        return "action_ask_cancel_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        _, booking = self.chosen(tracker)
        if booking is None:
            dispatcher.utter_message(response="utter_not_your_booking")
            return [SlotSet(REQUESTED_SLOT, None)]
        dispatcher.utter_message(
            response="utter_ask_cancel_confirmed",
            when=self.when(booking, tracker),
            agency=booking.agency_name,
            booking=booking.reference,
        )
        return []


class ActionCancelMyBooking(BookingLookup, PitlaneAction):
    """`action_cancel_my_booking`: after the yes/no, cancel (only a booking of theirs)."""

    def name(self) -> str:
        return "action_cancel_my_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        confirmed = tracker.get_slot("cancel_confirmed")
        if confirmed is None:  # refused when asked: already said
            return []
        if not confirmed:
            dispatcher.utter_message(response="utter_booking_kept")
            return []
        customer_id, booking = self.chosen(tracker)
        if customer_id is None or booking is None:
            dispatcher.utter_message(response="utter_not_your_booking")
            return []
        try:
            cancelled = cancel_booking(
                self.context.uow(), booking.reference, customer_id=customer_id
            )
        except NotFound:
            dispatcher.utter_message(response="utter_not_your_booking")
            return []
        dispatcher.utter_message(response="utter_booking_cancelled", booking=cancelled.reference)
        return []


class ActionAskMoveSlot(BookingLookup, PitlaneAction):
    """`action_ask_move_slot`: free slots of the booking's calendar as buttons."""

    def name(self) -> str:
        return "action_ask_move_slot"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        _, booking = self.chosen(tracker)
        if booking is None:
            dispatcher.utter_message(response="utter_not_your_booking")
            return [SlotSet(REQUESTED_SLOT, None)]
        try:
            offer = offer_slots(
                self.context.uow(), booking.agency, booking.service, self.context.now()
            )
        except NotFound:
            offer = WeekOffer("none", [])
        slots = [slot for slot in offer.slots if slot.start_utc != booking.start_utc]
        if not slots:
            dispatcher.utter_message(response="utter_no_slots")
            return [SlotSet(REQUESTED_SLOT, None)]
        language = language_of(tracker)
        buttons = [
            {
                "title": format_slot(slot.start_utc, self.context.timezone, language),
                "payload": choose_payload("slot_choice", iso_utc(slot.start_utc)),
            }
            for slot in slots
        ]
        dispatcher.utter_message(
            response="utter_ask_move_slot",
            buttons=buttons,
            when=self.when(booking, tracker),
            agency=booking.agency_name,
        )
        return []


class ValidateMoveBookingForm(BookingLookup, PitlaneFormValidator):
    """`validate_move_booking_form`: move to the slot chosen; taken meanwhile: say so, the
    form offers fresh slots."""

    def name(self) -> str:
        return "validate_move_booking_form"

    def validate_move_slot(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        start = parse_iso_utc(value)
        customer_id, booking = self.chosen(tracker)
        if customer_id is None or booking is None:
            dispatcher.utter_message(response="utter_not_your_booking")
            return {"move_slot": None, REQUESTED_SLOT: None}
        if start is None:
            return {"move_slot": None}
        try:
            moved = move_booking(
                self.context.uow(),
                booking.reference,
                start,
                now=self.context.now(),
                customer_id=customer_id,
            )
        except (SlotTaken, SlotUnavailable):
            dispatcher.utter_message(response="utter_slot_taken")
            return {"move_slot": None}
        except NotFound:
            dispatcher.utter_message(response="utter_not_your_booking")
            return {"move_slot": None, REQUESTED_SLOT: None}
        except BookingNotMovable as error:
            if error.code == "same_slot":
                return {"move_slot": None}
            dispatcher.utter_message(response="utter_booking_not_movable")
            return {"move_slot": None, REQUESTED_SLOT: None}
        dispatcher.utter_message(
            response="utter_booking_moved",
            booking=moved.reference,
            when=self.when(moved, tracker),
            agency=moved.agency_name,
        )
        return {"move_slot": iso_utc(moved.start_utc)}
