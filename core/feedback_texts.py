"""The words of the satisfaction survey (the `feedback` context of the catalogues), apart
from its rules (core/surveys.py)."""

from __future__ import annotations

from core import i18n
from core.surveys import RATINGS, SurveyPrompt


def survey_prompt(
    language: str, booking_reference: str, when_text: str, agency_name: str
) -> SurveyPrompt:
    """The survey message and the ratings the customer chooses from, for that booking."""
    prompt = i18n.text("feedback", "survey_prompt", language, when=when_text, agency=agency_name)
    return SurveyPrompt(text=prompt, booking_reference=booking_reference, ratings=RATINGS)
