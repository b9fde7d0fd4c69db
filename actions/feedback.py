"""Feedback in the chat: file a complaint, follow it, answer the satisfaction survey."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions.base import PitlaneAction, PitlaneFormValidator, as_text, channel_identity
from actions.identity import conversation_id
from actions.workflow import clear_workflow
from core import feedback, reviews
from core.customers import find_customer
from core.errors import InvalidValue, NotFound, SurveyClosed
from core.formatting import format_day, local_time

BOOKING_REFERENCE = re.compile(r"\bPL-[A-Z0-9]{6}\b", re.IGNORECASE)
COMPLAINT_REFERENCE = re.compile(r"\bRC-[A-Z0-9]{6}\b", re.IGNORECASE)
COMPLAINT_TOO = {
    "complaint_too_short": "utter_complaint_too_short",
    "complaint_too_long": "utter_complaint_too_long",
}
STATUS_RESPONSES = {
    "open": "utter_complaint_open",
    "answered": "utter_complaint_answered",
    "closed": "utter_complaint_closed",
}
SURVEY_SLOTS = ("survey_booking", "rating", "survey_rated")
SKIPPED = "-"  # survey_comment when the customer said "no thanks" (and survey_publish then)


def intent_of(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def customer_id_of(action: Any, tracker: Tracker) -> int | None:
    """The customer known on this channel identity, if any."""
    who = channel_identity(tracker)
    customer = find_customer(action.context.uow(), who.channel, who.external_id)
    return customer.id if customer is not None else None


class ValidateComplaintForm(PitlaneFormValidator):
    """`validate_complaint_form`: the complaint text, filed as soon as it is acceptable."""

    def name(self) -> str:
        return "validate_complaint_form"

    def validate_complaint_text(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = as_text(value)
        try:
            feedback.check_complaint_text(text)
        except InvalidValue as error:
            dispatcher.utter_message(response=COMPLAINT_TOO[error.code])
            return {"complaint_text": None}
        uow, now = self.context.uow, self.context.now()
        customer_id = customer_id_of(self, tracker)
        conversation = conversation_id(uow, tracker)
        booking = BOOKING_REFERENCE.search(text)
        try:
            complaint = feedback.file_complaint(
                uow(),
                text=text,
                customer_id=customer_id,
                conversation_id=conversation,
                booking_reference=booking.group(0) if booking else None,
                now=now,
            )
        except NotFound:  # a reference that is not theirs: keep the complaint, unlinked
            complaint = feedback.file_complaint(
                uow(), text=text, customer_id=customer_id, conversation_id=conversation, now=now
            )
        dispatcher.utter_message(
            response="utter_complaint_filed", complaint_reference=complaint.reference
        )
        return {"complaint_text": text}


class ActionComplaintStatus(PitlaneAction):
    """`action_complaint_status`: the customer's complaints (or the one named), with the
    staff's answer when there is one; then the menu."""

    def name(self) -> str:
        return "action_complaint_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        uow = self.context.uow
        customer_id = customer_id_of(self, tracker)
        conversation = conversation_id(uow, tracker)
        named = COMPLAINT_REFERENCE.search(as_text((tracker.latest_message or {}).get("text")))
        if named:
            try:
                complaints = [
                    feedback.complaint_for_customer(
                        uow(),
                        named.group(0),
                        conversation_id=conversation,
                        customer_id=customer_id,
                    )
                ]
            except NotFound:
                complaints = []
        else:
            complaints = feedback.complaints_of(
                uow(), conversation_id=conversation, customer_id=customer_id
            )
        if not complaints:
            dispatcher.utter_message(response="utter_no_complaints")
        language = tracker.get_slot("language")
        for complaint in complaints:
            created = format_day(
                local_time(complaint.created_at, self.context.timezone).date(), language
            )
            dispatcher.utter_message(
                response=STATUS_RESPONSES[complaint.status],
                complaint_reference=complaint.reference,
                created=created,
                answer=complaint.answer or "-",
            )
        dispatcher.utter_message(response="utter_menu")
        return clear_workflow(tracker)


