"""The words of the satisfaction survey, apart from its rules (core/surveys.py)."""

from __future__ import annotations

from core.surveys import RATINGS, SurveyPrompt


def survey_prompt(
    language: str, booking_reference: str, when_text: str, agency_name: str
) -> SurveyPrompt:
    """The survey message and the ratings the customer chooses from, for that booking."""
    if language == "en":
        text = (
            f"How did your appointment of {when_text} at {agency_name} go? "
            "Rate it from 1 (very disappointed) to 5 (delighted)."
        )
    else:
        text = (
            f"Comment s'est passé votre rendez-vous du {when_text} chez {agency_name} ? "
            "Notez de 1 (très déçu) à 5 (ravi)."
        )
    return SurveyPrompt(text=text, booking_reference=booking_reference, ratings=RATINGS)
