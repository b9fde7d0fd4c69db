"""Questions that have an answer in the knowledge base ("vous ouvrez à quelle heure ?",
"combien coûte une vidange ?", "c'est quoi le contrôle 1000 km ?"), asked inside a form or
outside one (docs/answers.md). The action returns no event: a form interrupted by the
question resumes at the same question."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PitlaneAction, language_of
from core.answers import find_answer


class ActionAnswerQuestion(PitlaneAction):
    """`action_answer_question`: the answer to the latest message, in the conversation's
    language and for its agency (the `agency` slot) unless the question names another;
    without an answer, the contact details or an advisor are offered. Inside a form, a word
    says that its question comes again."""

    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = str((tracker.latest_message or {}).get("text") or "")
        agency = tracker.get_slot("agency")
        found = find_answer(
            self.context.uow(),
            text,
            language_of(tracker),
            agency if isinstance(agency, str) and agency else None,
            today=self.context.today(),
        )
        if found is None:
            dispatcher.utter_message(response="utter_kb_no_answer")
        else:
            dispatcher.utter_message(response="utter_kb_answer", answer=found.text)
        if (tracker.active_loop or {}).get("name"):
            # inside a form, which asks its question again right after
            dispatcher.utter_message(response="utter_back_to_question")
        return []
