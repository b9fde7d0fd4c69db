"""The conversation's language, filled on every message (custom slot mapping)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker, ValidationAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import LANGUAGES, channel_identity
from core.parsing import detect_language


class ValidateSlotMappings(ValidationAction):
    """`action_validate_slot_mappings`: metadata language, else detected, else kept."""

    def name(self) -> str:
        return "action_validate_slot_mappings"

    async def extract_language(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Only a change is returned, so quiet turns add no event."""
        language = channel_identity(tracker).language or detect_language(
            (tracker.latest_message or {}).get("text") or ""
        )
        if language is None or language == tracker.get_slot("language"):
            return {}
        return {"language": language}

    async def validate_language(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"language": value if value in LANGUAGES else None}
