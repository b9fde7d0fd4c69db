"""The scripts' JSON catalogues: French and English say the same, every text used is there."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from channels.script_bundle import LANGUAGES, STATIC_DIR, catalogue

ROOT = Path(__file__).resolve().parents[2]
# Each script and the catalogue section it reads with t("key").
SCRIPTS = {
    STATIC_DIR / "widget.js": "widget",
    STATIC_DIR / "rooms.js": "rooms",
    STATIC_DIR / "widget-map.js": "map",
    ROOT / "backoffice" / "static" / "console.js": "console",
}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def flat(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    texts: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            texts.update(flat(value, f"{prefix}{key}."))
        else:
            texts[f"{prefix}{key}"] = value
    return texts


def test_french_and_english_have_the_same_keys() -> None:
    french, english = flat(catalogue("fr")), flat(catalogue("en"))

    assert sorted(french) == sorted(english)


def test_french_and_english_have_the_same_placeholders_in_each_text() -> None:
    french, english = flat(catalogue("fr")), flat(catalogue("en"))

    differ = {
        key: (text, english[key])
        for key, text in french.items()
        if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(english[key]))
    }
    assert differ == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_is_a_non_empty_string(language: str) -> None:
    texts = flat(catalogue(language))

    assert all(isinstance(text, str) and text.strip() for text in texts.values())


@pytest.mark.parametrize("script", sorted(SCRIPTS), ids=lambda path: path.name)
def test_every_text_a_script_asks_for_is_in_its_section(script: Path) -> None:
    section = flat(catalogue("fr")[SCRIPTS[script]])
    asked = set(re.findall(r'\bt(?:\.has)?\("([\w.]*\w)"', script.read_text(encoding="utf-8")))

    assert asked, "the script reads its texts with t(...)"
    assert sorted(key for key in asked if key not in section) == []


@pytest.mark.parametrize("script", sorted(SCRIPTS), ids=lambda path: path.name)
def test_no_script_keeps_a_text_table_of_its_own(script: Path) -> None:
    source = script.read_text(encoding="utf-8")

    assert not re.search(r"\b(TEXTS?|T)\s*=\s*\{", source)
    assert "function el(" not in source  # the one DOM helper is channels/static/shared/dom.js
