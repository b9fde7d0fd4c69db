"""Customer-facing strings the hub says itself (French first, English variation): the `hub`
context of the gettext catalogues (locale/, core/i18n.py). The main menu is not one of
them: it is Rasa's `utter_menu`, read from the domain, so the hub and the bot offer the same.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from core.i18n import DEFAULT_LANGUAGE, LANGUAGES, messages, text

RASA_PROJECT = Path(__file__).resolve().parents[1] / "rasa_project"
MENU_RESPONSE = "utter_menu"

Menu = dict[str, list[tuple[str, str]]]  # language -> [(title, payload), ...]


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
    """The main menu's (title, payload) pairs in `language` (French when unknown): the
    buttons of the domain's `utter_menu`, read once."""
    menus = _domain_menu()
    return list(menus.get(language or DEFAULT_LANGUAGE, menus[DEFAULT_LANGUAGE]))


@lru_cache(maxsize=1)
def _domain_menu() -> Menu:
    return load_menu(RASA_PROJECT)


def load_menu(project_dir: Path) -> Menu:
    """`utter_menu`'s buttons per language, from domain.yml or domain/*.yml, as Rasa picks
    them: the variant whose condition is the `language` slot's value, else the variant
    without a condition. Raises RuntimeError when the domain has no such response."""
    files = [project_dir / "domain.yml"] + sorted((project_dir / "domain").glob("**/*.yml"))
    for path in files:
        if not path.is_file():
            continue
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        responses = content.get("responses") if isinstance(content, dict) else None
        variants = (responses or {}).get(MENU_RESPONSE)
        if variants:
            return _menu_by_language(variants, path)
    raise RuntimeError(f"no {MENU_RESPONSE} response in the Rasa domain under {project_dir}")


def _menu_by_language(variants: list[dict], path: Path) -> Menu:
    by_language: dict[str | None, list[tuple[str, str]]] = {}
    for variant in variants:
        language = None
        for condition in variant.get("condition") or []:
            if condition.get("type") == "slot" and condition.get("name") == "language":
                language = condition.get("value")
        buttons = [(str(b["title"]), str(b["payload"])) for b in variant.get("buttons") or []]
        by_language.setdefault(language, buttons)
    if None not in by_language:
        raise RuntimeError(f"{MENU_RESPONSE} in {path} has no variant without a condition")
    return {language: by_language.get(language, by_language[None]) for language in LANGUAGES}


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
