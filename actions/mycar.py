"""The MyCar account form: offered when the vehicle is not on record (docs/identity.md).

`mycar_form` asks name, e-mail (a code is sent, `mycar_email_code`), phone (a code by SMS,
`mycar_phone_code`), VIN, plate, brand, model and year; the plate and VIN typed during the
identification are taken over (`mycar_prefill_*`, set by validate_identification_form).
`action_create_mycar_account` then creates the account: core.profile checks that both
contacts were verified by this conversation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PitlaneAction, PitlaneFormValidator, as_text, channel_identity
from actions.identity import INVALID_RESPONSES, WithTransports, conversation_id
from core import identity, otp, profile
from core.customers import parse_contact
from core.errors import Conflict, InvalidValue, NoChallenge, NotFound
from core.parsing import parse_person_name, parse_year

REQUIRED_SLOTS = [
    "mycar_name",
    "mycar_email",
    "mycar_email_code",
    "mycar_phone",
    "mycar_phone_code",
    "vehicle_vin",
    "vehicle_plate",
    "mycar_brand",
    "mycar_model",
    "mycar_year",
]
# contact slot -> (its code slot, transport, the kind parse_contact must find, re-ask)
CONTACTS = {
    "mycar_email": ("mycar_email_code", "email", "email", "utter_invalid_email"),
    "mycar_phone": ("mycar_phone_code", "sms", "phone", "utter_invalid_phone"),
}
PREFILLS = {"vehicle_plate": "mycar_prefill_plate", "vehicle_vin": "mycar_prefill_vin"}
HIDDEN_CODE = "••••••"
FAILURES = {
    "email_not_verified": "utter_mycar_not_verified",
    "phone_not_verified": "utter_mycar_not_verified",
    "vin_known": "utter_mycar_vin_known",
}


class ValidateMycarForm(WithTransports, PitlaneFormValidator):
    """`validate_mycar_form`: each answer checked, each contact verified by a code."""

    def name(self) -> str:
        return "validate_mycar_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        return [] if tracker.get_slot("mycar_outcome") == "locked" else list(REQUIRED_SLOTS)

    def _prefill(self, slot: str, tracker: Tracker) -> dict[str, Any]:
        """The plate or VIN of the identification, offered once when the slot is empty."""
        hint = tracker.get_slot(PREFILLS[slot])
        return {slot: hint} if hint and tracker.get_slot(slot) is None else {}

    async def extract_vehicle_plate(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._prefill("vehicle_plate", tracker)

    async def extract_vehicle_vin(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._prefill("vehicle_vin", tracker)

    def validate_mycar_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self.parsed("mycar_name", value, parse_person_name, dispatcher)

    def validate_mycar_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._contact("mycar_email", value, dispatcher, tracker)

    def validate_mycar_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._contact("mycar_phone", value, dispatcher, tracker)

    def _contact(
        self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        """A valid e-mail / phone gets a "signup" code at once; else a precise re-ask."""
        code_slot, transport, kind, invalid = CONTACTS[slot]
        try:
            found, contact = parse_contact(as_text(value))
        except InvalidValue:
            found, contact = "", ""
        if found != kind:
            dispatcher.utter_message(response=invalid)
            return {slot: None}
        uow = self.context.uow
        sent = self.send_new_code(
            tracker,
            dispatcher,
            lambda: otp.start_challenge(
                uow(),
                purpose="signup",
                conversation_id=conversation_id(uow, tracker),
                transport=transport,
                destination=contact,
                now=self.context.now(),
                limits=self.context.otp_limits,
            ),
        )
        if sent == "locked":
            return {slot: contact, "mycar_outcome": "locked"}
        if sent in ("too_soon", "throttled"):  # wait, then give the contact again
            return {slot: None}
        return {slot: contact, code_slot: None}

    def validate_mycar_email_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._code("mycar_email", value, dispatcher, tracker)

    def validate_mycar_phone_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._code("mycar_phone", value, dispatcher, tracker)

    def _code(
        self, contact_slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        """Right: hidden; wrong: asked again; locked: the form ends; expired: new contact."""
        code_slot = CONTACTS[contact_slot][0]
        view = self.checked_code(tracker, dispatcher)
        if isinstance(view, otp.ChallengeView):
            return {code_slot: HIDDEN_CODE}
        if view == "locked":
            return {code_slot: None, "mycar_outcome": "locked"}
        if view in ("wrong", "throttled", "not_a_code"):
            return {code_slot: None}
        return {code_slot: None, contact_slot: None}  # expired or none: a new code is sent

    def validate_vehicle_vin(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._vehicle_value("vehicle_vin", value, identity.normalize_vin, dispatcher)

    def validate_vehicle_plate(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._vehicle_value("vehicle_plate", value, identity.normalize_plate, dispatcher)

    @staticmethod
    def _vehicle_value(
        slot: str, value: Any, normalize: Callable[[str], str], dispatcher: CollectingDispatcher
    ) -> dict[str, Any]:
        """Normalised, or the precise re-ask of the identification form; the hint is used."""
        fallback = "utter_invalid_plate" if slot == "vehicle_plate" else "utter_invalid_vin"
        try:
            normalized: str | None = normalize(as_text(value))
        except InvalidValue as error:
            dispatcher.utter_message(response=INVALID_RESPONSES.get(error.code, fallback))
            normalized = None
        return {slot: normalized, PREFILLS[slot]: None}

    def validate_mycar_brand(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._word("mycar_brand", value, dispatcher)

    def validate_mycar_model(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._word("mycar_model", value, dispatcher)

    @staticmethod
    def _word(slot: str, value: Any, dispatcher: CollectingDispatcher) -> dict[str, Any]:
        text = " ".join(as_text(value).split())
        if not text or len(text) > 60:
            dispatcher.utter_message(response=f"utter_ask_{slot}")
            return {slot: None}
        return {slot: text}

    def validate_mycar_year(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        today = self.context.today()
        return self.parsed("mycar_year", value, lambda text: parse_year(text, today), dispatcher)


class ActionCreateMycarAccount(PitlaneAction):
    """`action_create_mycar_account`: the account once the form is complete; says the outcome."""

    def name(self) -> str:
        return "action_create_mycar_account"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.get_slot("mycar_outcome") == "locked":
            return []  # already said by the form
        who = channel_identity(tracker)
        year = tracker.get_slot("mycar_year")
        try:
            profile.create_mycar_account(
                self.context.uow(),
                channel=who.channel,
                external_id=who.external_id,
                name=as_text(tracker.get_slot("mycar_name")),
                email=as_text(tracker.get_slot("mycar_email")),
                phone=as_text(tracker.get_slot("mycar_phone")),
                vin=as_text(tracker.get_slot("vehicle_vin")),
                plate=as_text(tracker.get_slot("vehicle_plate")),
                brand=as_text(tracker.get_slot("mycar_brand")),
                model=as_text(tracker.get_slot("mycar_model")),
                year=None if year is None else int(year),
                now=self.context.now(),
            )
        except (NoChallenge, Conflict, InvalidValue, NotFound) as error:
            dispatcher.utter_message(response=FAILURES.get(error.code, "utter_mycar_failed"))
            return [SlotSet("mycar_outcome", "failed")]
        dispatcher.utter_message(
            response="utter_mycar_created",
            name=as_text(tracker.get_slot("mycar_name")),
            plate=as_text(tracker.get_slot("vehicle_plate")),
        )
        return [SlotSet("mycar_outcome", "created")]
