"""Workshop services: what each service needs, asked by one form (docs/workshop.md).

`validate_workshop_form` chooses the required slots from the service:
- quick_service: the mileage; diagnostic: a description, then photos (their attachment ids
  come from the hub's message metadata); repair: the quote number, which creates a callback
  task (no slot); visit_1000: the mileage, then the eligibility rule (core).
- repair and visit_1000 need the identified vehicle: when the customer is not identified,
  the identification slots (plate, VIN, transport, code) come first, validated as in
  `validate_identification_form`; an identification that fails ends the form with the same
  answers. quick_service and diagnostic offer it (yes / no) and go on without it.
Then `action_workshop_outcome` sets `workshop_book`: true -> booking_form books the service
with these details, false -> the validator already said why, back to the menu.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PitlaneAction, as_text, channel_identity
from actions.booking import location_events
from actions.identity import ValidateIdentificationForm, conversation_id
from core.customers import find_customer
from core.errors import InvalidValue, NotFound
from core.parsing import parse_mileage
from core.workshop import (
    VEHICLE_REQUIRED,
    WORKSHOP_SERVICES,
    Eligibility,
    identified_vehicle_id,
    normalise_quote_number,
    request_quote_callback,
    service_from_text,
    visit_1000_eligibility,
    visit_1000_rule,
)

IDENTIFICATION_FAILED = ("plate_wrong", "vin_wrong", "unknown", "locked")
# Messages that are never an answer: the form leaves them to the rules.
INTERRUPTIONS = frozenset(
    {
        "stop",
        "goodbye",
        "greet",
        "thanks",
        "bot_challenge",
        "check_maintenance",
        "vehicle_info",
        "contact_info",
        "ask_email",
        "ask_phone",
        "ask_advisor",
        "cancel_advisor",
    }
)
NOT_ELIGIBLE_RESPONSES = {
    "mileage_too_low": "utter_visit_1000_mileage_too_low",
    "mileage_too_high": "utter_visit_1000_mileage_too_high",
    "vehicle_too_old": "utter_visit_1000_vehicle_too_old",
    "no_registration_date": "utter_visit_1000_no_registration_date",
}


def image_ids(tracker: Tracker) -> list[int]:
    """Ids of the images the latest message carries (hub metadata `attachments`)."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    ids = []
    for item in metadata.get("attachments") or []:
        if isinstance(item, dict) and item.get("kind") == "image":
            try:
                ids.append(int(item["id"]))
            except (KeyError, TypeError, ValueError):
                continue
    return ids


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


