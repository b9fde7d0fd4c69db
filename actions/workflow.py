"""End of a workflow: forget its answers, keep the language, show the menu again."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PitlaneAction

WORKFLOW_SLOTS = (
    "vehicle_year",
    "last_service_date",
    "km_since_service",
    "service_anyway",
    "maintenance_due",
    "usage",
    "service_code",
    "agency",
    "slot_choice",
    "customer_name",
    "customer_contact",
    "customer_known",
    "booking_reference",
    "booking_when",
    "booking_agency",
    "contact_kind",
    "requested_slot",
)


class ActionResetWorkflow(PitlaneAction):
    """`action_reset_workflow`: clear the workflow slots that are set, then `utter_menu`."""

    def name(self) -> str:
        return "action_reset_workflow"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_menu")
        return [
            SlotSet(slot, None) for slot in WORKFLOW_SLOTS if tracker.slots.get(slot) is not None
        ]
