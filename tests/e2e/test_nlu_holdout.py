"""Understanding on the held-out set (rasa_project/holdout/, never trained on), with floors.

The trained model parses every held-out message through scripts/eval_nlu.py in the Rasa
environment; the floors below are checked on its JSON report, each failure listing every
language or intent that fell short.

These are regression floors, set a little under the latest figures (README, "Test it"):
training has a fixed seed, so a drop under them is a regression in the data or the pipeline.
Issue 11's targets are higher (92% accuracy in each language, every intent's recall 80%):
`make eval-nlu` checks the targets; raise the floors here as the figures climb.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from scripts.eval_nlu import HOLDOUT
from scripts.nlu_metrics import accuracy_shortfalls, entity_shortfalls, recall_shortfalls
from scripts.stack import MODEL_FILE, RASA_BIN, ROOT
from tests.e2e.conftest import require_model

pytestmark = pytest.mark.e2e

MIN_ACCURACY_PER_LANGUAGE = 0.91  # latest (1589 messages): en 0.914, fr 0.938 (target 0.92)
MIN_ENTITY_F1 = 0.95  # micro-averaged over every annotated entity, both languages (0.986)
MIN_RECALL_PER_INTENT = 0.80  # both languages together; latest weakest: ask_repair_status
# 0.800, visit_1000 0.812, maintenance_reminder_opt_in 0.833 (target 0.80)

RASA_PYTHON = RASA_BIN.parent / "python"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The evaluation's JSON report, from one run of the script for the whole module."""
    require_model()
    missing = [str(p.relative_to(ROOT)) for p in HOLDOUT if not p.is_file()]
    if missing:
        pytest.skip(f"skipped: no held-out set at {', '.join(missing)}")
    out: Path = tmp_path_factory.mktemp("nlu_eval") / "nlu_eval.json"
    command = [str(RASA_PYTHON), "scripts/eval_nlu.py", "--model", str(MODEL_FILE)]
    result = subprocess.run(
        [*command, "--json", str(out)],
        cwd=ROOT,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    print(result.stdout)  # the tables, shown by pytest when a test below fails
    return json.loads(out.read_text())


def shortfall_message(what: str, lines: list[str]) -> str:
    return f"{what} under the floor:\n  " + "\n  ".join(lines)


def test_every_held_out_message_is_parsed_in_both_languages(report):
    assert set(report["languages"]) == {"fr", "en"}
    assert all(group["messages"] > 0 for group in report["languages"].values())


def test_each_language_is_understood_at_the_accuracy_floor(report):
    missed = accuracy_shortfalls(report, MIN_ACCURACY_PER_LANGUAGE)
    assert not missed, shortfall_message("intent accuracy", missed)


def test_entities_are_extracted_at_the_f1_floor(report):
    missed = entity_shortfalls(report, MIN_ENTITY_F1)
    assert not missed, shortfall_message("entity extraction", missed)


def test_every_intent_is_recognised_at_the_recall_floor(report):
    missed = recall_shortfalls(report, MIN_RECALL_PER_INTENT)
    assert not missed, shortfall_message(f"{len(missed)} intents' recall", missed)
