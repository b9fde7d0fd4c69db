"""The held-out evaluation's arithmetic: intent scores, exact entity spans, fallbacks, floors."""

from __future__ import annotations

from typing import Any

import pytest

from scripts.nlu_metrics import (
    FALLBACK_INTENT,
    Record,
    Scores,
    accuracy,
    accuracy_shortfalls,
    build_report,
    confusions,
    entity_scores,
    entity_shortfalls,
    intent_scores,
    language_of,
    match_entities,
    recall_shortfalls,
    scores,
)
from scripts.nlu_report import format_report


def record(expected: str, predicted: str, language: str = "fr", **kwargs: Any) -> Record:
    return Record(f"{expected}?", language, expected, predicted, **kwargs)


def test_scores_are_precision_recall_and_their_harmonic_mean():
    s = scores(tp=3, fp=1, fn=2)
    assert s.precision == pytest.approx(0.75)
    assert s.recall == pytest.approx(0.6)
    assert s.f1 == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    assert s.support == 5


def test_scores_with_nothing_to_count_are_zero_not_an_error():
    assert scores(0, 0, 0) == Scores(0.0, 0.0, 0.0, 0)
    assert scores(0, 2, 0).f1 == 0.0


def test_intent_scores_count_a_miss_against_both_intents():
    records = [
        record("diagnostic", "diagnostic"),
        record("diagnostic", "check_maintenance"),
        record("check_maintenance", "check_maintenance"),
    ]
    per_intent = intent_scores(records)
    assert per_intent["diagnostic"].recall == pytest.approx(0.5)
    assert per_intent["diagnostic"].precision == pytest.approx(1.0)
    assert per_intent["check_maintenance"].precision == pytest.approx(0.5)
    assert per_intent["check_maintenance"].recall == pytest.approx(1.0)
    assert accuracy(records) == pytest.approx(2 / 3)


def test_an_intent_only_predicted_gets_no_row_of_its_own():
    per_intent = intent_scores([record("greet", "goodbye")])
    assert set(per_intent) == {"greet"}


def test_confusions_are_counted_most_frequent_first():
    records = [
        record("repair", "inform"),
        record("repair", "inform"),
        record("find_agency", FALLBACK_INTENT),
        record("repair", "repair"),
    ]
    assert confusions(records) == [("repair", "inform", 2), ("find_agency", FALLBACK_INTENT, 1)]


def test_an_entity_is_right_only_with_the_annotated_label_start_and_end():
    expected = [("plate", 16, 25)]
    assert match_entities(expected, [("plate", 16, 25)]) == (1, 0, 0)
    assert match_entities(expected, [("plate", 16, 24)]) == (0, 1, 1)
    assert match_entities(expected, [("vin", 16, 25)]) == (0, 1, 1)
    assert match_entities(expected, []) == (0, 0, 1)


def test_a_duplicated_entity_prediction_matches_once():
    assert match_entities([("year", 10, 14)], [("year", 10, 14), ("year", 10, 14)]) == (1, 1, 0)


def test_entity_scores_per_label_and_micro_averaged():
    records = [
        record("inform", "inform", expected_entities=[("year", 10, 14), ("mileage", 16, 26)],
               predicted_entities=[("year", 10, 14), ("mileage", 16, 19)]),
        record("repair", "repair", expected_entities=[("quote_number", 6, 19)],
               predicted_entities=[("quote_number", 6, 19)]),
    ]  # fmt: skip
    per_label, micro = entity_scores(records)
    assert per_label["year"].f1 == pytest.approx(1.0)
    assert per_label["mileage"].precision == 0.0 and per_label["mileage"].recall == 0.0
    assert micro is not None
    assert (micro.precision, micro.recall, micro.support) == pytest.approx((2 / 3, 2 / 3, 3))


def test_no_entity_anywhere_gives_no_micro_average_and_no_shortfall():
    report = build_report([record("greet", "greet")])
    assert report["overall"]["entity_micro"] is None
    assert entity_shortfalls(report, 0.95) == []


def test_a_fallback_is_a_miss_that_keeps_the_top_intent():
    records = [
        record("diagnostic", FALLBACK_INTENT, top_non_fallback="diagnostic", confidence=0.41),
        record("find_agency", FALLBACK_INTENT, top_non_fallback="ask_advisor", confidence=0.2),
        record("greet", "greet", top_non_fallback="greet", confidence=0.99),
        record("greet", "greet", top_non_fallback="greet", confidence=0.98),
    ]
    report = build_report(records)
    assert report["overall"]["accuracy"] == pytest.approx(0.5)
    assert report["overall"]["fallback"] == {"count": 2, "share": 0.5, "top_intent_right": 1}
    missed = report["misclassified"][0]
    assert (missed["predicted"], missed["top_non_fallback"]) == (FALLBACK_INTENT, "diagnostic")


def test_the_report_is_split_by_language():
    report = build_report([record("greet", "greet", "fr"), record("greet", "thanks", "en")])
    assert report["languages"]["fr"]["accuracy"] == 1.0
    assert report["languages"]["en"]["accuracy"] == 0.0
    assert report["overall"]["messages"] == 2


def test_shortfalls_name_the_language_the_intent_and_the_entity_score():
    records = [
        record("greet", "greet", "fr"),
        record("diagnostic", "check_maintenance", "en"),
        record("repair", "repair", "en", expected_entities=[("quote_number", 0, 5)]),
    ]
    report = build_report(records)
    assert accuracy_shortfalls(report, 0.92) == ["accuracy en: 0.500 < 0.92 (2 messages)"]
    assert recall_shortfalls(report, 0.80) == ["recall diagnostic: 0.000 < 0.80 (support 1)"]
    assert entity_shortfalls(report, 0.95)[0].startswith("entity F1: 0.000 < 0.95")


def test_the_language_is_the_end_of_the_file_name():
    assert language_of("rasa_project/holdout/nlu_fr.yml") == "fr"
    assert language_of("/tmp/nlu_en.yaml") == "en"


def test_the_text_report_shows_every_section():
    records = [
        record("repair", "inform", expected_entities=[("quote_number", 0, 6)]),
        record("greet", "greet", "en"),
    ]
    text = format_report(build_report(records))
    for heading in ("Summary", "Intents", "Entities", "Confusions", "Misclassified"):
        assert heading in text
    assert "repair -> inform" in text
    assert "quote_number 'repair'" in text  # the span read out of the message text
