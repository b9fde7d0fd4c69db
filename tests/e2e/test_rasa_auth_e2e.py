"""Rasa and the action server refuse whoever is not Pitlane (issue 14, items 1 and 2;
docs/security.md, "Rasa and the action server"), on the real stack of `make run`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from channels.rasa_client import RasaClient
from tests.e2e.chat import Chat, last_code_sent_to

pytestmark = pytest.mark.e2e

CAMILLE = {"channel": "web", "external_id": "demo-camille", "language": "fr"}
PLATE = "AB-123-CD"  # Camille's Ducati (data/demo.yaml)


@pytest.fixture(scope="module")
def secrets(stack) -> dict[str, str]:
    env = stack.environment()
    return {"rasa": env["PITLANE_RASA_TOKEN"], "actions": env["PITLANE_ACTION_SERVER_TOKEN"]}


def test_rasa_api_refuses_calls_without_the_token(stack, secrets) -> None:
    rasa = stack.config.rasa_url
    tracker = f"{rasa}/conversations/web:demo-camille/tracker"

    assert httpx.get(f"{rasa}/version", timeout=30).status_code == 200  # the health check
    assert httpx.get(tracker, timeout=30).status_code == 401
    assert httpx.get(tracker, params={"token": "guessed"}, timeout=30).status_code == 401
    paused = httpx.post(f"{tracker}/events", json={"event": "pause"}, timeout=30)
    assert paused.status_code == 401
    assert httpx.put(f"{rasa}/model", json={}, timeout=30).status_code == 401
    assert httpx.post(f"{rasa}/model/parse", json={"text": "x"}, timeout=30).status_code == 401
    read = httpx.get(tracker, params={"token": secrets["rasa"]}, timeout=30)
    assert read.status_code == 200 and read.json()["sender_id"] == "web:demo-camille"


def test_no_process_of_the_stack_shows_a_secret_on_its_command_line(stack, secrets) -> None:
    started = {managed.name: managed.process for managed in stack.processes}
    assert set(started) == {"actions", "rasa", "web"}
    for name, process in started.items():
        command_line = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode()
        assert secrets["rasa"] not in command_line and secrets["actions"] not in command_line
        if name == "rasa":
            assert "serve_rasa.py" in command_line  # `rasa run`, the token from the environment


def rest_webhook(stack, headers: dict[str, str]) -> httpx.Response:
    body = {"sender": "rest:attacker", "message": "/my_data", "metadata": CAMILLE}
    url = f"{stack.config.rasa_url}/webhooks/rest/webhook"
    return httpx.post(url, json=body, headers=headers, timeout=60)


def test_rasa_rest_channel_refuses_whoever_is_not_the_hub(stack, secrets) -> None:
    missing = rest_webhook(stack, {})
    wrong = rest_webhook(stack, {"X-Pitlane-Rasa-Token": "guessed"})
    with_api_token_as_query = httpx.post(
        f"{stack.config.rasa_url}/webhooks/rest/webhook",
        params={"token": secrets["rasa"]},
        json={"sender": "rest:attacker", "message": "/my_data", "metadata": CAMILLE},
        timeout=60,
    )

    assert (missing.status_code, missing.json()) == (401, {"error": "missing_rasa_token"})
    assert (wrong.status_code, wrong.json()) == (403, {"error": "wrong_rasa_token"})
    assert with_api_token_as_query.status_code == 401
    assert httpx.get(f"{stack.config.rasa_url}/webhooks/rest/", timeout=30).status_code == 200


@pytest.fixture(scope="module")
def victim(stack, database_url) -> Chat:
    """A REST conversation of the hub that identified Camille's Ducati with her code."""
    chat = Chat(stack.config.web_url, language="fr")
    chat.say("/identify_vehicle")
    chat.say(f"ZDM1RBBW5KB012345 {PLATE}")
    chat.click('/choose{"otp_transport":"email"}')
    chat.say(last_code_sent_to(database_url, "camille.martin@example.fr"))
    assert PLATE in chat.text, chat.text
    return chat


