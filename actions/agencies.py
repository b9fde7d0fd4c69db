"""Finding an agency: "vous avez un garage près de Marseille ?", "where is your nearest
workshop?" (intent `find_agency`, docs/nlu.md).

The place comes from the message (a city or a postcode, core/geo.py), a location shared with
it, or the one the customer gave earlier in the conversation; the agencies are listed
nearest first, with the map message of docs/workshop.md (`service` null: nothing to book
from the map), then what the customer can do next.
"""

from __future__ import annotations

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
from core import i18n
from core.geo import locate, nearest_agencies

# What to do next, as buttons: the key of each title (actions context of the catalogues),
# its payload (plain intents: Rasa reads no braces here).
NEXT_STEPS = (
    ("agencies_next_workshop", "/workshop_services"),
    ("agencies_next_test_ride", "/vehicle_info"),
    ("agencies_next_menu", "/show_menu"),
)
LISTED = 3  # agencies written out in the text (the map shows them all)


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
        shown = agencies_message(None, origin, agencies)
        dispatcher.utter_message(json_message={"agencies": shown})
        lines = "\n".join(
            f"• {agency.name}"
            + ("" if km is None else f" ({distance_text(km, language)})")
            + f" — {agency.address}, {agency.postcode} {agency.city} · {agency.phone}"
            for agency, km in agencies[:LISTED]
        )
        titles = i18n.messages("actions", language)
        buttons = [{"title": titles[key], "payload": payload} for key, payload in NEXT_STEPS]
        if place is not None:
            response, extra = "utter_agencies_near_place", {"place": place.name}
        elif origin is not None:
            response, extra = "utter_agencies_near_you", {}
        else:
            response, extra = "utter_agencies_all", {}
        dispatcher.utter_message(response=response, agencies=lines, buttons=buttons, **extra)
        return events
