"""Callback request: when no advisor is free, the customer asks to be called back.

`callback_form` asks the number to call (filled from the customer's own phone when they are
known with one) and a short optional note ("Passer / Skip" is `/deny`); the note's validator
files the request (core `request_callback`: one open request per conversation) and says
the masked number and the reference. A rule then shows the menu (data/callback_rules.yml).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PitlaneAction, PitlaneFormValidator, as_text, channel_identity
from actions.feedback import customer_id_of, intent_of
from actions.identity import conversation_id
from core.customers import find_customer
from core.errors import InvalidValue
from core.identity import mask_phone
from core.workshop import parse_callback_phone, request_callback

SKIPPED = "-"  # callback_note when the customer skipped it
PHONE_REFUSED = {
    "invalid_phone": "utter_invalid_callback_phone",
    "email_not_phone": "utter_callback_needs_phone",
}
NOTE_REFUSED = {"callback_note_too_long": "utter_callback_note_too_long"}


class ValidateCallbackForm(PitlaneFormValidator):
    """`validate_callback_form`: the number (typed, or the known customer's), then the note,
    which files the request."""

    def name(self) -> str:
        return "validate_callback_form"

    async def extract_callback_phone(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A customer known on this channel with a phone is not asked for it."""
        if tracker.get_slot("callback_phone") is not None:
            return {}
        who = channel_identity(tracker)
        customer = find_customer(self.context.uow(), who.channel, who.external_id)
        if customer is None or not customer.phone:
            return {}
        return {"callback_phone": customer.phone}

    def validate_callback_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = as_text(value)
        if intent_of(tracker) == "request_callback" and not any(c.isdigit() for c in text):
            return {"callback_phone": None}  # "call me back" again: the question is repeated
        try:
            return {"callback_phone": parse_callback_phone(text)}
        except InvalidValue as error:
            dispatcher.utter_message(response=PHONE_REFUSED[error.code])
            return {"callback_phone": None}

    def validate_callback_note(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        intent = intent_of(tracker)
        if intent in ("affirm", "request_callback"):
            return {"callback_note": None}  # "yes" / "call me back": the note is asked again
        note = None if intent == "deny" else as_text(value)
        uow = self.context.uow
        try:
            view = request_callback(
                uow(),
                conversation_id=conversation_id(uow, tracker),
                customer_id=customer_id_of(self, tracker),
                phone=as_text(tracker.get_slot("callback_phone")),
                note=note,
                now=self.context.now(),
            )
        except InvalidValue as error:
            response = NOTE_REFUSED.get(error.code)
            if response is None:  # the number itself (cannot happen once validated): ask again
                dispatcher.utter_message(response=PHONE_REFUSED.get(error.code, "utter_default"))
                return {"callback_phone": None, "callback_note": None}
            dispatcher.utter_message(response=response)
            return {"callback_note": None}
        dispatcher.utter_message(
            response="utter_callback_requested",
            phone=mask_phone(view.customer_phone or ""),
            callback_reference=view.reference,
        )
        return {"callback_note": note or SKIPPED}


class ActionAskCallbackNote(PitlaneAction):
    """`action_ask_callback_note`: the number we will call (masked), then "what is it
    about?" with a Skip button; after "yes", just "I'm listening"."""

    def name(self) -> str:
        return "action_ask_callback_note"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if intent_of(tracker) == "affirm":
            dispatcher.utter_message(response="utter_ask_callback_note_text")
            return []
        phone = as_text(tracker.get_slot("callback_phone"))
        dispatcher.utter_message(
            response="utter_ask_callback_note", phone=mask_phone(phone) if phone else "-"
        )
        return []
