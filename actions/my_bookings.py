"""The customer's bookings in the chat: list the upcoming ones, cancel one, move one.

Every booking is looked up among the upcoming bookings of the customer known on this
channel, and core is called with that `customer_id`: a reference that is not theirs (an
old or forged button) is refused and nothing changes.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions.base import PitlaneAction, PitlaneFormValidator, as_text, language_of
from actions.booking import parse_iso_utc
from actions.feedback import customer_id_of
from actions.slot_offers import (
    MORE_SLOTS,
    is_wish,
    iso_utc,
    slot_buttons,
    wished_slots,
)
from core import i18n
from core.agencies import service_names
from core.booking_documents import booking_ids, booking_links
from core.bookings import BookingView, cancel_booking, free_slots, move_booking
from core.bookings import upcoming_bookings as core_upcoming_bookings
from core.errors import BookingNotMovable, NotFound, SlotTaken, SlotUnavailable
from core.formatting import format_slot
from ops import metrics

MENU_PAYLOAD = "/show_menu"

MOVE_WEEKS = 4  # a booking moves within the next four weeks
MOVE_PAGE = 8  # slots per page of the move offer


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
    """`action_my_bookings`: each upcoming booking with Cancel / Move buttons, then its
    documents (calendar invite, PDF confirmation: a `{"links": [...]}` message); none: say so
    and show the menu."""

    def name(self) -> str:
        return "action_my_bookings"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        customer_id, bookings = self.upcoming(tracker)
        if customer_id is None or not bookings:
            dispatcher.utter_message(response="utter_no_upcoming_bookings")
            dispatcher.utter_message(response="utter_menu")
            return []
        language = language_of(tracker)
        names = service_names(self.context.uow(), language)
        titles = i18n.messages("actions", language)
        dispatcher.utter_message(response="utter_my_bookings_intro")
        context = self.context
        ids = booking_ids(context.uow(), customer_id, [b.reference for b in bookings])
        for index, booking in enumerate(bookings, start=1):
            buttons = [
                {
                    "title": titles["my_bookings_cancel"],
                    "payload": booking_payload("cancel_my_booking", booking.reference),
                },
                {
                    "title": titles["my_bookings_move"],
                    "payload": booking_payload("move_my_booking", booking.reference),
                },
            ]
            if index == len(bookings):  # a way out under the last one
                buttons.append({"title": titles["my_bookings_menu"], "payload": MENU_PAYLOAD})
            dispatcher.utter_message(
                response="utter_my_booking",
                buttons=buttons,
                service=names.get(booking.service, booking.service),
                when=self.when(booking, tracker),
                agency=booking.agency_name,
                booking=booking.reference,
            )
            if context.links is not None and booking.reference in ids:
                links = booking_links(
                    context.links, ids[booking.reference], context.now(), language
                )
                dispatcher.utter_message(json_message={"links": links})
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
        metrics.booking_outcome(cancelled.service, "cancelled")
        dispatcher.utter_message(response="utter_booking_cancelled", booking=cancelled.reference)
        return []


class ActionAskMoveSlot(BookingLookup, PitlaneAction):
    """`action_ask_move_slot`: the free slots of the booking's calendar from now over the next
    MOVE_WEEKS weeks, a page at a time ("Autres créneaux" turns the page, then back to the
    first); after a typed wish (`slot_wish`), the free slots matching it or the nearest."""

    def name(self) -> str:
        return "action_ask_move_slot"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        _, booking = self.chosen(tracker)
        if booking is None:
            dispatcher.utter_message(response="utter_not_your_booking")
            return [SlotSet(REQUESTED_SLOT, None)]
        now, tz, language = self.context.now(), self.context.timezone, language_of(tracker)
        wish = tracker.get_slot("slot_wish")
        if wish:
            found = wished_slots(
                self.context.uow(),
                booking.agency,
                booking.service,
                str(wish),
                now,
                tz,
                exclude=(booking.start_utc,),
            )
            if found is not None:
                response = "utter_offer_wish" if found.matching else "utter_offer_wish_nearest"
                dispatcher.utter_message(
                    response=response,
                    buttons=slot_buttons(found.starts, tz, language),
                    agency=booking.agency_name,
                    days=found.days_text(self.context.today(), language),
                )
                return [SlotSet("slot_wish", None), SlotSet("move_page", 0.0)]
        starts = self._free(booking, now)
        if not starts:
            dispatcher.utter_message(response="utter_no_slots")
            return [SlotSet(REQUESTED_SLOT, None)]
        pages = max(1, -(-len(starts) // MOVE_PAGE))
        page = int(tracker.get_slot("move_page") or 0) % pages
        shown = starts[page * MOVE_PAGE : (page + 1) * MOVE_PAGE]
        dispatcher.utter_message(
            response="utter_ask_move_slot" if page == 0 else "utter_offer_move_more",
            buttons=slot_buttons(shown, tz, language, more=pages > 1),
            when=self.when(booking, tracker),
            agency=booking.agency_name,
        )
        return [SlotSet("slot_wish", None)] if wish else []

    def _free(self, booking: BookingView, now: datetime) -> list[datetime]:
        today = now.astimezone(ZoneInfo(self.context.timezone)).date()
        last = today + timedelta(days=7 * MOVE_WEEKS - 1)
        try:
            offers = free_slots(
                self.context.uow(), booking.agency, booking.service, now, today, last
            )
        except NotFound:
            return []
        return [offer.start_utc for offer in offers if offer.start_utc != booking.start_utc]


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
            return self._not_a_slot(as_text(value), dispatcher, tracker)
        try:
            moved = move_booking(
                self.context.uow(),
                booking.reference,
                start,
                now=self.context.now(),
                customer_id=customer_id,
            )
        except (SlotTaken, SlotUnavailable):
            metrics.booking_outcome(booking.service, "slot_taken")
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
        metrics.booking_outcome(moved.service, "moved")
        dispatcher.utter_message(
            response="utter_booking_moved",
            booking=moved.reference,
            when=self.when(moved, tracker),
            agency=moved.agency_name,
        )
        return {"move_slot": iso_utc(moved.start_utc)}

    def _not_a_slot(
        self, text: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        """ "More times" turns the page; a typed day or time is a wish; anything else asks
        for the buttons."""
        if text.startswith(MORE_SLOTS):
            return {
                "move_slot": None,
                "move_page": float(int(tracker.get_slot("move_page") or 0) + 1),
            }
        if is_wish(text, self.context.now(), self.context.timezone):
            return {"move_slot": None, "slot_wish": text}
        dispatcher.utter_message(response="utter_use_buttons")
        return {"move_slot": None}
