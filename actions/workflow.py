"""End or abandon of a workflow: forget its answers, keep the language and who the customer
said they are (name and contact, carried over to the next workflow of the conversation)."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PitlaneAction, channel_identity, language_of
from actions.booking_links import send_links
from core.customers import find_customer

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
    "slot_confirmed",
    "customer_known",
    "booking_reference",
    "booking_when",
    "booking_agency",
    "booking_service",
    "booking_address",
    "slots_shown",
    "slot_wish",
    "slot_more",
    "contact_kind",
    "vehicle_plate",
    "vehicle_vin",
    "otp_transport",
    "otp_code",
    "identification_outcome",
    "profile_field",
    "profile_value",
    "delete_confirmed",
    "mycar_name",
    "mycar_email",
    "mycar_email_code",
    "mycar_phone",
    "mycar_phone_code",
    "mycar_brand",
    "mycar_model",
    "mycar_year",
    "mycar_outcome",
    # feedback and my bookings (actions/feedback.py, actions/my_bookings.py)
    "complaint_text",
    "survey_booking",
    "rating",
    "survey_rated",
    "survey_comment",
    "survey_publish",
    "booking_choice",
    "cancel_confirmed",
    "move_slot",
    "move_page",
    "workshop_identify",
    "workshop_mileage",
    "problem_description",
    "problem_images",
    "problem_image_ids",
    "quote_number",
    "workshop_outcome",
    "workshop_book",
    "request_values",
    # answers waiting behind the identification (actions/repair.py, actions/estimate.py):
    # a workflow started meanwhile drops them, so no old decision is applied later
    "repair_identify",
    "estimate_identify",
    "estimate_decision",
    "estimate_choice",
    # callback request (actions/callback.py)
    "callback_phone",
    "callback_note",
    "requested_slot",
    # digressions (actions/digressions.py)
    "leaving_form",
    "switch_request",
    "unusable_count",
)


def clear_workflow(tracker: Tracker) -> list[EventType]:
    """`SlotSet(slot, None)` for each workflow slot that is set (never `language`)."""
    return [SlotSet(slot, None) for slot in WORKFLOW_SLOTS if tracker.slots.get(slot) is not None]


class ActionClearWorkflow(PitlaneAction):
    """`action_clear_workflow`: silently clear the workflow slots that are set.

    Run when a workflow starts and when a form is left (switch of workflow, stop), so that
    no answer of an abandoned workflow is reused.
    """

    def name(self) -> str:
        return "action_clear_workflow"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return clear_workflow(tracker)


class ActionResetWorkflow(PitlaneAction):
    """`action_reset_workflow`: the end of a workflow. Clears its slots and offers one "Menu"
    button (`utter_anything_else`), so that the result just given stays in view. After a
    booking's confirmation (`booking_reference` set), its documents come first: the calendar
    invite and the PDF confirmation links (actions/booking_links.py)."""

    def name(self) -> str:
        return "action_reset_workflow"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reference = tracker.get_slot("booking_reference")
        if isinstance(reference, str) and reference and self.context.links is not None:
            who = channel_identity(tracker)
            customer = find_customer(self.context.uow(), who.channel, who.external_id)
            customer_id = customer.id if customer is not None else None
            send_links(dispatcher, self.context, customer_id, reference, language_of(tracker))
        dispatcher.utter_message(response="utter_anything_else")
        return clear_workflow(tracker)
