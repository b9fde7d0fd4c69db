"""What the test-ride catalogue's admin page says, French first, English too; merged over
the workshop pages' strings (the staff frame's); the `catalogue` context of the gettext
catalogues (locale/, core/i18n.py)."""

from __future__ import annotations

from backoffice.workshop_texts import workshop_texts
from core.i18n import messages


def catalogue_texts(language: str) -> dict[str, str]:
    """The staff frame's strings with the catalogue page's ones, in `language` (fr default)."""
    return {**workshop_texts(language), **messages("catalogue", language)}
