"""What the knowledge base's admin page says, French first, English too; merged over the
workshop pages' strings (the staff frame's); the `answers` context of the gettext catalogues
(locale/, core/i18n.py)."""

from __future__ import annotations

from backoffice.workshop_texts import workshop_texts
from core.i18n import messages


def answers_texts(language: str) -> dict[str, str]:
    """The staff frame's strings with the answers page's ones, in `language` (fr default)."""
    return {**workshop_texts(language), **messages("answers", language)}


def topic_label(t: dict[str, str], topic: str) -> str:
    """A known topic's name, else its code."""
    return t.get(f"topic_{topic}", topic)
