"""The held-out evaluation as text tables (from the JSON report of scripts/nlu_metrics.py)."""

from __future__ import annotations

from typing import Any


def _row(name: str, cells: list[str], width: int = 26) -> str:
    return f"  {name:<{width}}" + "".join(f"{c:>10}" for c in cells)


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def summary_table(report: dict[str, Any]) -> list[str]:
    groups = {"all": report["overall"], **report["languages"]}
    lines = [_row("", list(groups))]
    lines.append(_row("messages", [str(g["messages"]) for g in groups.values()]))
    lines.append(_row("intent accuracy", [_figure(g["accuracy"]) for g in groups.values()]))
    for key in ("macro_f1", "weighted_f1"):
        cells = [_figure(g["intent_averages"][key]) for g in groups.values()]
        lines.append(_row(f"intent {key.replace('_', ' ')}", cells))
    cells = [_figure((g["entity_micro"] or {}).get("f1")) for g in groups.values()]
    lines.append(_row("entity F1 (micro)", cells))
    lines.append(
        _row("fell to nlu_fallback", [_figure(g["fallback"]["share"]) for g in groups.values()])
    )
    cells = [str(g["fallback"]["top_intent_right"]) for g in groups.values()]
    lines.append(_row("  of which top intent right", cells))
    return lines


def intent_table(report: dict[str, Any]) -> list[str]:
    languages = list(report["languages"])
    header = ["precision", "recall", "F1", "support", *(f"recall {lang}" for lang in languages)]
    lines = [_row("intent (both languages)", header)]
    for intent, s in report["overall"]["intents"].items():
        per_language = [report["languages"][lang]["intents"].get(intent) for lang in languages]
        cells = [_figure(s["precision"]), _figure(s["recall"]), _figure(s["f1"]), str(s["support"])]
        cells += [_figure(p["recall"]) if p else "-" for p in per_language]
        lines.append(_row(intent, cells))
    return lines


def entity_table(report: dict[str, Any]) -> list[str]:
    overall = report["overall"]
    if overall["entity_micro"] is None:
        return ["  (no entity annotated nor predicted)"]
    lines = [_row("entity", ["precision", "recall", "F1", "support"])]
    rows = {**overall["entities"], "micro average": overall["entity_micro"]}
    for label, s in rows.items():
        cells = [_figure(s["precision"]), _figure(s["recall"]), _figure(s["f1"]), str(s["support"])]
        lines.append(_row(label, cells))
    return lines


def confusion_lines(report: dict[str, Any], limit: int) -> list[str]:
    pairs = report["overall"]["confusions"]
    return _limited([f"  {n:>4}  {exp} -> {pred}" for exp, pred, n in pairs], limit)


def _limited(lines: list[str], limit: int) -> list[str]:
    if len(lines) > limit:
        return [*lines[:limit], f"  ... {len(lines) - limit} more in the JSON report"]
    return lines or ["  (none)"]


def miss_lines(report: dict[str, Any], limit: int) -> list[str]:
    lines = []
    for m in report["misclassified"]:
        note = f"{m['confidence']:.2f}"
        if m["predicted"] != m["top_non_fallback"]:
            note = f"top: {m['top_non_fallback']} {note}"
        pair = f"{m['expected']} -> {m['predicted']}"
        lines.append(f"  [{m['language']}] {pair} ({note}): {m['text']}")
    return _limited(lines, limit)


def _spans(text: str, spans: list[list[Any]]) -> str:
    return ", ".join(f"{label} '{text[start:end]}'" for label, start, end in spans) or "none"


def entity_error_lines(report: dict[str, Any], limit: int) -> list[str]:
    lines = []
    for e in report["entity_errors"]:
        expected, predicted = _spans(e["text"], e["expected"]), _spans(e["text"], e["predicted"])
        lines.append(f"  [{e['language']}] {e['text']}\n      expected {expected}; got {predicted}")
    return _limited(lines, limit)


def format_report(report: dict[str, Any], limit: int = 40) -> str:
    sections = [
        ("Summary", summary_table(report)),
        ("Intents", intent_table(report)),
        ("Entities (right when label, start and end are the annotated ones)", entity_table(report)),
        ("Confusions (expected -> predicted)", confusion_lines(report, limit)),
        ("Misclassified messages (expected -> predicted)", miss_lines(report, limit)),
        ("Entity errors (exact spans)", entity_error_lines(report, limit)),
    ]
    return "\n\n".join(f"{title}\n" + "\n".join(lines) for title, lines in sections)
