"""Rasa and the action server reachable only by Pitlane (docs/security.md): the customer comes
from the Rasa sender id, never from metadata; the action server's token guard; the hub's Rasa
client sends its secret (and the id of the request it serves); the stack gives every process
the same secrets."""

from __future__ import annotations

import asyncio
import importlib.util
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import pytest
from rasa_sdk import Tracker

from actions.base import channel_identity, sender_identity
from actions.serve import TOKEN_HEADER, refusal, token_guard
from channels.rasa_client import TOKEN_HEADER as RASA_TOKEN_HEADER
from channels.rasa_client import RasaClient
from ops.logs import log_context
from scripts.stack import ROOT, SECRETS, Stack, StackConfig
from tests.http_stub import StubHandler, serving


@pytest.mark.parametrize(
    ("sender_id", "expected"),
    [
        ("web:3f2a-visitor", ("web", "3f2a-visitor")),
        ("telegram:100200301", ("telegram", "100200301")),
        ("whatsapp:+33612345678", ("whatsapp", "+33612345678")),
        ("rest:web:demo-camille", ("rest", "web:demo-camille")),  # first colon only
        ("no-channel", ("rest", "no-channel")),
        (":nothing-before", ("rest", ":nothing-before")),
        ("web:", ("rest", "web:")),
    ],
)
def test_the_sender_id_names_the_channel_and_the_customer(sender_id, expected) -> None:
    assert sender_identity(sender_id) == expected


def tracker(sender_id: str, metadata: dict) -> Tracker:
    latest = {"intent": {"name": "my_data"}, "entities": [], "text": "x", "metadata": metadata}
    return Tracker(sender_id, {}, latest, [], False, None, {}, "action_listen")


def test_forged_metadata_does_not_change_who_is_talking() -> None:
    forged = {"channel": "web", "external_id": "demo-camille", "language": "en"}

    who = channel_identity(tracker("rest:attacker", forged))

    assert (who.channel, who.external_id) == ("rest", "attacker")
    assert who.language == "en"  # a hint only


def test_an_unknown_language_hint_is_dropped() -> None:
    assert channel_identity(tracker("web:v1", {"language": "xx"})).language is None


@pytest.mark.parametrize(
    ("path", "given", "expected"),
    [
        ("/health", None, None),
        ("/healthz", None, None),
        ("/readyz", None, None),
        ("/webhook", None, (401, "missing_action_token")),
        ("/webhook", "", (401, "missing_action_token")),
        ("/webhook", "wrong-secret", (403, "wrong_action_token")),
        ("/actions", None, (401, "missing_action_token")),
        ("/webhook", "s3cret-token", None),
    ],
)
def test_the_action_server_needs_the_token_except_for_health(path, given, expected) -> None:
    assert refusal(path, given, "s3cret-token") == expected


@dataclass
class FakeRequest:
    path: str
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=dict)


def test_the_guard_answers_json_refusals_and_lets_the_right_token_through() -> None:
    guard = token_guard("s3cret-token")

    missing = asyncio.run(guard(FakeRequest("/webhook")))
    wrong = asyncio.run(guard(FakeRequest("/webhook", headers={TOKEN_HEADER: "nope"})))
    right = asyncio.run(guard(FakeRequest("/webhook", headers={TOKEN_HEADER: "s3cret-token"})))
    health = asyncio.run(guard(FakeRequest("/health", "GET")))

    assert (missing.status, missing.body) == (401, b'{"error":"missing_action_token"}')
    assert (wrong.status, wrong.body) == (403, b'{"error":"wrong_action_token"}')
    assert missing.content_type == "application/json"
    assert right is None and health is None


@dataclass
class Seen:
    """A request the fake Rasa received: its path, query and headers."""

    path: str
    params: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)