class ValidateWorkshopForm(ValidateIdentificationForm):
    """`validate_workshop_form`: the service, the vehicle when needed, then its questions.

    Inherits the plate / VIN / transport / code validations of the identification form.
    """

    def name(self) -> str:
        return "validate_workshop_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events = await super().run(dispatcher, tracker, domain)
        return [*location_events(tracker), *events]

    def _customer_id(self, tracker: Tracker) -> int | None:
        who = channel_identity(tracker)
        customer = find_customer(self.context.uow(), who.channel, who.external_id)
        return None if customer is None else customer.id

    def _identified(self, tracker: Tracker) -> bool:
        return identified_vehicle_id(self.context.uow(), self._customer_id(tracker)) is not None

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        service = tracker.get_slot("service_code")
        if service not in WORKSHOP_SERVICES:
            return ["service_code"]
        slots = ["service_code"]
        if not self._identified(tracker):
            needed = service in VEHICLE_REQUIRED
            if not needed:
                slots.append("workshop_identify")
            outcome = tracker.get_slot("identification_outcome")
            if needed or tracker.get_slot("workshop_identify") is True:
                if outcome in IDENTIFICATION_FAILED and needed:
                    return slots  # said by the identification: the workflow ends
                if outcome not in IDENTIFICATION_FAILED:
                    slots += ["vehicle_plate", "vehicle_vin"]
                    if outcome == "match":
                        slots += ["otp_transport", "otp_code"]
        if service in ("quick_service", "visit_1000"):
            slots.append("workshop_mileage")
        elif service == "diagnostic":
            slots += ["problem_description", "problem_images"]
        elif service == "repair":
            slots.append("quote_number")
        return slots

    # ------------------------------------------------------------------ the service

    async def extract_service_code(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """From a service button, or the words of the request ("je voudrais un diagnostic")
        or of the answer to the service question."""
        if tracker.get_slot("service_code") in WORKSHOP_SERVICES:
            return {}
        if latest_intent(tracker) in INTERRUPTIONS:
            return {}
        latest = tracker.latest_message or {}
        for entity in latest.get("entities") or []:
            if entity.get("entity") == "service_code" and entity.get("value") in WORKSHOP_SERVICES:
                return {"service_code": entity["value"]}
        if tracker.get_slot("requested_slot") in (None, "service_code"):
            code = service_from_text(latest.get("text") or "")
            if code:
                return {"service_code": code}
        return {}

    def validate_service_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value not in WORKSHOP_SERVICES:
            return {"service_code": None}
        if value in VEHICLE_REQUIRED and not self._identified(tracker):
            dispatcher.utter_message(response="utter_workshop_vehicle_needed")
        return {"service_code": value}

    def validate_workshop_identify(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"workshop_identify": value if isinstance(value, bool) else None}

    # ------------------------------------------------------------------ mileage

    def validate_workshop_mileage(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A mileage; for the 1000 km visit, the eligibility rule says whether to go on."""
        parsed = self.parsed(
            "workshop_mileage", value, lambda text: float(parse_mileage(text)), dispatcher
        )
        mileage = parsed["workshop_mileage"]
        if mileage is None or tracker.get_slot("service_code") != "visit_1000":
            return parsed
        customer_id = self._customer_id(tracker)
        try:
            if customer_id is None:
                raise NotFound("vehicle_not_identified")
            result = visit_1000_eligibility(
                self.context.uow(), customer_id, int(mileage), self.context.today()
            )
        except NotFound:
            result = Eligibility(False, "no_registration_date", mileage=int(mileage))
        if result.eligible:
            dispatcher.utter_message(response="utter_visit_1000_eligible")
            return {**parsed, "workshop_outcome": "eligible"}
        rule = result.rule or visit_1000_rule(self.context.uow())
        dispatcher.utter_message(
            response=NOT_ELIGIBLE_RESPONSES[result.reason or "no_registration_date"],
            mileage=int(mileage),
            min_km=rule.min_km,
            max_km=rule.max_km,
            age_days=result.age_days if result.age_days is not None else "",
            max_age_days=rule.max_age_days,
        )
        return {**parsed, "workshop_outcome": "not_eligible"}

    # ------------------------------------------------------------------ diagnostic

    def validate_problem_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The problem as text (photos sent with it are kept too)."""
        text = as_text(value).strip()
        if not text or text.startswith("/"):
            return {"problem_description": None}
        result: dict[str, Any] = {"problem_description": text[:2000]}
        received = image_ids(tracker)
        if received:
            result["problem_image_ids"] = self._with_images(tracker, received, dispatcher)
        return result

    async def extract_problem_images(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """While photos are asked: a message with images adds them; anything else (the
        button, "c'est tout", "no photo") finishes."""
        if tracker.get_slot("requested_slot") != "problem_images":
            return {}
        if image_ids(tracker):
            return {"problem_images": "received"}
        if latest_intent(tracker) in INTERRUPTIONS:
            return {}
        return {"problem_images": "done"}

    def validate_problem_images(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value == "done":
            return {"problem_images": "done"}
        ids = self._with_images(tracker, image_ids(tracker), dispatcher)
        return {"problem_images": None, "problem_image_ids": ids}

    @staticmethod
    def _with_images(
        tracker: Tracker, received: list[int], dispatcher: CollectingDispatcher
    ) -> list[int]:
        kept = [int(i) for i in tracker.get_slot("problem_image_ids") or []]
        kept += [i for i in received if i not in kept]
        dispatcher.utter_message(response="utter_image_received", count=len(kept))
        return kept

    # ------------------------------------------------------------------ repair

    def validate_quote_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A quote of the identified vehicle -> a callback task; otherwise said clearly with
        an advisor button. Either way the form ends."""
        try:
            number = normalise_quote_number(as_text(value))
        except InvalidValue:
            dispatcher.utter_message(response="utter_invalid_quote_number")
            return {"quote_number": None}
        uow = self.context.uow
        customer_id = self._customer_id(tracker)
        try:
            if customer_id is None:
                raise NotFound("unknown_quote")
            task = request_quote_callback(
                uow(),
                quote_number=number,
                customer_id=customer_id,
                conversation_id=conversation_id(uow, tracker),
                now=self.context.now(),
            )
        except NotFound:
            dispatcher.utter_message(response="utter_quote_unknown", quote_number=number)
            return {"quote_number": number, "workshop_outcome": "quote_unknown"}
        dispatcher.utter_message(
            response="utter_callback_created",
            quote_number=number,
            reference=task.reference,
            agency=task.agency_name or "",
        )
        return {"quote_number": number, "workshop_outcome": "callback"}


class ActionWorkshopOutcome(PitlaneAction):
    """`action_workshop_outcome`: book a slot now (`workshop_book`) or end the workflow."""

    def name(self) -> str:
        return "action_workshop_outcome"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        service = tracker.get_slot("service_code")
        outcome = tracker.get_slot("workshop_outcome")
        book = service in ("quick_service", "diagnostic") or (
            service == "visit_1000" and outcome == "eligible"
        )
        return [SlotSet("workshop_book", book)]
