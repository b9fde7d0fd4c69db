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

import json
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PitlaneAction, as_text, channel_identity, language_of
from actions.booking import location_events
from actions.identity import ValidateIdentificationForm, conversation_id
from core import i18n
from core.agencies import service_names
from core.attachments import images_sent_in
from core.customers import find_customer
from core.errors import InvalidValue, NotFound
from core.formatting import format_age, format_number
from core.parsing import parse_mileage
from core.workshop import (
    VEHICLE_REQUIRED,
    WORKSHOP_SERVICES,
    Eligibility,
    identified_vehicle_id,
    normalise_quote_number,
    problem_in_request,
    request_quote_callback,
    says_no_quote_number,
    service_from_text,
    service_named_in_answer,
    visit_1000_age_refusal,
    visit_1000_eligibility,
    visit_1000_rule,
)

IDENTIFICATION_FAILED = ("plate_wrong", "vin_wrong", "unknown", "locked", "throttled")
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
# What a service's questions collected: forgotten when the customer switches service.
SERVICE_ANSWERS = (
    "workshop_mileage",
    "problem_description",
    "problem_images",
    "problem_image_ids",
    "quote_number",
    "workshop_outcome",
)
NOT_ELIGIBLE_RESPONSES = {
    "mileage_too_low": "utter_visit_1000_mileage_too_low",
    "mileage_too_high": "utter_visit_1000_mileage_too_high",
    "vehicle_too_old": "utter_visit_1000_vehicle_too_old",
    "no_registration_date": "utter_visit_1000_no_registration_date",
}


def service_payload(code: str) -> str:
    """`/choose_service{"service_code":"quick_service"}` (starts or switches the service)."""
    return "/choose_service" + json.dumps({"service_code": code}, separators=(",", ":"))


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


def entity_value(latest_message: dict[str, Any], entity: str) -> str | None:
    """The first value of `entity` in the message (regex extractor or button payload)."""
    for item in latest_message.get("entities") or []:
        if item.get("entity") == entity and item.get("value") not in (None, ""):
            return as_text(item["value"])
    return None


def last_question_only(events: list[EventType]) -> list[EventType]:
    """Rasa's form asks the *first* `requested_slot` its validation returned (and ends on the
    last one being None): when questions were answered from the request, only the last
    `requested_slot` is kept, so the form asks what comes after them."""
    asked = [i for i, e in enumerate(events) if e.get("name") == "requested_slot"]
    drop = set(asked[:-1])
    return [e for i, e in enumerate(events) if i not in drop]


def request_values(latest_message: dict[str, Any], service: str) -> dict[str, str]:
    """What the request that named `service` already says, by the slot that asks it: the
    mileage of a quick service or a 1000 km visit, the quote of a repair, the problem of a
    diagnostic ("voyant moteur allumé" is the description, "un diagnostic svp" is not)."""
    values: dict[str, str] = {}
    if service in ("quick_service", "visit_1000"):
        mileage = entity_value(latest_message, "mileage")
        if mileage:
            values["workshop_mileage"] = mileage
    elif service == "repair":
        quote = entity_value(latest_message, "quote_number")
        if quote:
            values["quote_number"] = quote
    elif service == "diagnostic":
        problem = problem_in_request(latest_message.get("text") or "")
        if problem:
            values["problem_description"] = problem
    return values


def shown_value(value: Any) -> str:
    """A noted value as the customer reads it: 12000.0 -> "12 000" (narrow no-break space).

    The mileage is grouped the French way (CLDR's) whatever the conversation's language,
    as it always was: no language reaches this function."""
    if isinstance(value, float):
        return format_number(round(value), "fr")
    return as_text(value)


# Values of the request that are acknowledged when they answer a question (the others
# are answered by their validation: a callback created, the 1000 km visit's rule...).
NOTED_RESPONSES = {
    "workshop_mileage": "utter_mileage_noted",
    "problem_description": "utter_problem_noted",
}


