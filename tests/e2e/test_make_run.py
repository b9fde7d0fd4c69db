"""`make run`'s process manager: brings the three processes up, prints the URLs, and stops
all three on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import httpx
import pytest

from scripts.stack import ROOT
from tests.e2e.conftest import free_port, require_model

pytestmark = pytest.mark.e2e


def test_run_starts_the_three_processes_and_ctrl_c_stops_them(tmp_path):
    require_model()
    ports = {
        name: free_port() for name in ("PITLANE_PORT", "PITLANE_RASA_PORT", "PITLANE_ACTIONS_PORT")
    }
    env = {
        **os.environ,
        **{name: str(port) for name, port in ports.items()},
        "PITLANE_DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "PITLANE_LOG_DIR": str(tmp_path / "log"),
        "PITLANE_RASA_TRACKER_DB": str(tmp_path / "rasa-trackers.db"),
    }
    subprocess.run([sys.executable, "-m", "core.manage", "init"], cwd=ROOT, env=env, check=True)
    runner = subprocess.Popen(
        [sys.executable, "scripts/run.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output = []
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            line = runner.stdout.readline()
            if not line:
                break
            output.append(line)
            if "Press Ctrl-C" in line:
                break
        text = "".join(output)
        assert "Press Ctrl-C" in text, text
        web = f"http://127.0.0.1:{ports['PITLANE_PORT']}"
        assert f"{web}/" in text
        assert httpx.get(f"{web}/healthz", timeout=10).status_code == 200
        # the REST webhook's credential this run made up is printed, and it opens the webhook
        token = re.search(r"REST webhook token \(this run\)\s+(\S+)", text)
        assert token, text
        said = httpx.post(
            f"{web}/webhooks/rest/webhook",
            json={"sender": "make-run", "message": "bonjour"},
            headers={"Authorization": f"Bearer {token.group(1)}"},
            timeout=60,
        )
        assert said.status_code == 200 and said.json(), said.text
        for name in ("rasa", "actions", "web"):
            assert (tmp_path / "log" / f"{name}.log").exists()
        # the metrics' bearer token this run made up opens /metrics of the app and the actions
        metrics_token = re.search(r"metrics bearer token\s+(\S+)", text)
        assert metrics_token, text
        bearer = {"Authorization": f"Bearer {metrics_token.group(1)}"}
        actions = f"http://127.0.0.1:{ports['PITLANE_ACTIONS_PORT']}"
        for base in (web, actions):
            assert f"{base}/metrics" in text
            assert httpx.get(f"{base}/metrics", timeout=10).status_code == 401
            scraped = httpx.get(f"{base}/metrics", headers=bearer, timeout=10)
            assert scraped.status_code == 200, scraped.text
        assert "pitlane_rasa_requests_total" in httpx.get(f"{web}/metrics", headers=bearer).text

        os.killpg(runner.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's process group
        rest = runner.communicate(timeout=60)[0]
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
    assert runner.returncode == 0, rest
    assert "Stopped." in rest
    for port in ports.values():
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
