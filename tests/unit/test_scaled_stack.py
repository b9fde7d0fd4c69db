"""The scaled run's processes and settings (scripts/stack.py), without starting anything."""

from __future__ import annotations

import re

import pytest

from scripts.stack import (
    ONE_THREAD,
    ROOT,
    SCALED_ENDPOINTS,
    Stack,
    StackConfig,
    StackError,
    scaled_config,
    scaled_environment,
    tracker_database_url,
)

DATABASE = "postgresql+psycopg://pit:s%40cret@db.example:5433/pitlane_scaled"
VARIABLE = re.compile(r"\$\{(\w+)\}")


def test_rasas_trackers_go_beside_the_core_database_and_its_locks_to_the_same_redis() -> None:
    env = scaled_environment(DATABASE, "redis://cache.example:6380/2")

    assert env["RASA_TRACKER_DB_HOST"] == "db.example"
    assert env["RASA_TRACKER_DB_PORT"] == "5433"
    assert env["RASA_TRACKER_DB_NAME"] == "pitlane_scaled_rasa"
    assert (env["RASA_TRACKER_DB_USER"], env["RASA_TRACKER_DB_PASSWORD"]) == ("pit", "s@cret")
    assert (env["RASA_LOCK_STORE_HOST"], env["RASA_LOCK_STORE_PORT"]) == ("cache.example", "6380")
    assert tracker_database_url(env) == (
        "postgresql+psycopg://pit:s%40cret@db.example:5433/pitlane_scaled_rasa"
    )


def test_a_tracker_url_of_its_own_wins() -> None:
    env = scaled_environment(DATABASE, "redis://127.0.0.1:6379/0", "postgresql://r@h:5432/rasa")
    assert (env["RASA_TRACKER_DB_HOST"], env["RASA_TRACKER_DB_NAME"]) == ("h", "rasa")


@pytest.mark.parametrize(
    ("database", "redis"),
    [("sqlite:///var/pitlane.db", "redis://127.0.0.1:6379/0"), (DATABASE, "http://x")],
)
def test_the_scaled_run_refuses_sqlite_and_a_redis_url_that_is_not_one(database, redis) -> None:
    with pytest.raises(StackError):
        scaled_environment(database, redis)


def test_the_scaled_run_starts_replicas_nginx_last_and_one_thread_per_rasa(tmp_path) -> None:
    env = scaled_environment(DATABASE, "redis://127.0.0.1:6379/0")
    config = scaled_config(env, log_dir=tmp_path / "log")
    stack = Stack(config)
    processes = {m.name: m for m in stack.definitions()}
    environment = stack.environment()

    assert list(processes) == ["actions", "rasa-1", "rasa-2", "web-1", "web-2", "nginx"]
    assert processes["web-2"].env["PITLANE_PORT"] == "8102"
    assert (
        processes["web-1"].env["PITLANE_UPLOAD_DIR"] != processes["web-2"].env["PITLANE_UPLOAD_DIR"]
    )
    assert processes["rasa-2"].env == {**ONE_THREAD, "PITLANE_LOG_PROCESS": "rasa-2"}
    assert processes["rasa-1"].command[processes["rasa-1"].command.index("--endpoints") + 1] == (
        str(SCALED_ENDPOINTS)
    )
    assert environment["PITLANE_RASA_URL"] == "http://127.0.0.1:5005"  # nginx, to the replicas
    assert environment["PITLANE_TRUSTED_PROXIES"] == "127.0.0.1"
    assert config.web_url == "http://127.0.0.1:8080"
    used = set(VARIABLE.findall(SCALED_ENDPOINTS.read_text()))
    assert used <= set(environment), used - set(environment)


def test_make_run_keeps_its_three_processes() -> None:
    processes = Stack(StackConfig()).definitions()

    assert [m.name for m in processes] == ["actions", "rasa", "web"]
    # no replica's settings: only each process's name in its log lines (and the web port)
    assert [m.env for m in processes] == [
        {},
        {"PITLANE_LOG_PROCESS": "rasa"},
        {"PITLANE_PORT": "8000", "PITLANE_LOG_PROCESS": "web"},
    ]
    assert str(ROOT / "rasa_project" / "endpoints.yml") in processes[1].command


def test_rasa_replicas_without_nginx_are_refused() -> None:
    with pytest.raises(StackError, match="together"):
        Stack(StackConfig(rasa_ports=(5006, 5007))).definitions()
