"""rasa_project/pitlane_tracker_store.py against Rasa 3.6's real SQL tracker store: an
empty replacement of a tracker (what `PUT .../tracker/events` with `[]` saves) leaves every
event in Rasa's own store, and deletes them all, in every session, in ours."""

from __future__ import annotations

import json
import subprocess

import pytest

from scripts.stack import RASA_PYTHON, ROOT

RUN = ROOT / "tests" / "integration" / "rasa_tracker_store_run.py"


def events_left(kind: str, tmp_path) -> dict[str, list[dict]]:
    if not RASA_PYTHON.exists():
        pytest.skip(f"skipped: no Rasa environment at {RASA_PYTHON.parent.parent}")
    done = subprocess.run(
        [str(RASA_PYTHON), str(RUN), kind, str(ROOT / "rasa_project"), str(tmp_path / "t.db")],
        capture_output=True,
        text=True,
        timeout=120,
        env={"RASA_TELEMETRY_ENABLED": "false", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_rasas_own_sql_store_keeps_everything_after_an_empty_replacement(tmp_path) -> None:
    left = events_left("plain", tmp_path)
    texts = [e.get("text") for e in left["web:camille"]]
    assert "je suis Camille Martin" in texts and "ma plaque AB-123-CD" in texts


def test_our_store_deletes_every_event_of_the_erased_sender_and_no_one_elses(tmp_path) -> None:
    left = events_left("erasable", tmp_path)
    assert "web:camille" not in left  # both sessions: texts, slots, everything
    assert [e.get("text") for e in left["web:someone-else"]] == ["bonjour"]
