"""Contact information: the group's e-mail or phone number, whichever was asked."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PitlaneAction
from core.agencies import company_contact
from core.errors import NotFound

KIND_OF_INTENT = {"ask_email": "email", "ask_phone": "phone"}


class ActionGiveContact(PitlaneAction):
    """`action_give_contact`: ask_email -> utter_contact_email, ask_phone -> utter_contact_phone."""

    def name(self) -> str:
        return "action_give_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""
        kind = KIND_OF_INTENT.get(intent) or tracker.get_slot("contact_kind")
        try:
            contact = company_contact(self.context.uow())
        except NotFound:
            dispatcher.utter_message(response="utter_default")
            return []
        if kind != "phone":
            dispatcher.utter_message(response="utter_contact_email", email=contact.email)
        if kind != "email":
            dispatcher.utter_message(response="utter_contact_phone", phone=contact.phone)
        return [SlotSet("contact_kind", kind)] if kind else []
