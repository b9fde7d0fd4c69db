"""Advisor handoff, the bot's part: say when nobody can take the conversation, otherwise let
the hub queue the request (docs/handoff.md).

The hub owns handoff requests: these actions only send it a custom message,
`{"handoff": "request"}` or `{"handoff": "cancel"}`, which Rasa's REST channel delivers as
`{"custom": {...}}` and the hub replaces with its own answer (place in the queue, wait).
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PitlaneAction
from core.staff import advisor_available

REQUEST = {"handoff": "request"}
CANCEL = {"handoff": "cancel"}


class ActionRequestAdvisor(PitlaneAction):
    """`action_request_advisor`: no advisor free -> utter_no_advisor; else ask the hub."""

    def name(self) -> str:
        return "action_request_advisor"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if advisor_available(self.context.uow(), self.context.now()):
            dispatcher.utter_message(json_message=REQUEST)
        else:
            dispatcher.utter_message(response="utter_no_advisor")
        return []


class ActionCancelAdvisor(PitlaneAction):
    """`action_cancel_advisor`: ask the hub to withdraw the pending request, if any."""

    def name(self) -> str:
        return "action_cancel_advisor"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(json_message=CANCEL)
        return []
