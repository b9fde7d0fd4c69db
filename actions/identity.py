"""Vehicle identification: plate and VIN, a one-time code to a contact on file, then the
conversation's customer is identified with that vehicle (docs/identity.md).

Everything happens in `validate_identification_form`. Its required slots follow
`identification_outcome`: plate and VIN first; on a "match" the transport and the code;
any other outcome (or a lock) ends the form at once, after saying why.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import (
    ActionContext,
    PitlaneAction,
    PitlaneFormValidator,
    as_text,
    channel_identity,
    language_of,
)
from actions.slot_offers import choose_payload
from core import i18n, identity, notify, otp, otp_checks
from core.conversations import get_or_create_conversation
from core.errors import (
    ChallengeLocked,
    InvalidValue,
    ResendTooSoon,
    TooManyAttempts,
)
from transports import transports_from_settings
from transports.settings import TransportSettings

INVALID_RESPONSES = {
    "invalid_plate": "utter_invalid_plate",
    "invalid_vin": "utter_invalid_vin",
    "vin_length": "utter_invalid_vin_length",
    "vin_forbidden_letters": "utter_invalid_vin_letters",
}
OUTCOME_RESPONSES = {
    "plate_wrong": "utter_plate_wrong",
    "vin_wrong": "utter_vin_wrong",
    "unknown": "utter_vehicle_unknown",
}
MYCAR_OUTCOMES = ("vin_wrong", "unknown")  # their responses offer the MyCar account form
TRANSPORT_WORDS = {
    "sms": "sms",
    "texto": "sms",
    "text": "sms",
    "phone": "sms",
    "telephone": "sms",
    "tel": "sms",
    "portable": "sms",
    "email": "email",
    "e-mail": "email",
    "mail": "email",
    "courriel": "email",
}
Transports = dict[str, Any]
# What ends the form besides a match (said by the validation): identification_outcome values.
THROTTLED = "throttled"


class WithTransports:
    """The code transports (SMS, e-mail), from the settings unless given (tests)."""

    context: ActionContext

    def __init__(
        self, context: ActionContext | None = None, transports: Transports | None = None
    ) -> None:
        super().__init__(context)  # type: ignore[call-arg]
        self._transports = transports

    @property
    def transports(self) -> Transports:
        if self._transports is None:
            self._transports = transports_from_settings(TransportSettings(), self.context.uow)
        return self._transports

    def send_new_code(
        self,
        tracker: Tracker,
        dispatcher: CollectingDispatcher,
        start: Callable[[], tuple[otp.ChallengeView, str]],
    ) -> otp.ChallengeView | str:
        """Start a challenge, send its code and say where; else "too_soon", "locked" or
        "throttled" (too many codes for this contact, vehicle or address), said."""
        try:
            view, code = start()
        except TooManyAttempts as error:
            say_wait(dispatcher, tracker, "code_send_wait", error.retry_after_seconds)
            return THROTTLED
        except ResendTooSoon as error:
            dispatcher.utter_message(response="utter_resend_too_soon", seconds=error.seconds)
            return "too_soon"
        except ChallengeLocked:
            dispatcher.utter_message(response="utter_code_locked")
            return "locked"
        destination = otp.challenge_destination(self.context.uow(), view.id)
        notify.send_code(self.transports, view, destination, code, language_of(tracker))
        dispatcher.utter_message(response="utter_code_sent", destination=view.masked_destination)
        return view

    def checked_code(
        self, tracker: Tracker, dispatcher: CollectingDispatcher
    ) -> otp.ChallengeView | str:
        """The code the hub checked before the bot saw the text (hub/codes.py), read from core
        by this conversation, never from the message: the verified challenge; else "wrong",
        "locked", "expired", "none", "throttled" or "not_a_code", said. An owner alert due
        after repeated wrong codes is sent on the way."""
        uow = self.context.uow
        check = otp_checks.take_check(
            uow(), conversation_id=conversation_id(uow, tracker), now=self.context.now()
        )
        language = language_of(tracker)
        if check is None:  # the text held no code: nothing was tried
            dispatcher.utter_message(text=i18n.text("actions", "code_format", language))
            return "not_a_code"
        if check.alert is not None:
            alert = check.alert
            notify.send_owner_alert(
                self.transports, alert.transport, alert.destination, alert.language or language
            )
        if check.outcome == "ok" and check.challenge is not None:
            return check.challenge
        if check.outcome == "wrong":
            dispatcher.utter_message(response="utter_wrong_code", attempts_left=check.attempts_left)
        elif check.outcome == "throttled":
            say_wait(dispatcher, tracker, "code_wait", check.retry_after or 1)
        elif check.outcome == "locked":
            dispatcher.utter_message(response="utter_code_locked")
        elif check.outcome == "expired":
            dispatcher.utter_message(response="utter_code_expired")
        else:
            dispatcher.utter_message(response="utter_no_code_pending")
        return check.outcome


def say_wait(dispatcher: CollectingDispatcher, tracker: Tracker, key: str, seconds: int) -> None:
    """ "Try again in 2 minutes", from the catalogues."""
    language = language_of(tracker)
    if seconds < 90:
        wait = i18n.text("actions", "wait_seconds", language, count=seconds)
    else:
        wait = i18n.text("actions", "wait_minutes", language, count=(seconds + 59) // 60)
    dispatcher.utter_message(text=i18n.text("actions", key, language, wait=wait))


def conversation_id(uow: Callable[[], Any], tracker: Tracker) -> int:
    """The hub's conversation for this tracker (created when the channel is new)."""
    who = channel_identity(tracker)
    return get_or_create_conversation(uow(), who.channel, who.external_id).id


