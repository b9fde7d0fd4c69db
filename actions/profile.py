"""The identified customer's profile: see it, change it, export it, delete it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PitlaneAction, PitlaneFormValidator, as_text, channel_identity, language_of
from actions.identity import WithTransports, conversation_id, say_wait
from actions.slot_offers import choose_payload
from core import i18n, notify, otp, profile
from core.customers import find_customer
from core.errors import (
    ChallengeLocked,
    InvalidValue,
    NotFound,
    ResendTooSoon,
    TooManyAttempts,
)
from core.formatting import format_short_date
from core.parsing import parse_person_name

FIELDS = ("name", "email", "phone", "language")  # button titles: `profile_field_<field>`
TRANSPORT_OF_FIELD = {"email": "email", "phone": "sms"}
LANGUAGE_WORDS = {
    "fr": "fr",
    "francais": "fr",
    "français": "fr",
    "french": "fr",
    "en": "en",
    "anglais": "en",
    "english": "en",
}


def identified_profile(action: Any, tracker: Tracker) -> profile.ProfileView | None:
    """The profile of the customer of this channel identity, when identified."""
    who = channel_identity(tracker)
    customer = find_customer(action.context.uow(), who.channel, who.external_id)
    if customer is None:
        return None
    try:
        view = profile.get_profile(action.context.uow(), customer.id)
    except NotFound:
        return None
    return view if view.identified_vehicle_id is not None else None


def data_summary(data: dict[str, Any], language: str) -> str:
    """A short text of export_customer_data's answer, labelled in the customer's language."""

    def phrase(key: str, **values: object) -> str:
        return i18n.text("actions", key, language, **values)

    customer = data.get("customer") or {}
    lines = [
        phrase("my_data_field", label=phrase(f"profile_field_{key}"), value=customer[key])
        for key in FIELDS
        if customer.get(key)
    ]
    if customer.get("created_at"):
        since = datetime.fromisoformat(customer["created_at"]).date()
        lines.append(phrase("my_data_since", day=format_short_date(since, language)))
    lines += [
        f"{v['brand']} {v['model']} {v['plate'] or ''} {v['vin'] or ''}".strip()
        for v in data.get("vehicles", [])
    ]
    lines.append(phrase("my_data_bookings", count=len(data.get("bookings", []))))
    lines.append(phrase("my_data_conversations", count=len(data.get("conversations", []))))
    return "\n".join(lines)


class ActionShowProfile(PitlaneAction):
    """`action_show_profile`: name, e-mail, phone, language, vehicles; else identify first."""

    def name(self) -> str:
        return "action_show_profile"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        view = identified_profile(self, tracker)
        if view is None:
            dispatcher.utter_message(response="utter_identify_first")
            return []
        vehicles = ", ".join(f"{v.brand} {v.model} ({v.plate})" for v in view.vehicles) or "-"
        dispatcher.utter_message(
            response="utter_profile",
            name=view.name,
            email=view.email or "-",
            phone=view.phone or "-",
            language=view.language,
            vehicles=vehicles,
        )
        return []


class ActionMyData(PitlaneAction):
    """`action_my_data`: what Pitlane stores about the identified customer."""

    def name(self) -> str:
        return "action_my_data"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        view = identified_profile(self, tracker)
        if view is None:
            dispatcher.utter_message(response="utter_identify_first")
            return []
        data = profile.export_customer_data(self.context.uow(), view.id)
        dispatcher.utter_message(
            response="utter_my_data", summary=data_summary(data, language_of(tracker))
        )
        return []


class ActionDeleteAccount(PitlaneAction):
    """`action_delete_account`: erase on yes, keep on no, then the menu."""

    def name(self) -> str:
        return "action_delete_account"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        view = identified_profile(self, tracker)
        if view is None:
            dispatcher.utter_message(response="utter_identify_first")
        elif tracker.get_slot("delete_confirmed"):
            profile.erase_customer(self.context.uow(), view.id, self.context.now())
            dispatcher.utter_message(response="utter_account_deleted")
        else:
            dispatcher.utter_message(response="utter_delete_cancelled")
        return [SlotSet("delete_confirmed", None)]


class ActionAskProfileField(PitlaneAction):
    """`action_ask_profile_field`: one button per field."""

    def name(self) -> str:
        return "action_ask_profile_field"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        titles = i18n.messages("actions", language_of(tracker))
        buttons = [
            {
                "title": titles[f"profile_field_{field}"],
                "payload": choose_payload("profile_field", field),
            }
            for field in FIELDS
        ]
        dispatcher.utter_message(response="utter_ask_profile_field", buttons=buttons)
        return [SlotSet("requested_slot", "profile_field")]


class ValidateProfileForm(WithTransports, PitlaneFormValidator):
    """`validate_profile_form`: name and language at once; e-mail and phone after a code."""

    def name(self) -> str:
        return "validate_profile_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if tracker.get_slot("profile_field") in TRANSPORT_OF_FIELD:
            return ["profile_field", "profile_value", "otp_code"]
        return ["profile_field", "profile_value"]

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Only an identified customer may change a profile."""
        if identified_profile(self, tracker) is None:
            dispatcher.utter_message(response="utter_identify_first")
            return [SlotSet("requested_slot", None)]
        return await super().run(dispatcher, tracker, domain)

    def validate_profile_field(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        field = as_text(value).strip().lower()
        return {"profile_field": field if field in FIELDS else None}

    def validate_profile_value(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        view = identified_profile(self, tracker)
        assert view is not None  # checked in run()
        field, text = tracker.get_slot("profile_field"), as_text(value).strip()
        uow = self.context.uow
        if field == "name":
            try:
                profile.update_profile(uow(), view.id, name=parse_person_name(text))
            except InvalidValue:
                dispatcher.utter_message(response="utter_invalid_name")
                return {"profile_value": None}
            dispatcher.utter_message(response="utter_profile_updated")
            return {"profile_value": text}
        if field == "language":
            language = LANGUAGE_WORDS.get(text.lower())
            if language is None:
                dispatcher.utter_message(response="utter_invalid_language")
                return {"profile_value": None}
            profile.update_profile(uow(), view.id, language=language)
            dispatcher.utter_message(response="utter_profile_updated")
            return {"profile_value": language, "language": language}
        transport = TRANSPORT_OF_FIELD[field]
        try:
            challenge, code = profile.request_contact_change(
                uow(),
                conversation_id=conversation_id(uow, tracker),
                customer_id=view.id,
                transport=transport,
                new_value=text,
                now=self.context.now(),
                limits=self.context.otp_limits,
            )
        except TooManyAttempts as error:
            say_wait(dispatcher, tracker, "code_send_wait", error.retry_after_seconds)
            return {"profile_value": text, "requested_slot": None}
        except InvalidValue:
            dispatcher.utter_message(response="utter_invalid_contact")
            return {"profile_value": None}
        except (ResendTooSoon, ChallengeLocked):
            dispatcher.utter_message(response="utter_code_locked")
            return {"profile_value": text, "requested_slot": None}
        destination = otp.challenge_destination(uow(), challenge.id)
        notify.send_code(self.transports, challenge, destination, code, language_of(tracker))
        dispatcher.utter_message(
            response="utter_code_sent", destination=challenge.masked_destination
        )
        return {"profile_value": text}

    def validate_otp_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The hub's check of the code (read from core by this conversation)."""
        uow, now = self.context.uow, self.context.now()
        view = self.checked_code(tracker, dispatcher)
        if view in ("wrong", "throttled", "not_a_code"):
            return {"otp_code": None}
        if not isinstance(view, otp.ChallengeView):  # locked, expired or none: the form ends
            return {"otp_code": None, "requested_slot": None}
        profile.apply_contact_change(uow(), challenge_id=view.id, now=now)
        dispatcher.utter_message(response="utter_profile_updated")
        return {"otp_code": "••••••"}
