"""The conversation's language, filled on every message (custom slot mapping)."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker, ValidationAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import LANGUAGES, channel_identity
from core.parsing import detect_language

# A language named in a message: "in English", "vous parlez anglais ?", "en français svp".
NAMED_LANGUAGES = {
    "en": re.compile(r"\b(english|anglais|eng)\b", re.IGNORECASE),
    "fr": re.compile(r"\b(french|fran[cç]ais)\b", re.IGNORECASE),
}


def chosen_language(entities: list[dict[str, Any]], text: str) -> str | None:
    """The language asked for: the control's `language_choice` entity, else the one the text
    names ("vous parlez anglais ?" -> "en", a bare "EN"); None when it names none or both."""
    for entity in entities:
        if entity.get("entity") == "language_choice" and entity.get("value") in LANGUAGES:
            return str(entity["value"])
    if text.strip().lower() in LANGUAGES:
        return text.strip().lower()
    named = [language for language, words in NAMED_LANGUAGES.items() if words.search(text)]
    return named[0] if len(named) == 1 else None


class ValidateSlotMappings(ValidationAction):
    """`action_validate_slot_mappings`: the language the customer writes in, detected on
    every message; when a message says too little to tell ("ok", a button), the language
    kept so far, else the one the channel says (browser, Telegram)."""

    def name(self) -> str:
        return "action_validate_slot_mappings"

    async def extract_language(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Only a change is returned, so quiet turns add no event. A language the customer
        chose (the widget's control, "can you speak English?") holds until another choice."""
        latest = tracker.latest_message or {}
        text = latest.get("text") or ""
        if (latest.get("intent") or {}).get("name") == "set_language":
            chosen = chosen_language(latest.get("entities") or [], text)
            if chosen is not None:
                changed = {} if chosen == tracker.get_slot("language") else {"language": chosen}
                return {**changed, "language_chosen": True}
        if tracker.get_slot("language_chosen"):
            return {}
        written = detect_language(text)
        kept = tracker.get_slot("language")
        language = written or (None if kept else channel_identity(tracker).language)
        if language is None or language == tracker.get_slot("language"):
            return {}
        return {"language": language}

    async def validate_language(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"language": value if value in LANGUAGES else None}