class ActionRecordRating(PitlaneAction):
    """`action_record_rating`: the survey button's rating; `survey_rated` says whether it
    was stored (then the comment is asked) or refused (said why)."""

    def name(self) -> str:
        return "action_record_rating"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        # Answers of another workflow are forgotten; the survey's own slots are kept.
        events: list[EventType] = [
            event for event in clear_workflow(tracker) if event["name"] not in SURVEY_SLOTS
        ]
        reference = as_text(tracker.get_slot("survey_booking"))
        try:
            survey = feedback.record_rating(
                self.context.uow(),
                reference,
                as_text(tracker.get_slot("rating")),
                self.context.now(),
                customer_id=customer_id_of(self, tracker),
                as_customer=True,
            )
        except InvalidValue:
            dispatcher.utter_message(response="utter_invalid_rating")
            return [*events, SlotSet("survey_rated", False)]
        except SurveyClosed:
            dispatcher.utter_message(response="utter_survey_closed")
            return [*events, SlotSet("survey_rated", False)]
        except NotFound:
            dispatcher.utter_message(response="utter_unknown_survey")
            return [*events, SlotSet("survey_rated", False)]
        dispatcher.utter_message(response="utter_rating_thanks", rating=survey.rating)
        return [*events, SlotSet("survey_rated", True)]


class ActionAskSurveyComment(PitlaneAction):
    """`action_ask_survey_comment`: "a comment?" with yes / no thanks; after yes, "type it"."""

    def name(self) -> str:
        return "action_ask_survey_comment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if intent_of(tracker) == "affirm":
            dispatcher.utter_message(response="utter_ask_survey_comment_text")
        else:
            dispatcher.utter_message(response="utter_ask_survey_comment")
        return []


class ValidateSurveyCommentForm(PitlaneFormValidator):
    """`validate_survey_comment_form`: "no thanks" ends, "yes" asks for the text, any other
    text is the comment, stored at once; then whether it may be published (yes / no, no
    unless said: core/reviews.py)."""

    def name(self) -> str:
        return "validate_survey_comment_form"

    def validate_survey_comment(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        intent = intent_of(tracker)
        if intent == "deny":
            dispatcher.utter_message(response="utter_survey_thanks")
            return {"survey_comment": SKIPPED, "survey_publish": SKIPPED}
        if intent == "affirm":
            return {"survey_comment": None}
        try:
            feedback.record_comment(
                self.context.uow(),
                as_text(tracker.get_slot("survey_booking")),
                as_text(value),
                self.context.now(),
                customer_id=customer_id_of(self, tracker),
                as_customer=True,
            )
        except InvalidValue as error:
            if error.code == "comment_too_long":
                dispatcher.utter_message(response="utter_comment_too_long")
            return {"survey_comment": None}
        except (NotFound, SurveyClosed):
            dispatcher.utter_message(response="utter_survey_closed")
            return {"survey_comment": SKIPPED, "survey_publish": SKIPPED, REQUESTED_SLOT: None}
        return {"survey_comment": as_text(value)}

    def validate_survey_publish(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        intent = intent_of(tracker)
        if intent not in ("affirm", "deny"):
            return {"survey_publish": None}  # the question again, with its buttons
        consent = intent == "affirm"
        try:
            reviews.record_publication_consent(
                self.context.uow(),
                as_text(tracker.get_slot("survey_booking")),
                consent,
                self.context.now(),
                customer_id=customer_id_of(self, tracker),
                as_customer=True,
            )
        except (NotFound, SurveyClosed):
            dispatcher.utter_message(response="utter_survey_closed")
            return {"survey_publish": SKIPPED, REQUESTED_SLOT: None}
        dispatcher.utter_message(
            response="utter_survey_publish_yes" if consent else "utter_survey_thanks"
        )
        return {"survey_publish": "yes" if consent else "no"}
