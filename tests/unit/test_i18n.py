"""One gettext catalogue per language (locale/, core/i18n.py, scripts/i18n.py): French and
English have the same keys and placeholders, the compiled catalogues read back whole, and
every key the code names is in them."""

from __future__ import annotations

import ast
import gettext
import os
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from core import i18n
from scripts.i18n import check, compile_catalogues, placeholders

ROOT = Path(__file__).resolve().parents[2]

FRENCH = {
    ("hub", "greeting"): "Bonjour {name} !",
    ("hub", "bye"): "Au revoir.",
    ("staff", "greeting"): "Bienvenue dans la console",
}
ENGLISH = {
    ("hub", "greeting"): "Hello {name}!",
    ("hub", "bye"): "Goodbye.",
    ("staff", "greeting"): "Welcome to the console",
}


def write_catalogue(
    locale_dir: Path,
    language: str,
    texts: dict[tuple[str, str], str],
    fuzzy: frozenset = frozenset(),
) -> Path:
    catalog = Catalog(locale=language, domain="pitlane", fuzzy=False)
    for (context, key), text in texts.items():
        flags = ("fuzzy",) if (context, key) in fuzzy else ()
        catalog.add(key, text, context=context, flags=flags)
    path = locale_dir / language / "LC_MESSAGES" / "pitlane.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog)
    return path


def test_french_and_english_have_the_same_keys_and_placeholders() -> None:
    assert check(ROOT / "locale") == []


def test_matching_catalogues_have_no_problem(tmp_path: Path) -> None:
    write_catalogue(tmp_path, "fr", FRENCH)
    write_catalogue(tmp_path, "en", ENGLISH)

    assert check(tmp_path) == []


def test_a_key_missing_in_english_is_found(tmp_path: Path) -> None:
    write_catalogue(tmp_path, "fr", FRENCH)
    write_catalogue(tmp_path, "en", {k: v for k, v in ENGLISH.items() if k != ("hub", "bye")})

    assert check(tmp_path) == ["en: missing hub/bye"]


def test_a_key_only_in_english_is_found(tmp_path: Path) -> None:
    write_catalogue(tmp_path, "fr", {k: v for k, v in FRENCH.items() if k != ("hub", "bye")})
    write_catalogue(tmp_path, "en", ENGLISH)

    assert check(tmp_path) == ["en: hub/bye is not in fr"]


def test_the_same_key_in_another_context_is_another_entry(tmp_path: Path) -> None:
    write_catalogue(tmp_path, "fr", FRENCH)
    write_catalogue(
        tmp_path, "en", {k: v for k, v in ENGLISH.items() if k != ("staff", "greeting")}
    )

    assert check(tmp_path) == ["en: missing staff/greeting"]


def test_a_placeholder_that_differs_is_found(tmp_path: Path) -> None:
    write_catalogue(tmp_path, "fr", FRENCH)
    write_catalogue(tmp_path, "en", {**ENGLISH, ("hub", "greeting"): "Hello {nom}!"})

    assert check(tmp_path) == ["en: hub/greeting has {nom}, fr has {name}"]


def test_an_empty_or_fuzzy_translation_is_found(tmp_path: Path) -> None:
    write_catalogue(tmp_path, "fr", FRENCH)
    write_catalogue(
        tmp_path,
        "en",
        {**ENGLISH, ("hub", "bye"): " "},
        fuzzy=frozenset({("staff", "greeting")}),
    )

    assert check(tmp_path) == ["en: staff/greeting is marked fuzzy", "en: hub/bye is empty"]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("{count} ans", {"count"}),
        ("du {first} au {last}", {"first", "last"}),
        ("aucun", set()),
        ("un {{littéral}}", set()),
        ("cassé {", {"<malformed braces>"}),
    ],
)
def test_placeholders_are_the_format_fields(text: str, names: set[str]) -> None:
    assert placeholders(text) == names


def test_a_compiled_catalogue_reads_back_every_entry_with_its_context(tmp_path: Path) -> None:
    write_catalogue(tmp_path, "fr", FRENCH)

    [written] = compile_catalogues(tmp_path)

    assert i18n.read_mo(written) == FRENCH
    translations = gettext.GNUTranslations(written.open("rb"))  # the standard library agrees
    assert translations.pgettext("staff", "greeting") == "Bienvenue dans la console"


def test_compiling_again_rewrites_only_what_changed(tmp_path: Path) -> None:
    write_catalogue(tmp_path, "fr", FRENCH)
    write_catalogue(tmp_path, "en", ENGLISH)
    assert len(compile_catalogues(tmp_path)) == 2

    assert compile_catalogues(tmp_path) == []


def test_a_missing_compiled_catalogue_says_how_to_build_it(tmp_path: Path) -> None:
    write_catalogue(tmp_path, "fr", FRENCH)

    with pytest.raises(i18n.CatalogueMissing, match="make locale"):
        i18n.load_catalogue("fr", tmp_path)


def test_a_compiled_catalogue_older_than_its_source_is_refused(tmp_path: Path) -> None:
    source = write_catalogue(tmp_path, "fr", FRENCH)
    [compiled] = compile_catalogues(tmp_path)
    os.utime(compiled, (source.stat().st_mtime - 10, source.stat().st_mtime - 10))

    with pytest.raises(i18n.CatalogueMissing, match="older than pitlane.po"):
        i18n.load_catalogue("fr", tmp_path)


def test_texts_are_grouped_by_context_and_filled(tmp_path: Path) -> None:
    write_catalogue(tmp_path, "en", ENGLISH)
    compile_catalogues(tmp_path)

    catalogue = i18n.load_catalogue("en", tmp_path)

    assert dict(catalogue["hub"]) == {"greeting": "Hello {name}!", "bye": "Goodbye."}
    assert catalogue["hub"]["greeting"].format(name="Ana") == "Hello Ana!"


@pytest.mark.parametrize("language", [None, "", "de", "fr-FR"])
def test_an_unknown_language_gets_the_french_text(language: str | None) -> None:
    assert i18n.text("hub", "wait_short", language) == "moins d'une minute"
    assert i18n.text("hub", "wait_short", "en") == "less than a minute"


def test_an_unknown_key_is_an_error_not_a_blank() -> None:
    with pytest.raises(KeyError):
        i18n.text("hub", "no_such_key", "fr")


# Calls whose first arguments name a key: the hub's say("key", ...), and
# i18n.text("context", "key", ...) anywhere.
def named_keys(path: Path) -> list[tuple[int, str, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        literals = [
            arg.value
            for arg in node.args
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
        ]
        if name == "say" and literals:
            found.append((node.lineno, "hub", literals[0]))
        elif name == "text" and len(literals) >= 2 and literals[0] in i18n.catalogue("fr"):
            found.append((node.lineno, literals[0], literals[1]))
    return found


SOURCES = sorted(
    path
    for folder in ("core", "channels", "backoffice", "transports", "hub", "actions")
    for path in (ROOT / folder).rglob("*.py")
)


def test_every_key_the_code_names_is_in_the_catalogues() -> None:
    catalogue = i18n.catalogue("fr")
    named = [(path, *found) for path in SOURCES for found in named_keys(path)]
    missing = [
        f"{path.relative_to(ROOT)}:{line} names {context}/{key}"
        for path, line, context, key in named
        if key not in catalogue[context]
    ]
    assert len(named) > 20
    assert not missing, "\n".join(missing)
