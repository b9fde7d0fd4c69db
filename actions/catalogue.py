"""Vehicle information: the models offered for test rides that a customer asks about
("vous avez des modèles A2 ?", "do you sell electric bikes?"), from the catalogue. A rule
then runs the usage form, which offers the test ride."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PitlaneAction, language_of
from core.catalogue import ModelQuery, ModelView, search_catalogue

MAX_LINES = 6
USAGES = {
    "fr": {"road": "route", "offroad": "tout-terrain", "sport": "piste"},
    "en": {"road": "road", "offroad": "off-road", "sport": "track"},
}
LICENCES = {
    "fr": {"A2": "permis A2", "A": "permis A"},
    "en": {"A2": "A2 licence", "A": "A licence"},
}
ENERGY = {
    "fr": {True: "électrique", False: "thermique"},
    "en": {True: "electric", False: "petrol"},
}
ENGINE = {"fr": "{cc} cm³", "en": "{cc} cc"}
SEARCH = {"fr": " pour votre recherche « {criteria} »", "en": " for your search “{criteria}”"}
MORE = {"fr": "… et {count} autres", "en": "… and {count} more"}


class ActionVehicleInfo(PitlaneAction):
    """`action_vehicle_info`: the models matching the latest message, or others to try."""

    def name(self) -> str:
        return "action_vehicle_info"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = language_of(tracker)
        text = str((tracker.latest_message or {}).get("text") or "")
        found = search_catalogue(self.context.uow(), text, suggestions=MAX_LINES)
        if found.empty:
            dispatcher.utter_message(response="utter_vehicle_catalogue_empty")
        elif found.models:
            searched = SEARCH[lang].format(criteria=criteria(found.query, lang))
            dispatcher.utter_message(
                response="utter_vehicle_models",
                models=model_lines(found.models, lang),
                search="" if found.query.is_empty else searched,
            )
        else:
            dispatcher.utter_message(
                response="utter_vehicle_models_none",
                models=model_lines(found.suggestions, lang),
                criteria=criteria(found.query, lang),
            )
        return []


def criteria(query: ModelQuery, lang: str) -> str:
    """What was searched, in words: "tout-terrain, permis A2, électrique, Zero"."""
    parts = [USAGES[lang][usage] for usage in ("road", "offroad", "sport") if usage in query.usages]
    if query.licence:
        parts.append(LICENCES[lang][query.licence])
    if query.electric is not None:
        parts.append(ENERGY[lang][query.electric])
    parts += sorted(query.brands) + sorted(query.models)
    return ", ".join(parts)


def model_line(view: ModelView, lang: str) -> str:
    """ "Yamaha MT-07 · route · permis A2 · 689 cm³ · Bordeaux, Lyon, Paris"."""
    engine = ENERGY[lang][True] if view.electric else ENGINE[lang].format(cc=view.engine_cc)
    # cities are shorter than agency names in a chat bubble; two agencies of one city are
    # shown once (the booking then lists the agencies by name)
    cities = ", ".join(dict.fromkeys(agency.city for agency in view.agencies))
    parts = [view.name, USAGES[lang][view.usage], LICENCES[lang][view.licence], engine, cities]
    return " · ".join(part for part in parts if part)


def model_lines(views: list[ModelView], lang: str) -> str:
    """At most MAX_LINES lines, then how many more there are."""
    lines = [f"• {model_line(view, lang)}" for view in views[:MAX_LINES]]
    if len(views) > MAX_LINES:
        lines.append(MORE[lang].format(count=len(views) - MAX_LINES))
    return "\n".join(lines)
