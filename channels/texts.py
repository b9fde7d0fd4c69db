"""Customer-facing strings the hub says itself (French first, English variation): the `hub`
context of the gettext catalogues (locale/, core/i18n.py)."""

from __future__ import annotations

from core.i18n import DEFAULT_LANGUAGE, LANGUAGES, messages, text

# The main menu, re-offered after an unknown choice when nothing else was on offer.
_MENU: dict[str, list[tuple[str, str]]] = {
    "fr": [
        ("Vérifier mon entretien", "/check_maintenance"),
        ("Essayer une moto", "/vehicle_info"),
        ("Nous contacter", "/contact_info"),
        ("Parler à un conseiller", "/ask_advisor"),
        ("Arrêter", "/stop"),
    ],
    "en": [
        ("Check my maintenance", "/check_maintenance"),
        ("Try a motorbike", "/vehicle_info"),
        ("Contact us", "/contact_info"),
        ("Talk to an advisor", "/ask_advisor"),
        ("Stop", "/stop"),
    ],
}


def normalise_language(value: object) -> str | None:
    """'fr', 'fr-FR', 'EN_gb' -> 'fr' / 'en'; anything else -> None."""
    if not isinstance(value, str):
        return None
    code = value.strip().lower().replace("_", "-").split("-", 1)[0]
    return code if code in LANGUAGES else None


def say(key: str, language: str | None, **values: object) -> str:
    """The hub's text `key` in `language` (French when unknown), `{name}`s filled from values."""
    return text("hub", key, language, **values)


def menu(language: str | None) -> list[tuple[str, str]]:
    """The main menu's (title, payload) pairs in `language`."""
    return _MENU.get(language or DEFAULT_LANGUAGE, _MENU[DEFAULT_LANGUAGE])


def wait_text(seconds: float, language: str | None) -> str:
    """An estimated wait as people say it: 'environ 4 min', 'less than a minute'."""
    if seconds < 60:
        return say("wait_short", language)
    return say("wait_minutes", language, minutes=round(seconds / 60))


# ---- commercial offers on the chat channels (WhatsApp keywords, Telegram commands) --------
# The Telegram unsubscribe button carries the command itself as its callback data.
OFFERS_UNSUBSCRIBE_PAYLOAD = "/stopoffres"


def offers_text(key: str, channel: str, language: str | None) -> str | None:
    """The offers text `key` ('offers_on', 'offers_off', 'offers_footer', ...) for a chat
    `channel` in `language`; None for a channel without one."""
    name = f"{key}_{channel}"
    return say(name, language) if name in messages("hub", DEFAULT_LANGUAGE) else None
