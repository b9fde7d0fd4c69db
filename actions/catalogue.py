"""Vehicle information: the models offered for test rides that a customer asks about
("vous avez des modèles A2 ?", "do you sell electric bikes?"), from the catalogue. A rule
then runs the usage form, which offers the test ride."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PitlaneAction, language_of
from core import i18n
from core.catalogue import ModelQuery, ModelView, search_catalogue

MAX_LINES = 6
USAGES = ("road", "offroad", "sport")  # in the order a search names them
# The words of the answers are in the catalogues (actions context): `catalogue_usage_<usage>`,
# `catalogue_licence_<licence>`, `catalogue_electric` / `catalogue_petrol`...


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
            searched = " " + i18n.text(
                "actions", "catalogue_search", lang, criteria=criteria(found.query, lang)
            )
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
    words = i18n.messages("actions", lang)
    parts = [words[f"catalogue_usage_{usage}"] for usage in USAGES if usage in query.usages]
    if query.licence:
        parts.append(words[f"catalogue_licence_{query.licence}"])
    if query.electric is not None:
        parts.append(words["catalogue_electric" if query.electric else "catalogue_petrol"])
    parts += sorted(query.brands) + sorted(query.models)
    return ", ".join(parts)


def model_line(view: ModelView, lang: str) -> str:
    """ "Yamaha MT-07 · route · permis A2 · 689 cm³ · Bordeaux, Lyon, Paris"."""
    words = i18n.messages("actions", lang)
    if view.electric:
        engine = words["catalogue_electric"]
    else:
        engine = i18n.text("actions", "catalogue_engine", lang, cc=view.engine_cc)
    # cities are shorter than agency names in a chat bubble; two agencies of one city are
    # shown once (the booking then lists the agencies by name)
    cities = ", ".join(dict.fromkeys(agency.city for agency in view.agencies))
    parts = [
        view.name,
        words[f"catalogue_usage_{view.usage}"],
        words[f"catalogue_licence_{view.licence}"],
        engine,
        cities,
    ]
    return " · ".join(part for part in parts if part)


def model_lines(views: list[ModelView], lang: str) -> str:
    """At most MAX_LINES lines, then how many more there are."""
    lines = [f"• {model_line(view, lang)}" for view in views[:MAX_LINES]]
    if len(views) > MAX_LINES:
        lines.append(i18n.text("actions", "catalogue_more", lang, count=len(views) - MAX_LINES))
    return "\n".join(lines)
