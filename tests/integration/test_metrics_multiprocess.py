"""Several web workers (PROMETHEUS_MULTIPROC_DIR set): each process writes its values to the
directory, and one scrape, from any process, sums them (ops/metrics.py). Real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.integration.metrics_support import value

ROOT = Path(__file__).resolve().parents[2]
WORKER = """
from ops import metrics
metrics.message_received("web", "answered", 2)
metrics.rasa_round_trip(__import__("time").perf_counter() - 0.2)
metrics.CONNECTIONS_OPEN.labels("widget_socket").inc()
if {exits_cleanly}:
    metrics.process_exiting()  # what the web app's lifespan does at its end
"""
SCRAPE = "import sys; from ops import metrics; sys.stdout.write(metrics.exposition()[0].decode())"


def run(code: str, directory: Path) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_two_workers_write_and_one_scrape_sums_them(tmp_path: Path) -> None:
    run(WORKER.format(exits_cleanly=True), tmp_path)
    run(WORKER.format(exits_cleanly=False), tmp_path)
    text = run(SCRAPE, tmp_path)

    received = {"channel": "web", "outcome": "answered"}
    assert value(text, "pitlane_messages_received_total", **received) == 2
    assert value(text, "pitlane_messages_sent_total", channel="web", kind="reply") == 4
    assert value(text, "pitlane_rasa_requests_total", outcome="ok") == 2
    assert value(text, "pitlane_rasa_request_duration_seconds_count") == 2
    assert value(text, "pitlane_rasa_request_duration_seconds_bucket", le="0.25") == 2
    # a live-sum gauge: the worker that ended cleanly left the sum, the other still counts
    assert value(text, "pitlane_connections_open", kind="widget_socket") == 1


def test_without_the_directory_a_process_reports_only_its_own_values(tmp_path: Path) -> None:
    run(WORKER.format(exits_cleanly=False), tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    done = subprocess.run(
        [sys.executable, "-c", SCRAPE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    received = {"channel": "web", "outcome": "answered"}
    assert value(done.stdout, "pitlane_messages_received_total", **received) == 0
