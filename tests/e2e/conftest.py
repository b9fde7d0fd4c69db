"""The three real processes (Rasa server, action server, web app) for end-to-end tests.

One stack per test session, on spare ports, with its own migrated and seeded SQLite
database, so a running `make run` is left alone.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.stack import MODEL_FILE, RASA_BIN, ROOT, Stack, StackConfig
from tests.e2e.chat import REST_CLIENT, REST_TOKEN
from tests.e2e.otlp_collector import Collector, otlp_collector

API_TOKEN = "e2e-test-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require_model() -> None:
    if not RASA_BIN.exists():
        pytest.skip(f"skipped: no Rasa environment at {RASA_BIN.parent.parent} (run `make test`)")
    if not MODEL_FILE.exists():
        pytest.skip(f"skipped: no trained Rasa model at {MODEL_FILE} (run `make model`)")


@pytest.fixture(scope="session")
def trace_collector() -> Iterator[Collector]:
    """The fake OTLP collector the stack's web app and action server send their traces to
    (started before the stack: tests/e2e/test_traces_e2e.py reads it)."""
    with otlp_collector() as collector:
        yield collector


@pytest.fixture(scope="session")
def stack(tmp_path_factory, trace_collector: Collector) -> Stack:
    """Rasa, the action server and the web app, healthy, sharing a fresh seeded database."""
    require_model()
    workdir = tmp_path_factory.mktemp("stack")
    env = {
        "PITLANE_DATABASE_URL": f"sqlite:///{workdir / 'e2e.db'}",
        "PITLANE_API_TOKEN": API_TOKEN,
        "PITLANE_ENV": "development",
        "PITLANE_REST_WEBHOOK_TOKENS": f"{REST_CLIENT}:{REST_TOKEN}",
        # Rasa's trackers for this stack only; owed erasures retried every 2 s
        # (tests/e2e/test_erasure_e2e.py).
        "PITLANE_RASA_TRACKER_DB": str(workdir / "rasa-trackers.db"),
        "PITLANE_TRACKER_ERASURE_SECONDS": "2",
        # the whole suite talks from 127.0.0.1, often as one sender: never throttled here
        # (the limits' own tests: tests/integration/test_customer_limits_*.py)
        "PITLANE_LIMIT_MESSAGES_PER_SENDER": "100000",
        "PITLANE_LIMIT_MESSAGES_PER_IP": "1000000",
        "PITLANE_LIMIT_UPLOADS_PER_SENDER": "100000",
        "PITLANE_LIMIT_UPLOADS_PER_IP": "1000000",
        "PITLANE_LIMIT_SUBSCRIPTION_CHANGES_PER_SENDER": "100000",
        "PITLANE_LIMIT_SUBSCRIPTION_CHANGES_PER_IP": "1000000",
        "PITLANE_LIMIT_SESSIONS_PER_IP": "1000000",
        # Every e2e conversation comes from 127.0.0.1 and identifies the same demo vehicle:
        # the limits of one-time codes (core/otp_limits.py) are widened, not switched off.
        "PITLANE_OTP_LIMIT_SCALE": "100",
        # traces of every message (docs/operations.md, "Traces"), sent within 0.2 s
        "PITLANE_OTLP_ENDPOINT": trace_collector.url,
        "PITLANE_TRACE_EXPORT_DELAY_MS": "200",
    }
    subprocess.run(
        [sys.executable, "-m", "core.manage", "init"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
    )
    config = StackConfig(
        rasa_port=free_port(),
        actions_port=free_port(),
        web_port=free_port(),
        log_dir=workdir / "log",
        env=env,
    )
    running = Stack(config)
    running.start(announce=lambda line: print(line, file=sys.stderr))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def database_url(stack: Stack) -> str:
    return stack.config.env["PITLANE_DATABASE_URL"]


@pytest.fixture(scope="session")
def rasa_project() -> Path:
    return ROOT / "rasa_project"
