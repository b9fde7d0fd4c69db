"""scripts/stack.py waits for each process's readiness, not an open port: `wait_ready` asks
until a 200 (a 503 means "not yet"), and Rasa's probe carries the token without printing
it. Against stand-in servers on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from scripts.stack import Managed, Stack, StackConfig, wait_ready
from tests.integration.probe_support import probe_server, rasa_answer
from tests.integration.web_support import closed_port


def test_it_waits_through_503s_until_the_process_is_ready() -> None:
    answers = iter([503, 503, 200])

    def answer(path: str) -> tuple[int, Any]:
        return next(answers, 200), {"ready": True}

    with probe_server(answer) as (url, asked):
        found = wait_ready(f"{url}/readyz", timeout=10, pause=0.05)

    assert found == "ready"
    assert asked == ["/readyz"] * 3


def test_it_gives_up_on_a_process_that_never_gets_ready_or_died() -> None:
    with probe_server(lambda path: (503, {"ready": False})) as (url, _):
        assert wait_ready(url, timeout=0.3, pause=0.05) == "timeout"
    assert wait_ready(f"http://127.0.0.1:{closed_port()}", 5, lambda: False) == "exited"


def test_processes_are_probed_on_their_readiness_routes(tmp_path) -> None:
    config = StackConfig(rasa_port=5105, actions_port=5155, web_port=8100, log_dir=tmp_path)
    probes = {m.name: m for m in Stack(config).definitions()}

    assert probes["web"].health_url.endswith(":8100/readyz")
    assert probes["actions"].health_url.endswith(":5155/readyz")
    assert probes["rasa"].health_url.endswith(":5105/status")  # a loaded model
    assert probes["rasa"].token_variable == "PITLANE_RASA_TOKEN"


def test_rasas_probe_sends_the_token_and_the_announcement_does_not_show_it(tmp_path) -> None:
    token = "stack-rasa-secret-0123456789"
    stack = Stack(StackConfig(log_dir=tmp_path, env={"PITLANE_RASA_TOKEN": token}))
    said: list[str] = []
    with probe_server(rasa_answer(token)) as (url, asked):
        process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        managed = Managed("rasa", [], tmp_path, f"{url}/status", 5, process=process)
        managed.token_variable = "PITLANE_RASA_TOKEN"
        try:
            stack._wait_healthy(managed, said.append)
        finally:
            process.kill()
            process.wait()

    assert asked == [f"/status?token={token}"]
    assert said and token not in " ".join(said)
