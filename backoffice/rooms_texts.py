"""What the rooms and notifications admin pages say (French first, English), added to the
staff pages' texts (backoffice/texts.py): the `rooms` context of the gettext catalogues
(locale/, core/i18n.py)."""

from __future__ import annotations

from backoffice.texts import texts
from core.i18n import messages


def rooms_texts(language: str) -> dict[str, str]:
    """The staff pages' texts with the rooms and notifications ones."""
    return {**texts(language), **messages("rooms", language)}
