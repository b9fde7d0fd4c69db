"""The dialogue data keeps its promises: enough varied examples per intent and language,
and every response answers in French by default and in English when the customer does."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.dialogue_files import load_domain, nlu_files

BUTTON_ONLY_INTENTS = {
    "choose",
    "create_mycar",
    "rate",
    "cancel_my_booking",
    "move_my_booking",
    "choose_service",
    "agency_reviews",  # issue 16: the reviews button under an agency
    "approve_estimate",  # issue 16: the estimate's buttons (typed answers: docs/nlu.md)
    "decline_estimate",
}  # filled by button payloads, not typed
MINIMUM_EXAMPLES = 25


def examples_by_intent(language: str) -> dict[str, list[str]]:
    examples: dict[str, list[str]] = {}
    for path in nlu_files(language):
        for block in yaml.safe_load(path.read_text())["nlu"]:
            if "intent" in block:
                examples.setdefault(block["intent"], []).extend(
                    line[2:].strip()
                    for line in block["examples"].splitlines()
                    if line.startswith("- ")
                )
    return examples


def domain() -> dict:
    return load_domain()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_typed_intent_has_enough_distinct_examples_in_each_language(language):
    examples = examples_by_intent(language)
    typed = set(domain()["intents"]) - BUTTON_ONLY_INTENTS
    assert typed <= set(examples), f"intents without {language} examples: {typed - set(examples)}"
    too_few = {
        intent: len(set(examples[intent]))
        for intent in typed
        if len(set(examples[intent])) < MINIMUM_EXAMPLES
    }
    assert not too_few, f"fewer than {MINIMUM_EXAMPLES} distinct {language} examples: {too_few}"


def test_no_example_is_given_to_two_intents():
    seen: dict[str, str] = {}
    clashes = []
    for language in ("fr", "en"):
        for intent, texts in examples_by_intent(language).items():
            for text in texts:
                key = text.lower()
                if seen.setdefault(key, intent) != intent:
                    clashes.append((text, seen[key], intent))
    assert not clashes


def test_every_response_has_a_french_default_and_an_english_variation():
    for name, variations in domain()["responses"].items():
        english = [
            v
            for v in variations
            if {"type": "slot", "name": "language", "value": "en"} in (v.get("condition") or [])
        ]
        defaults = [v for v in variations if not v.get("condition")]
        assert english, f"{name} has no English variation"
        assert defaults, f"{name} has no French default"
        assert len(english[0].get("buttons") or []) == len(defaults[0].get("buttons") or []), name


def test_no_response_button_carries_json_braces():
    """Rasa 3.6 reads {...} in a response as a slot template (and logs an error for JSON):
    buttons whose payload carries JSON are built by the actions, or the whole payload is one
    template the action fills ("{request}")."""
    braces = [
        (name, button["payload"])
        for name, variations in domain()["responses"].items()
        for variation in variations
        for button in variation.get("buttons") or []
        if "{" in button["payload"] and not re.fullmatch(r"\{[a-z_]+\}", button["payload"])
    ]
    assert not braces
