"""Finding an agency: "vous avez un garage près de Marseille ?", "where is your nearest
workshop?" (intent `find_agency`, docs/nlu.md).

The place comes from the message (a city or a postcode, core/geo.py), a location shared with
it, or the one the customer gave earlier in the conversation; the agencies are listed
nearest first, with the map message of docs/workshop.md (`service` null: nothing to book
from the map), then what the customer can do next.
"""

from __future__ import annotations

import json

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PitlaneAction, language_of
from actions.booking import (
    agencies_message,
    customer_origin,
    distance_text,
    location_events,
    location_text,
)
from core import i18n, reviews
from core.geo import locate, nearest_agencies

# What to do next, as buttons: the key of each title (actions context of the catalogues),
# its payload (plain intents: Rasa reads no braces here).
NEXT_STEPS = (
    ("agencies_next_workshop", "/workshop_services"),
    ("agencies_next_test_ride", "/vehicle_info"),
    ("agencies_next_menu", "/show_menu"),
)
LISTED = 3  # agencies written out in the text (the map shows them all)


def reviews_payload(agency_code: str) -> str:
    """The button that shows an agency's last approved reviews (actions/reviews.py)."""
    return "/agency_reviews" + json.dumps({"agency": agency_code}, separators=(",", ":"))


class ActionFindAgency(PitlaneAction):
    """`action_find_agency`: the agencies, nearest first when a place is known."""

    def name(self) -> str:
        return "action_find_agency"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        text = (tracker.latest_message or {}).get("text") or ""
        events = location_events(tracker)
        place = None if text.startswith("/") else locate(text)
        origin = customer_origin(tracker)
        if place is not None:
            origin = (place.latitude, place.longitude)
            events = [SlotSet("customer_location", location_text(*origin))]
        agencies = nearest_agencies(self.context.uow(), *(origin or (None, None)))
        if not agencies:
            dispatcher.utter_message(response="utter_no_agency")
            return events
        uow = self.context.uow
        ratings = reviews.rating_texts(uow(), language)  # issue 16: "4,6/5 · 38 avis"
        shown = agencies_message(None, origin, agencies, ratings)
        dispatcher.utter_message(json_message={"agencies": shown})
        lines = "\n".join(
            f"• {agency.name}"
            + ("" if km is None else f" ({distance_text(km, language)})")
            + (f" · {ratings[agency.code]}" if agency.code in ratings else "")
            + f" — {agency.address}, {agency.postcode} {agency.city} · {agency.phone}"
            for agency, km in agencies[:LISTED]
        )
        titles = i18n.messages("actions", language)
        reviewed = reviews.reviewed_agencies(uow())
        buttons = [
            {
                "title": i18n.text("reviews", "reviews_button", language, agency=agency.name),
                "payload": reviews_payload(agency.code),
            }
            for agency, _ in agencies[:LISTED]
            if agency.code in reviewed
        ]
        buttons += [{"title": titles[key], "payload": payload} for key, payload in NEXT_STEPS]
        if place is not None:
            response, extra = "utter_agencies_near_place", {"place": place.name}
        elif origin is not None:
            response, extra = "utter_agencies_near_you", {}
        else:
            response, extra = "utter_agencies_all", {}
        dispatcher.utter_message(response=response, agencies=lines, buttons=buttons, **extra)
        return events
