"""The conversation's language, filled on every message (custom slot mapping)."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker, ValidationAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import LANGUAGES, channel_identity
from core.parsing import detect_language

# A language named in a message: "in English", "vous parlez anglais ?", "en français svp",
# with the usual typos ("englsh", "francias").
NAMED_LANGUAGES = {
    "en": re.compile(
        r"\b(english|englsh|englich|inglish|ingl[eé]s|anglai[sx]?e?|eng)\b", re.IGNORECASE
    ),
    "fr": re.compile(r"\b(french|frnech|fren?ch|fran[cç]ai[sx]e?|francias)\b", re.IGNORECASE),
}
OTHER = {"en": "fr", "fr": "en"}
# Within the clause of a language word, what says it is the one the customer does NOT want:
# "I don't speak French", "je comprends pas le français", "rather than French" before it;
# "my French is bad", "mon anglais est nul" after it.
NOT_BEFORE = re.compile(
    r"\b(not|don'?t|do not|doesn'?t|can'?t|cannot|no|no more|pas|ne|n'|rien|aucun|mal|"
    r"plus d'|plus de|rather than|instead of|plut[oô]t qu'?e?|au lieu de?)\b|\bn'|\bd'$",
    re.IGNORECASE,
)
NOT_AFTER = re.compile(
    r"^\W*((is|isn'?t|est|n'est)\s+(\w+\s+)?(bad|terrible|poor|rusty|basic|limited|"
    r"rubbish|not|great|nul|pas|mauvais|limit[eé]|basique|rouill[eé])|badly|poorly)\b",
    re.IGNORECASE,
)
# What marks the language asked for: "in English", "en français", "to French" before it;
# "English please", "français svp" after it.
ASKED_BEFORE = re.compile(r"\b(in|into|to|en|vers)\s*$", re.IGNORECASE)
ASKED_AFTER = re.compile(r"^\W*(please|pls|plz|svp|stp|s'il)\b", re.IGNORECASE)
CLAUSE = re.compile(r"[,.;!?]|\b(but|mais|so|donc|alors)\b", re.IGNORECASE)


def chosen_language(entities: list[dict[str, Any]], text: str) -> str | None:
    """The language asked for: the control's `language_choice` entity, else the one the text
    asks for ("vous parlez anglais ?" -> "en") or the other of one it refuses ("I don't
    understand French" -> "en"). When a message names both, a language asked for in so many
    words ("in French", "English please") outweighs one only mentioned; None when it names
    none or the readings weigh the same."""
    for entity in entities:
        if entity.get("entity") == "language_choice" and entity.get("value") in LANGUAGES:
            return str(entity["value"])
    if text.strip().lower() in LANGUAGES:
        return text.strip().lower()
    weight = {"en": 0, "fr": 0}
    for language, words in NAMED_LANGUAGES.items():
        for match in words.finditer(text):
            before = CLAUSE.split(text[: match.start()])[-1]
            after = CLAUSE.split(text[match.end() :])[0]
            if NOT_BEFORE.search(before) or NOT_AFTER.search(after):
                weight[OTHER[language]] += 1
            else:
                asked = bool(ASKED_BEFORE.search(before)) + bool(ASKED_AFTER.search(after))
                weight[language] += 1 + asked
    if weight["en"] == weight["fr"]:
        return None
    return "en" if weight["en"] > weight["fr"] else "fr"


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
