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

# The readings worth offering, with their button titles. Intents that only answer a
# question (inform, affirm, deny...) or close a conversation are never offered.
READINGS: dict[str, tuple[str, str]] = {
    "check_maintenance": ("Vérifier l'entretien, une révision", "Check my maintenance"),
    "quick_service": ("Un service rapide (pneus, vidange…)", "A quick service (tyres, oil…)"),
    "diagnostic": ("Un diagnostic (panne, voyant…)", "A diagnostic (fault, warning light…)"),
    "repair": ("Une réparation sur devis", "A repair from a quote"),
    "visit_1000": ("La visite des 1000 km", "The 1000 km visit"),
    "workshop_services": ("Les services de l'atelier", "The workshop services"),
    "find_agency": ("Trouver une agence", "Find an agency"),
    "vehicle_info": ("Nos modèles et les essais", "Our models and test rides"),
    "usage_road": ("Essayer une moto sur route", "Test ride a road bike"),
    "usage_offroad": ("Essayer une moto tout-terrain", "Test ride an off-road bike"),
    "usage_sport": ("Essayer une moto sur circuit", "Test ride a track bike"),
    "contact_info": ("Vos coordonnées", "Your contact details"),
    "ask_phone": ("Votre numéro de téléphone", "Your phone number"),
    "ask_email": ("Votre adresse e-mail", "Your e-mail address"),
    "ask_advisor": ("Parler à un conseiller", "Talk to an advisor"),
    "request_callback": ("Être rappelé(e)", "Be called back"),
    "identify_vehicle": ("Identifier mon véhicule", "Identify my vehicle"),
    "my_bookings": ("Mes rendez-vous", "My appointments"),
    "feedback": ("Donner mon avis", "Give feedback"),
    "complain": ("Faire une réclamation", "Make a complaint"),
    "complaint_status": ("Suivre ma réclamation", "Follow my complaint"),
    "show_profile": ("Voir mon profil", "See my profile"),
    "edit_profile": ("Modifier mon profil", "Change my profile"),
    "my_data": ("Mes données", "My data"),
    "delete_account": ("Supprimer mon compte", "Delete my account"),
}
OTHER = {"fr": ("Autre chose", "/show_menu"), "en": ("Something else", "/show_menu")}
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
        if not readings:
            dispatcher.utter_message(response="utter_default")
            dispatcher.utter_message(response="utter_menu")
            return []
        language = language_of(tracker)
        index = 1 if language == "en" else 0
        entities = latest.get("entities") or []
        buttons = [
            {"title": READINGS[intent][index], "payload": reading_payload(intent, entities)}
            for intent in readings
        ]
        title, payload = OTHER[language]
        buttons.append({"title": title, "payload": payload})
        dispatcher.utter_message(response="utter_clarify", buttons=buttons)
        return []