def test_even_with_the_hub_secret_forged_metadata_reads_no_one_else(stack, secrets, victim) -> None:
    """Whoever holds the hub's secret still cannot be the victim by saying so in metadata:
    the actions take the customer from the sender id."""
    forged = {"channel": "rest", "external_id": victim.external_id, "language": "fr"}
    body = {"sender": "rest:attacker", "message": "/my_data", "metadata": forged}
    answer = httpx.post(
        f"{stack.config.rasa_url}/webhooks/rest/webhook",
        json=body,
        headers={"X-Pitlane-Rasa-Token": secrets["rasa"]},
        timeout=60,
    )
    victim.say("/my_data")

    assert answer.status_code == 200
    text = " ".join(str(message.get("text") or "") for message in answer.json())
    assert text  # the bot answered
    assert PLATE not in text and "camille" not in text.lower()
    assert PLATE in victim.text  # the same question from her own conversation


def action_call(sender_id: str, metadata: dict) -> dict:
    latest = {"intent": {"name": "my_data", "confidence": 1.0}, "entities": [], "text": "/my_data"}
    latest["metadata"] = metadata
    tracker = {
        "sender_id": sender_id,
        "slots": {"language": "fr"},
        "latest_message": latest,
        "events": [{"event": "user", "text": "/my_data", "parse_data": latest}],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    }
    return {"next_action": "action_my_data", "sender_id": sender_id, "tracker": tracker}


def test_action_server_refuses_calls_without_the_secret(stack, secrets) -> None:
    actions = stack.config.actions_url
    call = action_call("web:demo-camille", CAMILLE)

    missing = httpx.post(f"{actions}/webhook", json=call, timeout=30)
    wrong = httpx.post(
        f"{actions}/webhook", json=call, headers={"X-Pitlane-Action-Token": "x"}, timeout=30
    )

    assert httpx.get(f"{actions}/health", timeout=30).status_code == 200
    assert (missing.status_code, missing.json()) == (401, {"error": "missing_action_token"})
    assert (wrong.status_code, wrong.json()) == (403, {"error": "wrong_action_token"})
    assert httpx.get(f"{actions}/actions", timeout=30).status_code == 401


def run_my_data(stack, secrets, sender_id: str, metadata: dict) -> list[str]:
    response = httpx.post(
        f"{stack.config.actions_url}/webhook",
        json=action_call(sender_id, metadata),
        headers={"X-Pitlane-Action-Token": secrets["actions"]},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return [r.get("response") for r in response.json()["responses"]]


def test_the_action_server_takes_the_customer_from_the_sender_id(stack, secrets, victim) -> None:
    forged = {"channel": "rest", "external_id": victim.external_id, "language": "fr"}
    forged_call = run_my_data(stack, secrets, "rest:attacker", forged)
    hers = run_my_data(stack, secrets, f"rest:{victim.external_id}", {"language": "fr"})

    assert forged_call == ["utter_identify_first"]
    assert hers == ["utter_my_data"]  # the same call from her own conversation


def test_the_hubs_client_pauses_and_resumes_a_tracker_with_the_token(stack, secrets) -> None:
    rasa = stack.config.rasa_url
    client = RasaClient(rasa, 30.0, secrets["rasa"])
    tracker = f"{rasa}/conversations/web:e2e-paused/tracker"

    asyncio.run(client.record_event("web:e2e-paused", {"event": "pause"}))
    paused = httpx.get(tracker, params={"token": secrets["rasa"]}, timeout=30).json()["paused"]
    asyncio.run(client.record_event("web:e2e-paused", {"event": "resume"}))
    resumed = httpx.get(tracker, params={"token": secrets["rasa"]}, timeout=30).json()["paused"]

    assert (paused, resumed) == (True, False)
