"""Vehicle information: the riding usage chooses the test ride (and so its calendar)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PitlaneAction, PitlaneFormValidator, as_text
from core.agencies import service_for_usage
from core.errors import InvalidValue, NotFound
from core.parsing import parse_usage


class ValidateUsageForm(PitlaneFormValidator):
    """`validate_usage_form`: "road", "offroad" or "sport", from buttons or words."""

    def name(self) -> str:
        return "validate_usage_form"

    def validate_usage(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Not understood: the form simply asks again, with its buttons."""
        try:
            return {"usage": parse_usage(as_text(value))}
        except InvalidValue:
            return {"usage": None}


class ActionSetTestService(PitlaneAction):
    """`action_set_test_service`: `service_code` from the usage (road -> road_test, ...)."""

    def name(self) -> str:
        return "action_set_test_service"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            service = service_for_usage(self.context.uow(), tracker.get_slot("usage") or "")
        except NotFound:
            dispatcher.utter_message(response="utter_default")
            return [SlotSet("service_code", None)]
        return [SlotSet("service_code", service)]
