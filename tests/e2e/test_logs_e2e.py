"""The stack's logs after real customer turns (an e-mail address, a French phone number, a
plate, a one-time code): every line the web app, the action server and Rasa wrote meanwhile
is a JSON object, and none holds what the customer sent, their e-mail or phone, the code or
one of the stack's secrets (docs/operations.md, "Logs")."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from scripts.stack import SECRETS, Stack
from tests.e2e.chat import REST_TOKEN, Chat, last_code_sent_to
from tests.e2e.conftest import API_TOKEN

EMAIL, PHONE, PLATE = "lea.dubois@example.org", "06 98 76 54 32", "GH-456-JK"
SENT = (
    f"Bonjour, mon adresse est {EMAIL}",
    f"vous pouvez m'appeler au {PHONE}",
    f"ma moto immatriculée {PLATE} fait un bruit bizarre",
)
PROCESSES = ("web", "actions", "rasa")


def offsets(stack: Stack) -> dict[str, int]:
    return {name: _size(stack.log_file(name)) for name in PROCESSES}


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def lines_since(stack: Stack, start: dict[str, int]) -> dict[str, list[str]]:
    written = {}
    for name in PROCESSES:
        with stack.log_file(name).open("rb") as log:
            log.seek(start[name])
            written[name] = log.read().decode("utf-8", errors="replace").splitlines()
    return written


def _json_lines(path: Path) -> list[str]:
    """The lines of a whole log that are JSON objects (native libraries print some text at
    start-up, before any Python logging: TensorFlow's CUDA probe)."""
    return [line for line in path.read_text(errors="replace").splitlines() if line[:1] == "{"]


def test_the_logs_of_customer_turns_are_json_without_personal_data_or_secrets(
    stack: Stack, database_url: str
) -> None:
    start = offsets(stack)
    chat = Chat(stack.config.web_url, language="fr")
    for text in SENT:
        chat.say(text)
    # a one-time code (another conversation): the demo vehicle identified, the code typed
    identified = Chat(stack.config.web_url, language="fr")
    identified.say("/identify_vehicle")
    identified.say("ZDM1RBBW5KB012345 ab 123 cd")
    identified.click('/choose{"otp_transport":"email"}')
    code = last_code_sent_to(database_url, "camille.martin@example.fr")
    identified.say(code)
    assert "identifi" in identified.text.lower(), identified.text
    traced = httpx.get(
        f"{stack.config.web_url}/healthz?token={REST_TOKEN}",
        headers={"X-Request-ID": "e2e-logs-0001"},
        timeout=10,
    )
    assert traced.headers["x-request-id"] == "e2e-logs-0001"
    time.sleep(1)  # the last lines reach the files

    written = lines_since(stack, start)

    assert written["web"] and written["actions"]  # Rasa may have nothing to say at INFO
    entries = {}
    for name, lines in written.items():
        for line in lines:
            try:
                entries.setdefault(name, []).append(json.loads(line))
            except ValueError:
                pytest.fail(f"{name}.log: not a JSON line: {line[:200]!r}")
    # Rasa's configuration applies: its own lines since it started are JSON objects
    started = [json.loads(line) for line in _json_lines(stack.log_file("rasa"))]
    assert any(e["message"] == "Rasa server is up and running." for e in started)
    assert {e["process"] for e in started + entries.get("rasa", [])} == {"rasa"}
    web = entries["web"]
    turns = [e for e in web if e.get("http", {}).get("path") == "/webhooks/rest/webhook"]
    assert len(turns) >= len(SENT) + 3  # one access line per message
    assert all(isinstance(e.get("conversation_id"), int) and e.get("request_id") for e in turns)
    assert len({e["conversation_id"] for e in turns}) == 2  # two conversations, their own ids
    assert len({e["request_id"] for e in turns}) == len(turns)
    assert any(e.get("request_id") == "e2e-logs-0001" and "http" in e for e in web)
    environment = stack.environment()
    secrets = [environment[name] for name in SECRETS] + [REST_TOKEN, API_TOKEN]
    secrets += [value.split(":", 1)[1] for value in secrets if ":" in value]
    forbidden = [*SENT, EMAIL, PHONE, PHONE.replace(" ", ""), PLATE, code, "camille.martin"]
    text = "\n".join(line for lines in written.values() for line in lines)
    for value in forbidden + secrets:
        assert value not in text, f"found in the logs: {value[:12]}..."