def transport_buttons(
    options: list[identity.ContactOption], language: str = "fr"
) -> list[dict[str, str]]:
    """One button per way to send the code: "SMS : 06 •• …" (French spacing) / "SMS: …"."""
    texts = i18n.messages("actions", language)
    return [
        {
            "title": i18n.text(
                "actions",
                "transport_button",
                language,
                transport=texts.get(f"transport_{o.transport}", o.transport),
                masked=o.masked,
            ),
            "payload": choose_payload("otp_transport", o.transport),
        }
        for o in options
    ]


class ValidateIdentificationForm(WithTransports, PitlaneFormValidator):
    """`validate_identification_form`: plate and VIN, identify, send the code, check it."""

    def name(self) -> str:
        return "validate_identification_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        outcome = tracker.get_slot("identification_outcome")
        if outcome is None:
            return ["vehicle_plate", "vehicle_vin"]
        if outcome == "match":
            return ["vehicle_plate", "vehicle_vin", "otp_transport", "otp_code"]
        return []  # identified, locked, or not a match: the form ends

    async def extract_vehicle_plate(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A plate or VIN typed in the very message that starts the form ("je veux identifier
        mon véhicule AB-123-CD ZDM1RBBW5KB012345"): that whole text goes to the validation,
        which reads both values from it."""
        if tracker.get_slot("requested_slot") is not None or tracker.get_slot("vehicle_plate"):
            return {}
        latest = tracker.latest_message or {}
        text = latest.get("text") or ""
        if text.startswith("/"):  # a button carrying the values (actions/understanding.py)
            text = " ".join(
                str(e.get("value"))
                for e in latest.get("entities") or []
                if e.get("entity") in ("plate", "vin")
            )
        if not any(identity.find_plate_and_vin(text)):
            return {}
        return {"vehicle_plate": text}

    def validate_vehicle_plate(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._plate_and_vin("vehicle_plate", value, dispatcher, tracker)

    def validate_vehicle_vin(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._plate_and_vin("vehicle_vin", value, dispatcher, tracker)

    def _plate_and_vin(
        self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        """Both values found in the text, whichever was asked; a precise re-ask otherwise."""
        text = as_text(value)
        if tracker.get_slot("identification_outcome") is not None:
            return {slot: text}  # already checked on an earlier turn
        plate, vin = identity.find_plate_and_vin(text)
        found: dict[str, Any] = {
            name: value for name, value in (("vehicle_plate", plate), ("vehicle_vin", vin)) if value
        }
        if slot not in found:  # the other value alone is no reason to complain
            found[slot] = None if found else self._refused(slot, text, dispatcher)
        plate = found.get("vehicle_plate", tracker.get_slot("vehicle_plate"))
        vin = found.get("vehicle_vin", tracker.get_slot("vehicle_vin"))
        if plate and vin:
            found.update(self._identify(plate, vin, dispatcher, tracker))
        return found

    @staticmethod
    def _refused(slot: str, text: str, dispatcher: CollectingDispatcher) -> None:
        normalize = identity.normalize_plate if slot == "vehicle_plate" else identity.normalize_vin
        fallback = "utter_invalid_plate" if slot == "vehicle_plate" else "utter_invalid_vin"
        try:
            normalize(text)
            response = fallback
        except InvalidValue as error:
            response = INVALID_RESPONSES.get(error.code, fallback)
        dispatcher.utter_message(response=response)
        return None

    def _identify(
        self, plate: str, vin: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        uow = self.context.uow
        try:
            found = identity.look_up_vehicle(
                uow(),
                plate,
                vin,
                conversation_id=conversation_id(uow, tracker),
                now=self.context.now(),
                limits=self.context.otp_limits,
            )
        except TooManyAttempts as error:
            say_wait(dispatcher, tracker, "lookup_wait", error.retry_after_seconds)
            return {"identification_outcome": THROTTLED}
        if found.outcome == "match" and found.options:
            return {"identification_outcome": "match"}
        if found.outcome == "match":  # nobody to send a code to: same as a wrong plate
            found = identity.Identification("plate_wrong", service_phone=None)
        response = OUTCOME_RESPONSES[found.outcome]
        dispatcher.utter_message(response=response, service_phone=found.service_phone or "")
        if found.outcome in MYCAR_OUTCOMES:  # kept for the MyCar account form (actions/mycar.py)
            return {
                "identification_outcome": found.outcome,
                "mycar_prefill_plate": plate,
                "mycar_prefill_vin": vin,
            }
        return {"identification_outcome": found.outcome}

    def validate_otp_transport(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A transport among the owner's contacts; the code is created and sent at once."""
        words = re.findall(r"[a-z-]+", as_text(value).lower())
        transport = next((TRANSPORT_WORDS[w] for w in words if w in TRANSPORT_WORDS), None)
        found = identity.identify_vehicle(
            self.context.uow(), tracker.get_slot("vehicle_plate"), tracker.get_slot("vehicle_vin")
        )
        if transport not in {o.transport for o in found.options} or found.vehicle_id is None:
            dispatcher.utter_message(response="utter_use_buttons")
            return {"otp_transport": None}
        uow = self.context.uow
        sent = self.send_new_code(
            tracker,
            dispatcher,
            lambda: otp.start_identification(
                uow(),
                conversation_id=conversation_id(uow, tracker),
                vehicle_id=found.vehicle_id,
                transport=transport,
                now=self.context.now(),
                limits=self.context.otp_limits,
            ),
        )
        if sent == "locked":
            return {"otp_transport": transport, "identification_outcome": "locked"}
        if sent == THROTTLED:
            return {"otp_transport": transport, "identification_outcome": THROTTLED}
        return {"otp_transport": transport}

    def validate_otp_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The hub's check of the code: identified (and confirmed), wrong, locked or expired."""
        view = self.checked_code(tracker, dispatcher)
        if view in ("wrong", "throttled", "not_a_code"):
            return {"otp_code": None}
        if view == "locked":
            return {"otp_code": None, "identification_outcome": "locked"}
        if not isinstance(view, otp.ChallengeView):  # expired or none: choose again
            return {"otp_code": None, "otp_transport": None}
        uow, now = self.context.uow, self.context.now()
        who = channel_identity(tracker)
        owner = otp.complete_identification(
            uow(), challenge_id=view.id, channel=who.channel, external_id=who.external_id, now=now
        )
        destination = owner.phone if view.transport == "sms" else owner.email
        if destination:
            notify.send_confirmation(
                self.transports, view.transport, destination, language_of(tracker)
            )
        plate = as_text(tracker.get_slot("vehicle_plate"))
        dispatcher.utter_message(
            response="utter_identified", plate=plate, destination=view.masked_destination
        )
        return {"otp_code": "••••••", "identification_outcome": "identified"}


class ActionAskOtpTransport(PitlaneAction):
    """`action_ask_otp_transport`: the owner's contacts, masked, as buttons."""

    def name(self) -> str:
        return "action_ask_otp_transport"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        found = identity.identify_vehicle(
            self.context.uow(), tracker.get_slot("vehicle_plate"), tracker.get_slot("vehicle_vin")
        )
        dispatcher.utter_message(
            response="utter_ask_otp_transport",
            buttons=transport_buttons(found.options, language_of(tracker)),
        )
        return [SlotSet("requested_slot", "otp_transport")]
