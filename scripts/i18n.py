"""The gettext catalogues of the Python side: locale/<language>/LC_MESSAGES/pitlane.po.

    python scripts/i18n.py compile  # .po -> .mo where the .mo is missing or older (make locale)
    python scripts/i18n.py check    # every language has French's keys and placeholders
    python scripts/i18n.py extract  # locale/pitlane.pot: every key, its French text as comment

`make i18n` runs extract, then check, then compile. Message ids are stable keys grouped by a
context (core/i18n.py says why), so the template is extracted from the French catalogue, the
reference, rather than from the source code.
"""

from __future__ import annotations

import string
import sys
from collections.abc import Mapping
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE_DIR = ROOT / "locale"
DOMAIN = "pitlane"
REFERENCE = "fr"  # French first: the other languages follow its keys
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"

Key = tuple[str, str]  # (context, message id)


def po_files(locale_dir: Path = LOCALE_DIR) -> dict[str, Path]:
    """{language: its .po}, for every language under locale_dir."""
    return {
        path.parents[1].name: path for path in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    }


def read_catalogue(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, domain=DOMAIN)


def entries(catalog: Catalog) -> dict[Key, str]:
    """{(context, key): text} of a catalogue, the header left out."""
    return {
        (message.context or "", str(message.id)): str(message.string or "")
        for message in catalog
        if message.id
    }


def placeholders(text: str) -> set[str]:
    """The `{name}` fields of a str.format template ('{count} ans' -> {'count'})."""
    try:
        return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    except ValueError:
        return {"<malformed braces>"}


def problems(reference: Mapping[Key, str], other: Mapping[Key, str], language: str) -> list[str]:
    """What makes `other` (a language) differ from `reference` (French) in keys, empty
    texts and placeholders; an empty list when they match."""
    found = []
    for context, key in sorted(reference.keys() - other.keys()):
        found.append(f"{language}: missing {context}/{key}")
    for context, key in sorted(other.keys() - reference.keys()):
        found.append(f"{language}: {context}/{key} is not in {REFERENCE}")
    for item in sorted(reference.keys() & other.keys()):
        context, key = item
        if not other[item].strip():
            found.append(f"{language}: {context}/{key} is empty")
        elif placeholders(other[item]) != placeholders(reference[item]):
            shown = ", ".join(sorted(placeholders(other[item]))) or "none"
            wanted = ", ".join(sorted(placeholders(reference[item]))) or "none"
            found.append(
                f"{language}: {context}/{key} has {{{shown}}}, {REFERENCE} has {{{wanted}}}"
            )
    return found


def check(locale_dir: Path = LOCALE_DIR) -> list[str]:
    """Every problem of the catalogues under locale_dir (fuzzy entries included)."""
    files = po_files(locale_dir)
    if REFERENCE not in files:
        return [f"no {REFERENCE} catalogue under {locale_dir}"]
    catalogues = {language: read_catalogue(path) for language, path in files.items()}
    found = [
        f"{language}: {message.context}/{message.id} is marked fuzzy"
        for language, catalog in catalogues.items()
        for message in catalog
        if message.id and message.fuzzy
    ]
    reference = entries(catalogues[REFERENCE])
    found += [f"{REFERENCE}: {c}/{k} is empty" for (c, k), text in reference.items() if not text]
    for language, catalog in catalogues.items():
        if language != REFERENCE:
            found += problems(reference, entries(catalog), language)
    return found


def compile_catalogues(locale_dir: Path = LOCALE_DIR, force: bool = False) -> list[Path]:
    """Write each .mo whose .po is newer (or every one with force); the paths written."""
    written = []
    for path in po_files(locale_dir).values():
        target = path.with_suffix(".mo")
        if not force and target.is_file() and target.stat().st_mtime >= path.stat().st_mtime:
            continue
        catalog = read_catalogue(path)
        with target.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(target)
    return written


def extract(locale_dir: Path = LOCALE_DIR, target: Path = TEMPLATE) -> int:
    """Write the template (.pot): the reference's keys, its text as a comment for
    translators; the number of entries."""
    reference = read_catalogue(po_files(locale_dir)[REFERENCE])
    template = Catalog(domain=DOMAIN, project="Pitlane", version="0.1.0", fuzzy=False)
    for message in reference:
        if message.id:
            comments = [*message.auto_comments, f"{REFERENCE}: {message.string}"]
            template.add(message.id, "", context=message.context, auto_comments=comments)
    with target.open("wb") as handle:
        write_po(handle, template, width=100, no_location=True, omit_header=False)
    return len(template)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else ""
    if command == "compile":
        for path in compile_catalogues(force="--force" in argv):
            print(f"compiled {path.relative_to(ROOT)}")
        return 0
    if command == "check":
        found = check()
        for problem in found:
            print(problem, file=sys.stderr)
        if not found:
            languages = ", ".join(po_files())
            print(f"catalogues {languages}: same keys and placeholders")
        return 1 if found else 0
    if command == "extract":
        count = extract()
        print(f"{TEMPLATE.relative_to(ROOT)}: {count} keys")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
