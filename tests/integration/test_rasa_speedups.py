"""What serve_rasa.py changes in Rasa to spend less CPU, checked on the trained model in
Rasa's own Python. pitlane_nlu/rule_cache.py: the
widened RulePolicy cache predicts exactly what Rasa's own cache predicts, and once warm it
parses no rule key again (Rasa's 1000-entry LRU, walked over our ~1,750 keys, misses every
time: bench/nlu_cost.py). The index of the rule keys finds, at every walk of a conversation
set, exactly the keys Rasa's own walk finds, from far fewer candidates.
pitlane_nlu/action_schema.py: the action server's answers, valid or not, are accepted or
refused as Rasa's own validation does, with the same message.
pitlane_nlu/endpoint_sessions.py: requests to an endpoint (the action server) share one
kept-alive connection instead of opening one each, with the same headers and answers."""

from __future__ import annotations

import json
import subprocess

import pytest

from scripts.stack import MODEL_FILE, RASA_PYTHON, ROOT

RUN = ROOT / "tests" / "integration" / "rasa_speedups_run.py"


@pytest.fixture(scope="module")
def outcome() -> dict:
    if not RASA_PYTHON.exists():
        pytest.skip(f"skipped: no Rasa environment at {RASA_PYTHON.parent.parent}")
    if not MODEL_FILE.exists():
        pytest.skip(f"skipped: no trained model at {MODEL_FILE} (make model)")
    done = subprocess.run(
        [str(RASA_PYTHON), str(RUN), str(ROOT / "rasa_project"), str(MODEL_FILE)],
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "LOG_LEVEL": "WARNING",
        },
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_widened_cache_predicts_what_rasas_own_cache_predicts(outcome: dict) -> None:
    assert outcome["widened"] is True
    assert len(outcome["before"]) == 22
    assert outcome["after"] == outcome["before"]
    assert outcome["again"] == outcome["before"]


def test_once_warm_no_rule_key_is_parsed_again(outcome: dict) -> None:
    assert outcome["maxsize"] is None
    assert outcome["misses_first_pass"] > 1000, "the model has more rule keys than Rasa caches"
    assert outcome["misses_second_pass"] == 0
    assert outcome["hits_second_pass"] > 0


def test_the_index_finds_what_rasas_walk_finds_from_fewer_keys(outcome: dict) -> None:
    assert outcome["indexed"] is True and outcome["indexed_again"] is True
    walks = outcome["walks"]
    assert walks["calls"] > 20 and walks["keys_found"] > 0
    assert walks["differ"] == 0
    assert walks["candidates_at_most"] < walks["table_size"] / 5
    assert outcome["with_index"] == outcome["before"]


def test_answers_of_the_action_server_are_judged_as_rasa_judges_them(outcome: dict) -> None:
    assert outcome["compiled"] is True and outcome["compiled_again"] is True
    judged = outcome["answers_compiled"]
    assert judged == outcome["answers_rasa"]
    assert judged[:4] == ["accepted"] * 4
    assert all(j.startswith("ValidationError: ") for j in judged[4:]), judged
    assert all("Failed to validate Action server response" in j for j in judged[4:])


def test_requests_to_an_endpoint_share_one_kept_connection(outcome: dict) -> None:
    assert outcome["reused"] is True and outcome["reused_again"] is True
    rasa, kept = outcome["connections_rasa"], outcome["connections_kept"]
    assert rasa["connections_first_loop"] == 5, "Rasa's own: one connection per request"
    assert kept["connections_first_loop"] == 1
    assert kept["requests"] == rasa["requests"] == 6
    assert kept["answers"] == rasa["answers"] == [{"n": n} for n in range(5)]
    assert kept["token_sent"] and rasa["token_sent"]
