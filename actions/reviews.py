"""An agency's reviews in the chat (issue 16): the button under an agency
(`/agency_reviews{"agency": "<code>"}`, actions/agencies.py) shows its last approved survey
comments, the author as first name and initial (core/reviews.py)."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PitlaneAction, language_of
from core import i18n, reviews
from core.agencies import get_agency
from core.errors import NotFound
from core.formatting import format_day, local_time
from core.reviews import ReviewView


def agency_entity(tracker: Tracker) -> str:
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") == "agency" and isinstance(entity.get("value"), str):
            return entity["value"]
    return ""


def review_line(review: ReviewView, language: str, tz: str) -> str:
    """'★★★★☆ « Accueil très sympa » — Marie D., 12 novembre 2026'."""
    stars = "★" * (review.rating or 0) + "☆" * (5 - (review.rating or 0))
    author = review.author or i18n.text("reviews", "anonymous_author", language)
    quote = f"« {review.comment} »" if language != "en" else f"“{review.comment}”"
    line = f"• {stars} {quote} — {author}"
    if review.answered_at is not None:
        line += ", " + format_day(local_time(review.answered_at, tz).date(), language)
    return line


class ActionAgencyReviews(PitlaneAction):
    """`action_agency_reviews`: the last approved comments of the agency of the button."""

    def name(self) -> str:
        return "action_agency_reviews"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        code = agency_entity(tracker)
        try:
            agency = get_agency(self.context.uow(), code)
            shown = reviews.approved_reviews(self.context.uow(), code)
        except NotFound:
            dispatcher.utter_message(response="utter_unknown_agency_reviews")
            return []
        if not shown:
            dispatcher.utter_message(response="utter_agency_no_reviews", agency=agency.name)
            return []
        rating = reviews.rating_texts(self.context.uow(), language).get(code)
        name = f"{agency.name} ({rating})" if rating else agency.name
        lines = "\n".join(review_line(r, language, self.context.timezone) for r in shown)
        dispatcher.utter_message(response="utter_agency_reviews", agency=name, reviews=lines)
        return []
