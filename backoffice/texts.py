"""What the staff pages say (French first, English for English-speaking browsers).

The console's script carries the strings it writes itself; these are the server-rendered
ones. Both pick the language the same way: the page's `lang`, decided here. The strings are
the `staff` context of the gettext catalogues (locale/, core/i18n.py).
"""

from __future__ import annotations

from core.i18n import LANGUAGES, messages


def page_language(accept_language: str | None) -> str:
    """'en' when the browser prefers English to French, else 'fr' (Accept-Language, q-values)."""
    best, best_q = "fr", 0.0
    for position, item in enumerate((accept_language or "").split(",")[:20]):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGUAGES:
            continue
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                continue
        q -= position * 1e-6  # equal weights: the first listed wins
        if q > best_q:
            best, best_q = primary, q
    return best


def texts(language: str) -> dict[str, str]:
    """The staff pages' strings in `language` (French when unknown), by key."""
    return messages("staff", language)
