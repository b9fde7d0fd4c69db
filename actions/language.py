"""The conversation's language, filled on every message (custom slot mapping)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker, ValidationAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import LANGUAGES, channel_identity
from core.parsing import detect_language


class ValidateSlotMappings(ValidationAction):
    """`action_validate_slot_mappings`: the language the customer writes in, detected on
    every message; when a message says too little to tell ("ok", a button), the language
    kept so far, else the one the channel says (browser, Telegram)."""

    def name(self) -> str:
        return "action_validate_slot_mappings"

    async def extract_language(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Only a change is returned, so quiet turns add no event."""
        written = detect_language((tracker.latest_message or {}).get("text") or "")
        kept = tracker.get_slot("language")
        language = written or (None if kept else channel_identity(tracker).language)
        if language is None or language == tracker.get_slot("language"):
            return {}
        return {"language": language}

    async def validate_language(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"language": value if value in LANGUAGES else None}
