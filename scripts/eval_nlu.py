"""Evaluate the trained Rasa model on the held-out set: intents, entities, fallbacks, floors.

    .venv-rasa/bin/python scripts/eval_nlu.py [--model rasa_project/models/pitlane.tar.gz]
        [--holdout rasa_project/holdout/nlu_fr.yml ...] [--json var/nlu_eval.json]
        [--min-accuracy 0.92] [--min-entity-f1 0.95] [--min-recall 0.80]

Runs in the Rasa environment (rasa 3.6 cannot import Pitlane's code). The model is loaded
once and every held-out message goes through its NLU pipeline, as the server would parse it;
the held-out files are read with Rasa's own reader, so entity annotations mean what they mean
in training data. A file's language is the end of its name (`nlu_fr.yml` -> `fr`). The
figures come from scripts/nlu_metrics.py. Exit status: 1 when a floor is missed, 2 when an
input is missing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.nlu_metrics import (  # noqa: E402
    FALLBACK_INTENT,
    Record,
    Span,
    accuracy_shortfalls,
    build_report,
    entity_shortfalls,
    language_of,
    recall_shortfalls,
)
from scripts.nlu_report import format_report  # noqa: E402

PROJECT = ROOT / "rasa_project"
MODEL = PROJECT / "models" / "pitlane.tar.gz"
HOLDOUT = [PROJECT / "holdout" / f"nlu_{lang}.yml" for lang in ("fr", "en")]
JSON_REPORT = ROOT / "var" / "nlu_eval.json"


def prepare_rasa() -> None:
    """Make our NLU components importable and keep Rasa's start-up chatter quiet.

    The model names components of rasa_project/pitlane_nlu/, which `rasa` itself imports
    from its working directory. Warnings other than deprecations stay.
    """
    if str(PROJECT) not in sys.path:
        sys.path.insert(0, str(PROJECT))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    logging.basicConfig(level=logging.ERROR)
    # Rasa's imports reset the warning filters, so deprecations are dropped when shown.
    show = warnings.showwarning

    def show_unless_deprecation(
        message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any
    ) -> None:
        if not issubclass(category, DeprecationWarning | PendingDeprecationWarning):
            show(message, category, *args, **kwargs)

    warnings.showwarning = show_unless_deprecation
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.ERROR)  # the processor logs every parse at debug level


def load_examples(path: Path) -> list[tuple[str, str, list[Span]]]:
    """(text, intent, annotated spans) of every example in a Rasa NLU YAML file."""
    from rasa.shared.nlu.training_data.loading import load_data

    examples = []
    for message in load_data(str(path)).intent_examples:
        spans = [(e["entity"], e["start"], e["end"]) for e in message.get("entities") or []]
        examples.append((message.get("text"), message.get("intent"), spans))
    return examples


def to_record(text: str, language: str, expected: str, spans: list[Span], parsed: dict) -> Record:
    intent = parsed.get("intent") or {}
    predicted = intent.get("name") or ""
    if "/" in expected:  # a retrieval intent is compared by its full name
        predicted = intent.get("full_retrieval_intent_name") or predicted
    ranking = [i for i in parsed.get("intent_ranking") or [] if i["name"] != FALLBACK_INTENT]
    top = ranking[0] if ranking else {}
    return Record(
        text=text,
        language=language,
        expected=expected,
        predicted=predicted,
        top_non_fallback=top.get("name"),
        confidence=float(top.get("confidence") or 0.0),
        expected_entities=spans,
        predicted_entities=[(e["entity"], e["start"], e["end"]) for e in parsed["entities"]],
    )


async def parse_all(model: Path, holdout: list[Path]) -> tuple[list[Record], dict[str, float]]:
    from rasa.core.agent import Agent

    started = time.perf_counter()
    agent = Agent.load(model_path=str(model))
    loaded = time.perf_counter()
    records = []
    for path in holdout:
        language = language_of(path)
        for text, expected, spans in load_examples(path):
            parsed = await agent.parse_message(text)
            records.append(to_record(text, language, expected, spans, parsed))
    timings = {"load_seconds": loaded - started, "parse_seconds": time.perf_counter() - loaded}
    return records, timings


def shortfalls(report: dict[str, Any], args: argparse.Namespace) -> list[str]:
    missed = []
    if args.min_accuracy is not None:
        missed += accuracy_shortfalls(report, args.min_accuracy)
    if args.min_entity_f1 is not None:
        missed += entity_shortfalls(report, args.min_entity_f1)
    if args.min_recall is not None:
        missed += recall_shortfalls(report, args.min_recall)
    return missed


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--holdout", type=Path, nargs="+", default=HOLDOUT, metavar="FILE")
    parser.add_argument("--json", type=Path, default=JSON_REPORT, help="where to write the report")
    parser.add_argument("--show", type=int, default=40, help="lines of each list printed")
    parser.add_argument("--min-accuracy", type=float, help="floor of each language's accuracy")
    parser.add_argument("--min-entity-f1", type=float, help="floor of the micro entity F1")
    parser.add_argument("--min-recall", type=float, help="floor of every intent's recall")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    missing = [p for p in [args.model, *args.holdout] if not p.is_file()]
    if missing:
        print("error: not found: " + ", ".join(map(str, missing)), file=sys.stderr)
        return 2
    prepare_rasa()
    records, timings = asyncio.run(parse_all(args.model, args.holdout))
    report = build_report(records)
    report["model"] = str(args.model)
    report["holdout"] = {str(p): language_of(p) for p in args.holdout}
    report["timings"] = timings
    missed = shortfalls(report, args)
    report["floors"] = {
        "min_accuracy": args.min_accuracy,
        "min_entity_f1": args.min_entity_f1,
        "min_recall": args.min_recall,
        "missed": missed,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")

    print(f"Held-out evaluation of {args.model}")
    print(
        f"model loaded in {timings['load_seconds']:.1f} s, {len(records)} messages parsed in "
        f"{timings['parse_seconds']:.1f} s; JSON report: {args.json}\n"
    )
    print(format_report(report, args.show))
    if missed:
        print("\nFLOORS MISSED:\n" + "\n".join(f"  {line}" for line in missed))
        return 1
    if any(v is not None for v in (args.min_accuracy, args.min_entity_f1, args.min_recall)):
        print("\nAll floors met.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
