"""When the model is unsure, ask (issue 11): below the FallbackClassifier's threshold, or
between two close intents, the likeliest readings are offered as buttons instead of a bare
"not understood".

The buttons carry the values the message already held (`/repair{"quote_number": ...}`), so
choosing one loses nothing of what was typed.
"""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PitlaneAction, language_of
from core import i18n
from ops import metrics

# The readings worth offering, each with its button title (`reading_<intent>`, actions context
# of the catalogues). Intents that only answer a question (inform, affirm, deny...) or close a
# conversation are never offered.
READINGS = (
    "check_maintenance",
    "quick_service",
    "diagnostic",
    "repair",
    "visit_1000",
    "workshop_services",
    "find_agency",
    "vehicle_info",
    "usage_road",
    "usage_offroad",
    "usage_sport",
    "contact_info",
    "ask_phone",
    "ask_email",
    "ask_advisor",
    "request_callback",
    "identify_vehicle",
    "my_bookings",
    "ask_repair_status",
    "ask_vehicle_history",
    "feedback",
    "complain",
    "complaint_status",
    "show_profile",
    "edit_profile",
    "my_data",
    "delete_account",
)
OTHER_PAYLOAD = "/show_menu"  # the last button, "something else": the menu
MAX_READINGS = 3
MIN_CONFIDENCE = 0.08  # a reading less likely than this is noise, not an option
MIN_TOP_CONFIDENCE = 0.25  # under this, the likeliest reading is a guess: "not understood"


def likely_readings(latest_message: dict[str, Any]) -> list[str]:
    """The intents worth offering, likeliest first (at most MAX_READINGS); none when the
    likeliest reading is one that cannot be offered (out of scope, a greeting...) or is
    itself unlikely: the message was not understood, and the menu says what the bot can do."""
    ranking = [
        item
        for item in latest_message.get("intent_ranking") or []
        if item.get("name") != "nlu_fallback"
    ]
    if not ranking or ranking[0].get("name") not in READINGS:
        return []
    if (ranking[0].get("confidence") or 0.0) < MIN_TOP_CONFIDENCE:
        return []  # not even the likeliest reading is likely: not understood
    readings = []
    for item in ranking:
        name, confidence = item.get("name"), item.get("confidence") or 0.0
        if name in READINGS and confidence >= MIN_CONFIDENCE and name not in readings:
            readings.append(name)
    return readings[:MAX_READINGS]


def guessed_intent(latest_message: dict[str, Any]) -> str | None:
    """The intent the model ranked first, nlu_fallback aside (None: no ranking)."""
    for item in latest_message.get("intent_ranking") or []:
        if item.get("name") != "nlu_fallback":
            return item.get("name")
    return None


def reading_payload(intent: str, entities: list[dict[str, Any]]) -> str:
    """`/intent`, with the values the message held: `/repair{"quote_number":"DV-2026-0412"}`."""
    values = {
        e["entity"]: e["value"]
        for e in entities
        if isinstance(e.get("entity"), str) and isinstance(e.get("value"), str)
    }
    if not values:
        return f"/{intent}"
    return f"/{intent}" + json.dumps(values, ensure_ascii=False, separators=(",", ":"))


class ActionClarify(PitlaneAction):
    """`action_clarify`: "Vous voulez : un diagnostic · une révision · autre chose ?"."""

    def name(self) -> str:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        latest = tracker.latest_message or {}
        readings = likely_readings(latest)
        kind = "clarified" if readings else "not_understood"
        metrics.understanding_fallback(guessed_intent(latest), kind, domain.get("intents", ()))
        if not readings:
            dispatcher.utter_message(response="utter_default")
            dispatcher.utter_message(response="utter_menu")
            return []
        titles = i18n.messages("actions", language_of(tracker))
        entities = latest.get("entities") or []
        buttons = [
            {"title": titles[f"reading_{intent}"], "payload": reading_payload(intent, entities)}
            for intent in readings
        ]
        buttons.append({"title": titles["reading_other"], "payload": OTHER_PAYLOAD})
        dispatcher.utter_message(response="utter_clarify", buttons=buttons)
        return []
