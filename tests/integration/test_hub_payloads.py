"""Button payloads: which ones the hub passes to Rasa, from the intents of the domain files."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.intents import load_intents, payload_is_known
from hub.texts import normalise_language

ROOT = Path(__file__).resolve().parents[2]
INTENTS = frozenset({"greet", "choose", "stop"})


@pytest.mark.parametrize(
    "payload",
    [
        "/greet",
        "/stop",
        '/choose{"agency": "lyon-gerland"}',
        '/choose{"slot_choice": "2030-01-07T08:00:00+00:00"}',
        '/choose{"agency": "paris-nord"}@0.9',
        "/greet@1.0",
    ],
)
def test_a_domain_intent_payload_is_known(payload: str) -> None:
    assert payload_is_known(payload, INTENTS)


@pytest.mark.parametrize(
    "payload",
    ["/nope", "/", "/choose{", '/choose{"agency"}', "/choose[1]", '/choose"x"', "/ greet"],
)
def test_an_unknown_intent_or_malformed_entities_is_unknown(payload: str) -> None:
    assert not payload_is_known(payload, INTENTS)


def test_every_payload_passes_when_no_domain_was_found() -> None:
    assert payload_is_known("/anything", None)


def test_reads_the_intents_of_the_project_domain() -> None:
    intents = load_intents(ROOT / "rasa_project")

    assert intents is not None
    assert {"greet", "choose", "check_maintenance", "restart"} <= intents


def test_reads_intents_from_a_domain_folder_in_both_forms(tmp_path: Path) -> None:
    (tmp_path / "domain").mkdir()
    (tmp_path / "domain" / "a.yml").write_text("intents:\n  - greet\n")
    (tmp_path / "domain" / "b.yml").write_text("intents:\n  - choose:\n      use_entities: []\n")

    assert {"greet", "choose"} <= (load_intents(tmp_path) or set())


def test_is_tolerant_of_a_missing_or_broken_domain(tmp_path: Path) -> None:
    assert load_intents(tmp_path / "missing") is None
    (tmp_path / "domain.yml").write_text("intents: [greet\n")
    assert load_intents(tmp_path) is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [("fr", "fr"), ("fr-FR", "fr"), ("en_GB", "en"), ("EN", "en"), ("de", None), (3, None)],
)
def test_normalises_client_languages_to_fr_or_en(given: object, expected: str | None) -> None:
    assert normalise_language(given) == expected
