"""The customer's answer to an estimate: a button of its notice or of the repair status, or
a typed yes or no right after its question. core/estimate_chat.py words it,
core.estimates.decide records it exactly once with its time and channel.

A button names its job (`/approve_estimate{"estimate_job":"12"}`); an answer naming none
(a typed "oui, allez-y" / "non merci", or the intent replayed alone after the "leave the
form?" question) applies to the customer's one estimate waiting; with several waiting, the
bot asks which, one button per estimate; with none, an approval is offered the repair
booking (a quote from an earlier visit). A yes or no outside any form goes through here
(data/estimate_rules.yml) and answers an estimate only when the last thing said to the
customer is an estimate's question (the conversation's stored messages: the notice is sent
by the hub, not by Rasa); otherwise it is what it always was, the menu for a yes and
goodbye for a no. Only an identified customer answers (the vehicle proved with a one-time
code, as for the repair status): the others are identified first (`estimate_identify`), the
decision and job kept in slots, and the action runs again when the identification ends. A
job that is not theirs, or an estimate already answered, changes nothing and is said so.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PitlaneAction, channel_identity, language_of
from actions.profile import identified_profile
from core import estimate_chat, estimates
from core.errors import AlreadyDecided, Forbidden, NotFound

IDENTIFY = "estimate_identify"
DECISION = "estimate_decision"
JOB = "estimate_choice"
DECISIONS = {intent: decision for decision, intent in estimate_chat.INTENTS.items()}
# A typed yes or no: the decision it is after an estimate's question, and the response it
# is anywhere else.
YES_NO = {"affirm": ("approve", "utter_menu"), "deny": ("decline", "utter_goodbye")}


def intent_of(tracker: Tracker) -> str:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""


def asked(tracker: Tracker) -> tuple[str | None, int | None]:
    """(decision, job id) of the latest message's button or intent, else of the slots (back
    from the identification); the job is None when the answer names none."""
    message = tracker.latest_message or {}
    decision = DECISIONS.get(intent_of(tracker))
    if decision is not None:
        values = [
            e.get("value")
            for e in message.get("entities") or []
            if e.get("entity") == estimate_chat.ENTITY
        ]
        return decision, estimate_chat.parse_job(values[0]) if len(values) == 1 else None
    decision = tracker.get_slot(DECISION)
    if decision not in estimate_chat.INTENTS:
        return None, None
    return decision, estimate_chat.parse_job(tracker.get_slot(JOB))


def done() -> list[EventType]:
    return [SlotSet(IDENTIFY, False), SlotSet(DECISION, None), SlotSet(JOB, None)]


class ActionEstimateDecision(PitlaneAction):
    """`action_estimate_decision`: record the customer's approval or refusal of an estimate."""

    def name(self) -> str:
        return "action_estimate_decision"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        decision, job_id = asked(tracker)
        language = language_of(tracker)

        def tell(key: str, **values: Any) -> None:
            dispatcher.utter_message(text=estimate_chat.phrase(key, language, **values))

        if decision is None:
            yes_no = YES_NO.get(intent_of(tracker))
            if yes_no is None:
                return done()
            who = channel_identity(tracker)
            if not estimate_chat.question_pending(self.context.uow(), who.channel, who.external_id):
                dispatcher.utter_message(response=yes_no[1])
                return done()
            decision = yes_no[0]
        channel = estimate_chat.decision_channel(channel_identity(tracker).channel)
        if channel is None:  # no buttons to answer with: identifying would lead nowhere
            tell("channel_closed")
            return done()
        profile = identified_profile(self, tracker)
        if profile is None:
            if tracker.get_slot(IDENTIFY):  # back from an identification that failed (said why)
                return done()
            tell("identify_first")
            return [
                SlotSet(IDENTIFY, True),
                SlotSet(DECISION, decision),
                SlotSet(JOB, str(job_id) if job_id else None),
            ]
        if job_id is None:
            waiting = estimates.waiting_for(self.context.uow(), profile.id)
            if not waiting:
                self.nothing_waiting(dispatcher, decision, language)
                return done()
            if len(waiting) > 1:
                buttons = estimate_chat.choice_buttons(waiting, decision, language)
                dispatcher.utter_message(
                    text=estimate_chat.phrase(f"which_one_{decision}", language),
                    buttons=[{"title": b.title, "payload": b.payload} for b in buttons],
                )
                return done()
            job_id = waiting[0].job_id
        try:
            view = estimates.decide(
                self.context.uow(),
                job_id,
                customer_id=profile.id,
                decision=decision,
                channel=channel,
                now=self.context.now(),
            )
        except (Forbidden, NotFound):
            tell("not_yours")
        except AlreadyDecided:
            known = estimates.estimate_of(self.context.uow(), job_id)
            if known is None or known.status in ("draft", "sent"):
                self.nothing_waiting(dispatcher, decision, language)  # a draft is not theirs yet
            else:
                tell("already_decided", agency=known.agency_name)
        else:
            dispatcher.utter_message(text=estimate_chat.decided_text(view, language))
        return done()

    @staticmethod
    def nothing_waiting(dispatcher: CollectingDispatcher, decision: str, language: str) -> None:
        """No estimate waits for them: an approval typed with nothing waiting is most likely
        a quote from an earlier visit (the repair workflow: booking the work), so that is
        offered, with the menu."""
        buttons = [
            {"title": estimate_chat.phrase("menu_button", language), "payload": "/show_menu"}
        ]
        if decision == "approve":
            repair = estimate_chat.phrase("repair_button", language)
            buttons.insert(0, {"title": repair, "payload": "/repair"})
        dispatcher.utter_message(
            text=estimate_chat.phrase(f"none_waiting_{decision}", language), buttons=buttons
        )
