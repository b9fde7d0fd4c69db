"""Customer-facing strings the hub says itself (French first, English variation)."""

from __future__ import annotations

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"

_TEXTS: dict[str, dict[str, str]] = {
    "empty_message": {
        "fr": "Votre message est vide. Écrivez votre question, puis envoyez-la.",
        "en": "Your message is empty. Type your question, then send it.",
    },
    "message_too_long": {
        "fr": "Votre message est trop long (2 000 caractères maximum). Raccourcissez-le, svp.",
        "en": "Your message is too long (2,000 characters at most). Please shorten it.",
    },
    "unknown_choice": {
        "fr": "Je ne connais pas ce choix. Choisissez l'une des options ci-dessous :",
        "en": "I don't know that choice. Please pick one of the options below:",
    },
    "assistant_unavailable": {
        "fr": (
            "L'assistant est momentanément indisponible. Votre message est bien enregistré : "
            "réessayez dans quelques instants, svp."
        ),
        "en": (
            "The assistant is unavailable right now. Your message has been saved: "
            "please try again in a moment."
        ),
    },
}

# The main menu, re-offered after an unknown choice when nothing else was on offer.
_MENU: dict[str, list[tuple[str, str]]] = {
    "fr": [
        ("Vérifier mon entretien", "/check_maintenance"),
        ("Essayer une moto", "/vehicle_info"),
        ("Nous contacter", "/contact_info"),
        ("Arrêter", "/stop"),
    ],
    "en": [
        ("Check my maintenance", "/check_maintenance"),
        ("Try a motorbike", "/vehicle_info"),
        ("Contact us", "/contact_info"),
        ("Stop", "/stop"),
    ],
}


def normalise_language(value: object) -> str | None:
    """'fr', 'fr-FR', 'EN_gb' -> 'fr' / 'en'; anything else -> None."""
    if not isinstance(value, str):
        return None
    code = value.strip().lower().replace("_", "-").split("-", 1)[0]
    return code if code in LANGUAGES else None


def say(key: str, language: str | None) -> str:
    """The hub's text `key` in `language` (French when unknown)."""
    variants = _TEXTS[key]
    return variants.get(language or DEFAULT_LANGUAGE, variants[DEFAULT_LANGUAGE])


def menu(language: str | None) -> list[tuple[str, str]]:
    """The main menu's (title, payload) pairs in `language`."""
    return _MENU.get(language or DEFAULT_LANGUAGE, _MENU[DEFAULT_LANGUAGE])
