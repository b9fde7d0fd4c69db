"""The dialogue model itself, through Rasa's own tooling: data validation, the rules'
consistency and test stories."""

from __future__ import annotations

import os
import subprocess

import pytest
import yaml

from scripts.stack import MODEL_FILE, RASA_BIN, ROOT
from tests.e2e.conftest import require_model

pytestmark = pytest.mark.e2e
PROJECT = ROOT / "rasa_project"
RASA_ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}


def run_rasa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(RASA_BIN), *args],
        cwd=PROJECT,
        env=RASA_ENV,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_training_data_validates_with_warnings_as_errors():
    require_model()
    result = run_rasa("data", "validate", "--domain", "domain", "--fail-on-warnings")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_every_test_story_is_predicted_without_error(tmp_path):
    require_model()
    result = run_rasa(
        "test",
        "core",
        "--model",
        str(MODEL_FILE),
        "--stories",
        "tests",
        "--fail-on-prediction-errors",
        "--out",
        str(tmp_path),
    )
    output = result.stdout[-4000:] + result.stderr[-4000:]
    assert result.returncode == 0, output
    failed = tmp_path / "failed_test_stories.yml"
    assert not failed.exists() or "None of the test stories failed" in failed.read_text()


def test_no_rule_contradicts_another_and_none_is_incomplete(tmp_path):
    """config.yml trains the RulePolicy without its consistency analysis (about a minute of
    the training budget); the same data trained with it must raise nothing: no two rules
    predicting different actions for the same state, no rule leaving out a slot its
    action sets elsewhere."""
    require_model()
    config = yaml.safe_load((PROJECT / "config.yml").read_text())
    rules = next(policy for policy in config["policies"] if policy["name"] == "RulePolicy")
    assert rules.get("check_for_contradictions") is False, "the analysis runs in training"
    rules["check_for_contradictions"] = True
    checked = tmp_path / "config.yml"
    checked.write_text(yaml.safe_dump(config))
    result = subprocess.run(
        [str(RASA_BIN), "train", "core", "-c", str(checked), "--domain", "domain"]
        + ["--stories", "data", "--out", str(tmp_path), "--fixed-model-name", "checked"],
        cwd=PROJECT,
        env={**RASA_ENV, "RASA_CACHE_DIRECTORY": str(tmp_path / "cache")},
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = result.stdout[-4000:] + result.stderr[-4000:]
    assert result.returncode == 0, output
    assert (tmp_path / "checked.tar.gz").exists(), output
