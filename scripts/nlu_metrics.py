"""Scores of the NLU model on labelled messages: intents, entities, fallbacks, floors.

Standard library only, so that both the Rasa environment (scripts/eval_nlu.py) and Pitlane's
own (the tests) can import it. A prediction of `nlu_fallback` counts as a miss; the best
non-fallback intent is kept beside it to show what the model would have said.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FALLBACK_INTENT = "nlu_fallback"

Span = tuple[str, int, int]  # (entity label, start, end) in the message text


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    support: int  # annotated (expected) items


@dataclass
class Record:
    """One held-out message and what the model made of it."""

    text: str
    language: str
    expected: str
    predicted: str
    top_non_fallback: str | None = None  # the best intent other than nlu_fallback
    confidence: float = 0.0  # of top_non_fallback
    expected_entities: list[Span] = field(default_factory=list)
    predicted_entities: list[Span] = field(default_factory=list)

    @property
    def correct(self) -> bool:
        return self.predicted == self.expected


def language_of(path: str | Path) -> str:
    """`nlu_fr.yml` -> `fr`: the language is the last `_` part of the file name."""
    stem = Path(path).name.split(".")[0]
    return stem.rsplit("_", 1)[-1]


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def scores(tp: int, fp: int, fn: int) -> Scores:
    """Precision, recall and F1 from counts; 0/0 is 0."""
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, tp + fn)


def accuracy(records: list[Record]) -> float:
    return _ratio(sum(r.correct for r in records), len(records))


def intent_scores(records: list[Record]) -> dict[str, Scores]:
    """Per expected intent (support > 0); false positives come from any other intent."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for r in records:
        if r.correct:
            tp[r.expected] += 1
        else:
            fn[r.expected] += 1
            fp[r.predicted] += 1
    labels = sorted({r.expected for r in records})
    return {label: scores(tp[label], fp[label], fn[label]) for label in labels}


def averages(per_label: dict[str, Scores]) -> dict[str, float]:
    """Macro (every label alike) and weighted (by support) F1."""
    total = sum(s.support for s in per_label.values())
    weighted = sum(s.f1 * s.support for s in per_label.values())
    return {
        "macro_f1": sum(s.f1 for s in per_label.values()) / len(per_label) if per_label else 0.0,
        "weighted_f1": weighted / total if total else 0.0,
    }


def confusions(records: list[Record]) -> list[tuple[str, str, int]]:
    """(expected, predicted, count) of the misses, most frequent first."""
    pairs = Counter((r.expected, r.predicted) for r in records if not r.correct)
    return sorted(((e, p, n) for (e, p), n in pairs.items()), key=lambda x: (-x[2], x[0], x[1]))


def match_entities(expected: Iterable[Span], predicted: Iterable[Span]) -> tuple[int, int, int]:
    """(tp, fp, fn): a predicted span is right when label, start and end equal an annotated one.

    Each annotated span can be matched once, so a duplicated prediction is one false positive.
    """
    want, got = Counter(expected), Counter(predicted)
    tp = sum((want & got).values())
    return tp, sum(got.values()) - tp, sum(want.values()) - tp


def entity_scores(records: list[Record]) -> tuple[dict[str, Scores], Scores | None]:
    """Per-label scores and their micro average (None when nothing was annotated or found)."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for r in records:
        for label in {s[0] for s in r.expected_entities} | {s[0] for s in r.predicted_entities}:
            t, p, n = match_entities(
                [s for s in r.expected_entities if s[0] == label],
                [s for s in r.predicted_entities if s[0] == label],
            )
            tp[label], fp[label], fn[label] = tp[label] + t, fp[label] + p, fn[label] + n
    labels = sorted(set(tp) | set(fp) | set(fn))
    per_label = {label: scores(tp[label], fp[label], fn[label]) for label in labels}
    if not labels:
        return per_label, None
    return per_label, scores(sum(tp.values()), sum(fp.values()), sum(fn.values()))


def fallback_summary(records: list[Record]) -> dict[str, Any]:
    """How many messages fell to nlu_fallback, and how many of those the top intent had right."""
    fallen = [r for r in records if r.predicted == FALLBACK_INTENT]
    return {
        "count": len(fallen),
        "share": _ratio(len(fallen), len(records)),
        "top_intent_right": sum(r.top_non_fallback == r.expected for r in fallen),
    }


def _scores_json(per_label: dict[str, Scores]) -> dict[str, dict[str, float]]:
    return {label: vars(s) for label, s in per_label.items()}


def summarise(records: list[Record]) -> dict[str, Any]:
    """Every figure for one group of messages (a language, or all), ready for JSON."""
    per_intent = intent_scores(records)
    per_entity, micro = entity_scores(records)
    return {
        "messages": len(records),
        "accuracy": accuracy(records),
        "intents": _scores_json(per_intent),
        "intent_averages": averages(per_intent),
        "confusions": [list(c) for c in confusions(records)],
        "entities": _scores_json(per_entity),
        "entity_micro": vars(micro) if micro else None,
        "fallback": fallback_summary(records),
    }


def build_report(records: list[Record]) -> dict[str, Any]:
    languages = sorted({r.language for r in records})
    return {
        "overall": summarise(records),
        "languages": {
            lang: summarise([r for r in records if r.language == lang]) for lang in languages
        },
        "misclassified": [
            {
                "text": r.text,
                "language": r.language,
                "expected": r.expected,
                "predicted": r.predicted,
                "top_non_fallback": r.top_non_fallback,
                "confidence": round(r.confidence, 4),
            }
            for r in records
            if not r.correct
        ],
        "entity_errors": [
            {
                "text": r.text,
                "language": r.language,
                "expected": [list(s) for s in sorted(r.expected_entities)],
                "predicted": [list(s) for s in sorted(r.predicted_entities)],
            }
            for r in records
            if Counter(r.expected_entities) != Counter(r.predicted_entities)
        ],
    }


def accuracy_shortfalls(report: dict[str, Any], floor: float) -> list[str]:
    """Languages whose intent accuracy is under the floor."""
    return [
        f"accuracy {lang}: {group['accuracy']:.3f} < {floor:.2f} ({group['messages']} messages)"
        for lang, group in report["languages"].items()
        if group["accuracy"] < floor
    ]


def entity_shortfalls(report: dict[str, Any], floor: float) -> list[str]:
    """The micro-averaged entity F1 under the floor (nothing to say when no entity at all)."""
    micro = report["overall"]["entity_micro"]
    if micro is None or micro["f1"] >= floor:
        return []
    return [
        f"entity F1: {micro['f1']:.3f} < {floor:.2f} (precision {micro['precision']:.3f}, "
        f"recall {micro['recall']:.3f}, {micro['support']} annotated)"
    ]


def recall_shortfalls(report: dict[str, Any], floor: float) -> list[str]:
    """Intents (both languages together) whose recall is under the floor."""
    return [
        f"recall {intent}: {s['recall']:.3f} < {floor:.2f} (support {s['support']})"
        for intent, s in report["overall"]["intents"].items()
        if s["recall"] < floor
    ]
