"""The Python side's user-facing texts, from one gettext catalogue per language.

`locale/<language>/LC_MESSAGES/pitlane.po` holds them; `make locale` compiles each to
`pitlane.mo` (never committed), read here with the standard library only. Rasa's dialogue
turns are not here: they are the domain's responses (rasa_project/domain/).

Message ids are stable keys (`login_title`, `handoff_queued`) and the context (msgctxt)
names the module that says them (`staff`, `hub`, `reminders`...): callers look texts up by
key, some keys are made at run time (`code_<error code>`, `http_<status>_title`), and
French is a translation like English, so both catalogues have exactly the same entries
(`make i18n` checks it). Texts are `str.format` templates: `{name}` placeholders.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
DOMAIN = "pitlane"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"

_MAGIC_LE = 0x950412DE  # a .mo file's first four bytes, read little-endian
_MAGIC_BE = 0xDE120495  # the same file written big-endian


class CatalogueMissing(RuntimeError):
    """A compiled catalogue is absent or older than its .po: `make locale` builds it."""


def language_of(language: str | None) -> str:
    """'en' for English, French (the default) for anything else, as the texts are chosen."""
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def mo_path(language: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / language / "LC_MESSAGES" / f"{DOMAIN}.mo"


def read_mo(path: Path) -> dict[tuple[str, str], str]:
    """{(context, key): text} of a compiled gettext catalogue (GNU .mo format); an entry
    without a context has context ''. The header entry is left out."""
    data = path.read_bytes()
    if len(data) < 20:
        raise ValueError(f"{path} is not a gettext .mo file")
    order = {_MAGIC_LE: "<", _MAGIC_BE: ">"}.get(struct.unpack("<I", data[:4])[0])
    if order is None:
        raise ValueError(f"{path} is not a gettext .mo file")
    _, count, ids_at, texts_at = struct.unpack(f"{order}4I", data[4:20])
    entries: dict[tuple[str, str], str] = {}
    for index in range(count):
        id_length, id_offset = struct.unpack(f"{order}2I", data[ids_at + 8 * index :][:8])
        text_length, text_offset = struct.unpack(f"{order}2I", data[texts_at + 8 * index :][:8])
        msgid = data[id_offset : id_offset + id_length].decode("utf-8")
        if not msgid:
            continue  # the header
        context, _, key = msgid.rpartition("\x04")
        text = data[text_offset : text_offset + text_length].decode("utf-8")
        entries[(context, key.split("\x00")[0])] = text.split("\x00")[0]
    return entries


def load_catalogue(language: str, locale_dir: Path) -> Mapping[str, Mapping[str, str]]:
    """{context: {key: text}} of `language` under `locale_dir`; CatalogueMissing when its
    .mo is absent or older than its .po."""
    path = mo_path(language, locale_dir)
    source = path.with_suffix(".po")
    if not path.is_file():
        raise CatalogueMissing(
            f"{path} is missing: run `make locale` (make run and make test build it)"
        )
    if source.is_file() and source.stat().st_mtime > path.stat().st_mtime:
        raise CatalogueMissing(f"{path} is older than {source.name}: run `make locale`")
    grouped: dict[str, dict[str, str]] = {}
    for (context, key), text in read_mo(path).items():
        grouped.setdefault(context, {})[key] = text
    return MappingProxyType({c: MappingProxyType(texts) for c, texts in grouped.items()})


@cache
def catalogue(language: str) -> Mapping[str, Mapping[str, str]]:
    """The catalogue of `language` ('fr' or 'en') under LOCALE_DIR, read once per process."""
    return load_catalogue(language, LOCALE_DIR)


def messages(context: str, language: str | None) -> dict[str, str]:
    """Every text of `context` in `language` (French when unknown), by key: a new dict."""
    return dict(catalogue(language_of(language))[context])


def text(context: str, key: str, language: str | None, **values: object) -> str:
    """The text `key` of `context` in `language` (French when unknown), its `{name}`s
    filled from `values`. An unknown key raises KeyError."""
    template = catalogue(language_of(language))[context][key]
    return template.format(**values) if values else template
