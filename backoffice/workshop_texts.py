"""What the workshop staff pages say (bookings, callbacks, complaints, surveys, service
settings), French first, English too; merged over backoffice/texts.py's strings. They are
the `workshop` context of the gettext catalogues (locale/, core/i18n.py)."""

from __future__ import annotations

from babel.dates import get_day_names

from backoffice.texts import texts
from core.i18n import LANGUAGES, messages


# The service settings' rows, Monday first, capitalised as a row heading ("Lundi", "Monday").
def _weekday_names(language: str) -> tuple[str, ...]:
    names = get_day_names("wide", locale=language)  # 0 is Monday
    return tuple(names[day][:1].upper() + names[day][1:] for day in range(7))


WEEKDAY_NAMES = {language: _weekday_names(language) for language in LANGUAGES}


def workshop_texts(language: str) -> dict[str, str]:
    """The staff pages' strings with the workshop pages' ones, in `language` (fr default)."""
    return {**texts(language), **messages("workshop", language)}


def code_text(t: dict[str, str], code: str, fallback: str) -> str:
    """The readable message of a core error code, else `fallback` (the core's message)."""
    return t.get(f"code_{code}", fallback)