class ValidateWorkshopForm(ValidateIdentificationForm):
    """`validate_workshop_form`: the service, the vehicle when needed, then its questions.

    Inherits the plate / VIN / transport / code validations of the identification form.
    """

    def name(self) -> str:
        return "validate_workshop_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        switched = self._switch_service(dispatcher, tracker)
        before = tracker.get_slot("request_values")
        events = await super().run(dispatcher, tracker, domain)
        if tracker.get_slot("request_values") != before:  # set by extract_service_code, which
            # the SDK does not return (request_values is no question of the form)
            events.insert(0, SlotSet("request_values", tracker.get_slot("request_values")))
        events += await self._answer_from_request(dispatcher, tracker, domain, events)
        events = [*location_events(tracker), *switched, *events]
        events += self._too_old_before_mileage(dispatcher, tracker, events)
        return last_question_only(events)

    async def _answer_from_request(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        events: list[EventType],
    ) -> list[EventType]:
        """The next question, when the request already answered it ("vidange, 12 000 km"
        -> the mileage): the value is validated as if typed now, once, and the form asks
        what comes after it. Asked in order, so a repair's quote is only checked once the
        vehicle is identified."""
        added: list[EventType] = []
        pending = dict(tracker.get_slot("request_values") or {})
        for _ in range(len(pending)):
            asked = [e["value"] for e in [*events, *added] if e.get("name") == "requested_slot"]
            slot = asked[-1] if asked else None
            if slot not in pending:
                break
            value = pending.pop(slot)
            added.append(SlotSet("request_values", pending or None))
            validate = getattr(self, f"validate_{slot}")
            result = validate(value, dispatcher, tracker, domain)
            if result.get(slot) is not None and slot in NOTED_RESPONSES:
                shown = shown_value(result[slot])
                dispatcher.utter_message(
                    response=NOTED_RESPONSES[slot], mileage=shown, problem=shown
                )
            tracker.slots.update({**result, "request_values": pending or None})
            added += [SlotSet(name, value) for name, value in result.items()]
            following = await self.next_requested_slot(dispatcher, tracker, domain)
            if following is None:
                break
            added.append(following)
        return added

    def _too_old_before_mileage(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, events: list[EventType]
    ) -> list[EventType]:
        """The 1000 km visit for a vehicle already too old: said before the mileage is
        asked (the mileage would not change the answer), and the form ends."""
        asked = [e["value"] for e in events if e.get("name") == "requested_slot"]
        if not asked or asked[-1] != "workshop_mileage":
            return []
        if tracker.get_slot("service_code") != "visit_1000":
            return []
        customer_id = self._customer_id(tracker)
        if customer_id is None:
            return []
        refusal = visit_1000_age_refusal(self.context.uow(), customer_id, self.context.today())
        if refusal is None:
            return []
        self._say_not_eligible(dispatcher, tracker, refusal, None)
        return [SlotSet("workshop_outcome", "not_eligible"), SlotSet("requested_slot", None)]

    def _say_not_eligible(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        result: Eligibility,
        mileage: int | None,
    ) -> None:
        """Why the 1000 km visit is refused; a regular service offered when that is what the
        bike needs (too many km, too old)."""
        rule = result.rule or visit_1000_rule(self.context.uow())
        reason = result.reason or "no_registration_date"
        language = language_of(tracker)
        buttons = None
        if reason in ("mileage_too_high", "vehicle_too_old"):
            buttons = [
                {
                    # built here, not in the domain: Rasa 3.6 reads braces in a response's
                    # payload as slot templates (and logs an error), so buttons whose
                    # payload carries JSON are made by the actions
                    "title": i18n.text("actions", "workshop_book_service", language),
                    "payload": service_payload("quick_service"),
                }
            ]
        dispatcher.utter_message(
            response=NOT_ELIGIBLE_RESPONSES[reason],
            buttons=buttons,
            mileage=mileage if mileage is not None else "",
            min_km=rule.min_km,
            max_km=rule.max_km,
            age=format_age(result.age_days, language) if result.age_days is not None else "",
            max_age=format_age(rule.max_age_days, language),
        )

    def _switch_service(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        """Another service named while a question of this one is asked ("visite des 1000"
        at the quote question, an old service button): go on with that service, forgetting
        this one's answers (the text is not taken as the answer)."""
        asked = tracker.get_slot("requested_slot")
        current = tracker.get_slot("service_code")
        if asked in (None, "service_code") or current not in WORKSHOP_SERVICES:
            return []
        latest = tracker.latest_message or {}
        intent = latest_intent(tracker)
        named = None
        if intent == "choose_service":
            named = next(
                (
                    e.get("value")
                    for e in latest.get("entities") or []
                    if e.get("entity") == "service_code"
                ),
                None,
            )
        elif intent == "workshop_services" or intent in WORKSHOP_SERVICES:
            # only a service named in words: a mileage typed at the mileage question may be
            # read as a quick service, a description as a diagnostic
            named = service_named_in_answer(latest.get("text") or "")
        if named not in WORKSHOP_SERVICES or named == current:
            return []
        names = service_names(self.context.uow(), language_of(tracker))
        dispatcher.utter_message(
            response="utter_workshop_service_switched", service=names.get(named, named)
        )
        events = [SlotSet("service_code", named), *(SlotSet(s, None) for s in SERVICE_ANSWERS)]
        tracker.add_slots(events)
        return events

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
        elif service == "repair" and tracker.get_slot("workshop_outcome") != "no_quote":
            slots.append("quote_number")
        return slots

    # ------------------------------------------------------------------ the service

    async def extract_service_code(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """From a service button, the request's intent ("voyant moteur allumé" is a
        diagnostic), or the words of the request or of the answer to the service question;
        with what the request already says for the questions to come (`request_values`)."""
        if tracker.get_slot("service_code") in WORKSHOP_SERVICES:
            return {}
        if latest_intent(tracker) in INTERRUPTIONS:
            return {}
        latest = tracker.latest_message or {}
        code = entity_value(latest, "service_code")
        if code not in WORKSHOP_SERVICES:
            code = latest_intent(tracker)
        if code not in WORKSHOP_SERVICES and tracker.get_slot("requested_slot") in (
            None,
            "service_code",
        ):
            code = service_from_text(latest.get("text") or "")
        if code not in WORKSHOP_SERVICES:
            return {}
        values = request_values(latest, code)
        return {"service_code": code, **({"request_values": values} if values else {})}

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
        if value is None:
            return {"workshop_mileage": None}
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
        self._say_not_eligible(dispatcher, tracker, result, int(mileage))
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
        received = self._own_images(tracker, dispatcher)
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
        if value is None:
            return {"problem_images": None}
        if value == "done":
            return {"problem_images": "done"}
        received = self._own_images(tracker, dispatcher)
        if not received:  # none of them sent in this chat: still asking for photos
            return {"problem_images": None}
        ids = self._with_images(tracker, received, dispatcher)
        return {"problem_images": None, "problem_image_ids": ids}

    def _own_images(self, tracker: Tracker, dispatcher: CollectingDispatcher) -> list[int]:
        """The message's images that were sent in this conversation (sender id); the others
        are said to be left out. Metadata is a hint, never proof of ownership."""
        received = image_ids(tracker)
        if not received:
            return []
        who = channel_identity(tracker)
        own = images_sent_in(self.context.uow(), who.channel, who.external_id, received)
        if len(own) < len(set(received)):
            dispatcher.utter_message(
                text=i18n.text("actions", "images_not_linked", language_of(tracker))
            )
        return own

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
        if value is None:
            return {"quote_number": None}
        try:
            number = normalise_quote_number(as_text(value))
        except InvalidValue:
            if latest_intent(tracker) == "no_quote_number" or says_no_quote_number(as_text(value)):
                # no number at hand: an advisor can help, the repair ends (menu next)
                dispatcher.utter_message(response="utter_quote_number_missing")
                return {"quote_number": None, "workshop_outcome": "no_quote"}
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


class ActionAskServiceCode(PitlaneAction):
    """`action_ask_service_code`: the service question with one button per workshop service
    (names from the services table); the buttons are built here because their payloads
    carry JSON (see _say_not_eligible)."""

    def name(self) -> str:
        return "action_ask_service_code"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        names = service_names(self.context.uow(), language_of(tracker))
        buttons = [
            {"title": names.get(code, code), "payload": service_payload(code)}
            for code in WORKSHOP_SERVICES
        ]
        dispatcher.utter_message(response="utter_ask_service_code", buttons=buttons)
        return []
