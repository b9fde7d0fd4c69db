"""No module of the Python side holds user-facing French text again: it is in the gettext
catalogues (locale/, core/i18n.py). Found by reading each module's syntax tree: a dict
with "fr" and "en" keys whose values are strings, a call given `fr=` and `en=` strings, or a
string (docstrings left out; comments are not in the tree) with a French word, a word
mixing plain letters and accented ones ("noté", "Réservations"). Regular expressions are
left out (the customer's words are matched with accents), and so are strings of accented
letters alone (core/parsing.py's language guess)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from backoffice.nav import NAV
from core import i18n

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("channels", "hub", "backoffice", "webapp", "transports", "core")

ACCENTED = "àâäéèêëîïôöùûüÿçœæÀÂÄÉÈÊËÎÏÔÖÙÛÜŸÇŒÆ"
# a word mixing plain and accented letters, or "à" on its own
FRENCH_WORD = re.compile(rf"\b(?=\w*[{ACCENTED}])(?=\w*[A-Za-z])\w+\b|(?<!\S)[àÀ](?!\S)")
LANGUAGE_TAG = re.compile(r"[a-z]{2}(?:[_-][A-Za-z]{2})?")  # {"fr": "fr", "en": "en_GB"}
REGEX_SYNTAX = re.compile(r"\(\?|\\[sbdwSBDW]|\][?*+{]")  # (?:, \s, [ab]+

# Strings that are French on purpose: not said to anyone in a language.
ALLOWED = {
    ("core/profile.py", "Client supprimé"): "stored in place of an erased customer's name",
    ("core/profile.py", "[effacé]"): "stored in place of an erased message",
}


def docstrings(tree: ast.AST) -> set[int]:
    """The ids of the docstring nodes of a module, its classes and functions."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def is_text(node: ast.AST | None) -> bool:
    """A string that is not a language tag: literal or f-string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return not LANGUAGE_TAG.fullmatch(node.value)
    return isinstance(node, ast.JoinedStr)


def french_text(value: str) -> bool:
    """A French word in a string that is not a regular expression."""
    return not REGEX_SYNTAX.search(value) and FRENCH_WORD.search(value) is not None


def text_tables(source: str, name: str) -> list[str]:
    """'<name>:<line>: <why>' for each table or string of French text in `source`."""
    tree = ast.parse(source)
    skipped = docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys = {
                key.value: value
                for key, value in zip(node.keys, node.values, strict=True)
                if isinstance(key, ast.Constant)
            }
            if is_text(keys.get("fr")) and is_text(keys.get("en")):
                found.append(f"{name}:{node.lineno}: a dict of French and English texts")
        elif isinstance(node, ast.Call):
            given = {k.arg: k.value for k in node.keywords}
            if is_text(given.get("fr")) and is_text(given.get("en")):
                found.append(f"{name}:{node.lineno}: a call given French and English texts")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skipped
            and french_text(node.value)
            and (name, node.value) not in ALLOWED
        ):
            found.append(f"{name}:{node.lineno}: French text {node.value[:60]!r}")
    return sorted(set(found), key=lambda line: (int(line.split(":")[1]), line))


def test_no_module_holds_french_text_outside_the_catalogues() -> None:
    found = [
        problem
        for folder in FOLDERS
        for path in sorted((ROOT / folder).rglob("*.py"))
        for problem in text_tables(
            path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix()
        )
    ]
    assert not found, "put these texts in locale/*/LC_MESSAGES/pitlane.po:\n" + "\n".join(found)


PLANTED = '''"""Un module : ses docstrings peuvent être en français."""

import re

LABELS = {"fr": "Mes rendez-vous", "en": "My bookings"}
BY_KEY = {"done": {"fr": f"C'est noté ({1})", "en": "Done"}}
ITEM = NavItem("bookings", fr="Réservations", en="Bookings")
REFUSED = "Seules les photos sont acceptées."
SHORT = "Modèles"
LATER = f"{5} images au maximum à la fois."


def keyword() -> str:
    """Le mot-clé « arrêt »."""
    return "STOP"  # « arrêt » en français, dans un commentaire


ENGLISH_ONLY = {"empty_message": "message is empty", "fr": 1, "en": 2}
PATTERN = re.compile(r"(?!\\s*(?:[eé]missions?|km))")
CLASS = "[àâé]+"
LETTERS = "éèêàçùûôîëïœ"
WORDS = {"fr": ("oui", "ouais"), "en": ("yes", "yeah")}
LOCALES = {"fr": "fr_FR", "en": "en-GB"}
'''


def test_a_planted_table_or_phrase_is_found_and_legitimate_strings_are_not() -> None:
    found = text_tables(PLANTED, "planted.py")

    assert found == [
        "planted.py:5: a dict of French and English texts",
        'planted.py:6: French text "C\'est noté ("',
        "planted.py:6: a dict of French and English texts",
        "planted.py:7: French text 'Réservations'",
        "planted.py:7: a call given French and English texts",
        "planted.py:8: French text 'Seules les photos sont acceptées.'",
        "planted.py:9: French text 'Modèles'",
        "planted.py:10: French text ' images au maximum à la fois.'",
    ]


def test_a_real_module_with_a_planted_table_fails() -> None:
    source = (ROOT / "hub" / "reminders.py").read_text(encoding="utf-8")

    planted = source + '\n_MY_BOOKINGS = {"fr": "Mes rendez-vous", "en": "My bookings"}\n'

    assert text_tables(source, "hub/reminders.py") == []
    assert len(text_tables(planted, "hub/reminders.py")) == 1


def test_every_menu_link_has_its_label_in_both_languages() -> None:
    for language in i18n.LANGUAGES:
        labels = [i18n.text("nav", item.page, language) for item in NAV]
        assert all(labels) and i18n.text("nav", "label", language)