def talk_to_a_fake_rasa(token: str | None, talk) -> list[Seen]:
    """Run `talk(client)` with a RasaClient(token) on a local fake Rasa; its requests."""
    seen: list[Seen] = []

    class Rasa(StubHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            self.rfile.read(int(self.headers.get("content-length", "0")))
            where = urlsplit(self.path)
            seen.append(Seen(where.path, dict(parse_qsl(where.query)), dict(self.headers)))
            self.answer_json(200, [])

    async def run(url: str) -> None:
        client = RasaClient(url, 2.0, token)
        await client.start()
        try:
            await talk(client)
        finally:
            await client.aclose()

    with serving(Rasa) as url:
        asyncio.run(run(url))
    return seen


def test_the_hub_sends_its_rasa_token_to_the_channel_and_the_api() -> None:
    async def talk(client: RasaClient) -> None:
        await client.send("web:v1", "bonjour", {"language": "fr"})
        await client.record_event("web:v1", {"event": "pause"})

    webhook, events = talk_to_a_fake_rasa("hub-secret", talk)

    assert webhook.path == "/webhooks/rest/webhook"
    assert webhook.headers[RASA_TOKEN_HEADER] == "hub-secret"
    assert "token" not in webhook.params  # the channel reads the header only
    assert events.path == "/conversations/web:v1/tracker/events"
    assert events.params["token"] == "hub-secret"  # Rasa's --auth-token: query string


def test_without_a_token_the_hub_sends_none() -> None:
    async def talk(client: RasaClient) -> None:
        await client.record_event("web:v1", {"event": "resume"})

    [events] = talk_to_a_fake_rasa(None, talk)

    assert RASA_TOKEN_HEADER not in events.headers and "token" not in events.params


def test_the_hub_names_the_request_it_serves_in_its_calls_to_rasa() -> None:
    async def talk(client: RasaClient) -> None:
        with log_context(request=True, request_id="req-0123456789"):
            await client.send("web:v1", "bonjour", {})
        await client.send("web:v1", "encore", {})  # no request served: no id

    served, unserved = talk_to_a_fake_rasa("hub-secret", talk)

    assert served.headers["X-Request-ID"] == "req-0123456789"  # nginx logs it (deploy/nginx)
    assert "X-Request-ID" not in unserved.headers


def test_the_stack_generates_the_secrets_once_and_gives_them_to_every_process(
    monkeypatch,
) -> None:
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    stack = Stack(StackConfig())

    env = stack.environment()
    rasa = next(m for m in stack.definitions() if m.name == "rasa")
    actions = next(m for m in stack.definitions() if m.name == "actions")

    assert all(len(env[name]) >= 32 for name in SECRETS)
    assert env == stack.environment()  # the same values for all three processes
    assert env["PITLANE_RASA_TOKEN"] != env["PITLANE_ACTION_SERVER_TOKEN"]
    assert rasa.command[1] == "serve_rasa.py"  # `rasa run --enable-api`, token from the env
    assert not any(env["PITLANE_RASA_TOKEN"] in part for part in rasa.command)
    assert rasa.health_url.endswith("/status")  # a loaded model; the token is not in it
    assert rasa.token_variable == "PITLANE_RASA_TOKEN"
    assert actions.command[1:3] == ["-m", "actions.serve"]
    assert actions.command[actions.command.index("--host") + 1] == "127.0.0.1"
    assert Stack(StackConfig()).environment()["PITLANE_RASA_TOKEN"] != env["PITLANE_RASA_TOKEN"]


def test_the_stack_keeps_configured_secrets(monkeypatch) -> None:
    monkeypatch.setenv("PITLANE_RASA_TOKEN", "-configured-rasa-token-0123456789")
    stack = Stack(StackConfig(env={"PITLANE_ACTION_SERVER_TOKEN": "given-action-token-0123456789"}))

    env = stack.environment()

    assert env["PITLANE_RASA_TOKEN"] == "-configured-rasa-token-0123456789"
    rasa = next(m for m in stack.definitions() if m.name == "rasa")
    assert not any("configured-rasa-token" in part for part in rasa.command)
    assert env["PITLANE_ACTION_SERVER_TOKEN"] == "given-action-token-0123456789"


def test_production_refuses_to_start_without_the_rasa_token() -> None:
    from pydantic import ValidationError

    from webapp.settings import WebSettings

    token = "a-real-random-api-token-0123456789"
    with pytest.raises(ValidationError, match="PITLANE_RASA_TOKEN"):
        WebSettings(_env_file=None, env="production", api_token=token, rasa_token=" ")
    configured = WebSettings(
        _env_file=None,
        env="production",
        api_token=token,
        rasa_token="r" * 32,
        document_link_secret="d" * 32,
    )
    assert configured.rasa_token.get_secret_value() == "r" * 32


def launcher():
    spec = importlib.util.spec_from_file_location(
        "serve_rasa", ROOT / "rasa_project" / "serve_rasa.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # imports rasa only when it runs
    return module


def test_the_rasa_launcher_takes_the_token_from_the_environment_only() -> None:
    serve_rasa = launcher()

    argv = serve_rasa.rasa_arguments(["--port", "5005"], {"PITLANE_RASA_TOKEN": "-tok-0123"})

    assert argv == ["rasa", "run", "--enable-api", "--auth-token=-tok-0123", "--port", "5005"]
    with pytest.raises(SystemExit, match="PITLANE_RASA_TOKEN is not set"):
        serve_rasa.rasa_arguments(["--port", "5005"], {"PITLANE_RASA_TOKEN": "  "})
    with pytest.raises(SystemExit, match="not on the command line"):
        serve_rasa.rasa_arguments(["--auth-token=x"], {"PITLANE_RASA_TOKEN": "tok"})


def test_two_stacks_never_share_rasa_trackers(monkeypatch, tmp_path) -> None:
    """A test stack talking as telegram:777001 must not continue make run's conversation."""
    monkeypatch.delenv("PITLANE_RASA_TRACKER_DB", raising=False)
    first = Stack(StackConfig(log_dir=tmp_path / "one" / "log")).environment()
    second = Stack(StackConfig(log_dir=tmp_path / "two" / "log")).environment()
    given = Stack(StackConfig(env={"PITLANE_RASA_TRACKER_DB": str(tmp_path / "t.db")}))

    assert first["PITLANE_RASA_TRACKER_DB"] == str(tmp_path / "one" / "rasa-trackers.db")
    assert second["PITLANE_RASA_TRACKER_DB"] == str(tmp_path / "two" / "rasa-trackers.db")
    assert given.environment()["PITLANE_RASA_TRACKER_DB"] == str(tmp_path / "t.db")


def test_the_rest_webhook_credential_is_generated_as_one_named_integration(monkeypatch) -> None:
    monkeypatch.delenv("PITLANE_REST_WEBHOOK_TOKENS", raising=False)
    from webapp.settings import WebSettings

    value = Stack(StackConfig()).environment()["PITLANE_REST_WEBHOOK_TOKENS"]

    name, _, token = value.partition(":")
    assert name == "dev" and len(token) >= 32
    assert WebSettings(rest_webhook_tokens=value).rest_webhook_clients == {token: "dev"}
