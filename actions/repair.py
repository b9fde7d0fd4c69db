"""Where the customer's repair stands: "où en est ma réparation ?", "is my bike ready?".

An identified customer (the vehicle proved with a one-time code, as for the profile) gets
each open repair job of theirs: vehicle, agency, status in plain words, the day the estimate
was sent while it waits for them, the expected completion; none: said, with a button to
book the workshop. A customer not identified is told why, and `repair_identify` (true)
starts the identification form (data/repair_rules.yml); when it ends the action runs again
and answers, or, the identification having failed and said why, only clears the slot.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PitlaneAction, language_of
from actions.profile import identified_profile
from core import estimate_chat, estimates
from core.repair_status import RepairStatus, open_repairs, repair_details, status_words

SLOT = "repair_identify"


class ActionRepairStatus(PitlaneAction):
    """`action_repair_status`: the customer's open repair jobs, or identification first."""

    def name(self) -> str:
        return "action_repair_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        profile = identified_profile(self, tracker)
        if profile is None:
            if tracker.get_slot(SLOT):  # back from an identification that failed (said why)
                return [SlotSet(SLOT, False)]
            dispatcher.utter_message(response="utter_repair_identify_first")
            return [SlotSet(SLOT, True)]
        repairs = open_repairs(self.context.uow(), profile.id)
        if not repairs:
            dispatcher.utter_message(response="utter_no_repair_jobs")
            return [SlotSet(SLOT, False)]
        language, tz = language_of(tracker), self.context.timezone
        dispatcher.utter_message(response="utter_repair_jobs_intro")
        for repair in repairs:
            dispatcher.utter_message(
                response="utter_repair_job",
                vehicle=repair.vehicle,
                agency=repair.agency_name,
                status=status_words(repair.status, language),
                details=repair_details(repair, tz, language),
            )
            if repair.status == "estimate_sent":
                self.offer_estimate(dispatcher, repair, language)
        return [SlotSet(SLOT, False)]

    def offer_estimate(
        self, dispatcher: CollectingDispatcher, repair: RepairStatus, language: str
    ) -> None:
        """The estimate waiting for the customer: its summary, its PDF, the decision buttons."""
        view = estimates.estimate_of(self.context.uow(), repair.job_id)
        if view is None or view.status != "sent":
            return
        dispatcher.utter_message(text=estimate_chat.summary(view, language))
        if self.context.links is not None:
            url = self.context.links.url(estimate_chat.PDF_KIND, repair.job_id, self.context.now())
            title = estimate_chat.pdf_title(language)
            dispatcher.utter_message(json_message={"links": [{"title": title, "url": url}]})
        buttons = estimate_chat.decision_buttons(repair.job_id, language)
        dispatcher.utter_message(
            text=estimate_chat.question(language),
            buttons=[{"title": b.title, "payload": b.payload} for b in buttons],
        )
