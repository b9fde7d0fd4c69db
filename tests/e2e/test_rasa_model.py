"""The dialogue model itself, through Rasa's own tooling: data validation and test stories."""

from __future__ import annotations

import os
import subprocess

import pytest

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
