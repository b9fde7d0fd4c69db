"""Error reports reach Sentry (a fake one on 127.0.0.1) with the exception and without the
customer: the web app in-process with PITLANE_SENTRY_DSN set, a route failing unexpectedly
on a request full of personal data; the action server's start wires the same scrubber."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sentry_sdk
from fastapi import Request
from fastapi.testclient import TestClient

from actions.serve import ActionServerSettings, start_action_error_reports
from ops.error_reports import stop_error_reports
from ops.scrub import scrub_event
from tests.integration.sentry_support import FakeSentry, fake_sentry
from tests.integration.web_support import closed_port, web_settings
from webapp.main import create_app

EMAIL, PHONE, CODE = "camille.martin@example.fr", "+33612345678", "482913"
TEXT = "Bonjour, ma moto cale au démarrage depuis hier"
SECRETS = {
    "e-mail": EMAIL,
    "phone": PHONE,
    "phone digits": "612345678",
    "code": CODE,
    "message text": TEXT,
    "bearer token": "api-token-0123456789abcdef",
    "cookie": "staff-cookie-value",
    "csrf token": "csrf-token-value",
    "telegram secret": "telegram-secret-value",
    "twilio signature": "twilio-signature-value",
}
log = logging.getLogger("tests.error_reports")
ROOT = Path(__file__).resolve().parents[2]


class CustomerLookupBroke(RuntimeError):
    """What the test route raises: nothing in the app handles it."""


@pytest.fixture
def sentry() -> Iterator[FakeSentry]:
    with fake_sentry() as fake:
        try:
            yield fake
        finally:
            stop_error_reports()


def failing_client(sentry: FakeSentry, database_url: str) -> TestClient:
    """The real app with the DSN set, plus a test-only route that fails on personal data."""
    settings = web_settings(
        database_url, f"http://127.0.0.1:{closed_port()}", sentry_dsn=sentry.dsn
    )
    app = create_app(settings)

    async def fail_on_customer(customer_id: str, request: Request) -> None:
        body = await request.json()
        log.info("customer %s wrote: %s", customer_id, body["text"])
        raise CustomerLookupBroke(f"no customer {body['email']} / {customer_id}, code {CODE}")

    app.add_api_route(
        "/test-only/customers/{customer_id}/messages", fail_on_customer, methods=["POST"]
    )
    return TestClient(app, raise_server_exceptions=False)


def test_an_unexpected_error_reaches_sentry_without_the_customer(sentry, migrated_url) -> None:
    with failing_client(sentry, migrated_url) as client:
        answer = client.post(
            f"/test-only/customers/{PHONE}/messages",
            params={"email": EMAIL, "code": CODE},
            json={"text": TEXT, "email": EMAIL, "code": CODE},
            headers={
                "Authorization": "Bearer api-token-0123456789abcdef",
                "Cookie": "pitlane_staff=staff-cookie-value",
                "X-CSRF-Token": "csrf-token-value",
                "X-Telegram-Bot-Api-Secret-Token": "telegram-secret-value",
                "X-Twilio-Signature": "twilio-signature-value",
            },
        )
        assert answer.status_code == 500
        sentry_sdk.flush(timeout=5)
    events = sentry.wait_for_events()

    assert len(events) == 1, "one event: the logged error and the SDK's capture are one"
    assert all(path == "/api/1/envelope/" for path in sentry.paths)
    raw = b"".join(sentry.bodies).decode()
    for what, secret in SECRETS.items():
        for form in (secret, json.dumps(secret)[1:-1]):  # as is, and JSON-escaped
            assert form not in raw, f"the {what} reached Sentry"
    reported = events[0]
    exception = reported["exception"]["values"][-1]
    assert exception["type"] == "CustomerLookupBroke"
    assert exception["value"] == "no customer [email] / [phone], code [code]"
    frames = exception["stacktrace"]["frames"]
    assert any(f["function"] == "fail_on_customer" and f.get("lineno") for f in frames)
    assert all("vars" not in frame for frame in frames)
    assert reported["environment"] == "test"
    assert "user" not in reported
    request = reported["request"]
    assert request["url"].endswith("/test-only/customers/{customer_id}/messages")
    assert request["method"] == "POST"
    assert "data" not in request and "query_string" not in request and "cookies" not in request
    assert {name.lower() for name in request.get("headers", {})} <= {
        "host",
        "user-agent",
        "accept",
        "accept-encoding",
        "content-type",
        "content-length",
    }


def test_without_a_dsn_the_app_reports_nothing(tmp_path) -> None:
    settings = web_settings(f"sqlite:///{tmp_path / 'pitlane.db'}", "http://127.0.0.1:9")
    create_app(settings)
    assert not sentry_sdk.get_client().is_active()


def test_the_web_app_starts_the_sdk_scrubbed_and_errors_only(sentry, tmp_path) -> None:
    settings = web_settings(
        f"sqlite:///{tmp_path / 'pitlane.db'}",
        "http://127.0.0.1:9",
        sentry_dsn=sentry.dsn,
        sentry_environment="staging",
    )
    create_app(settings)
    options = sentry_sdk.get_client().options
    assert options["environment"] == "staging"
    assert options["send_default_pii"] is False
    assert options["include_local_variables"] is False
    assert options["before_send"] is scrub_event
    assert options["traces_sample_rate"] is None
    assert options["trace_propagation_targets"] == []
    assert options["auto_enabling_integrations"] is False


# Run in a process of its own: Sentry's Sanic integration patches Sanic for the whole process,
# and rasa-sdk's app name can be registered once per process; the other tests of the action
# server (metrics, traces, health) must not inherit either.
ACTION_SERVER_REPORT = """
import sys
import sentry_sdk
from actions.serve import ActionServerSettings, serving_app
from ops.scrub import scrub_event

class CustomerLookupBroke(RuntimeError):
    pass

dsn, email, phone, code = sys.argv[1:]
settings = ActionServerSettings(
    _env_file=None,
    action_server_token="action-token-0123456789abcdef",
    sentry_dsn=dsn,
    env="production",
)
serving_app(settings)
client = sentry_sdk.get_client()
assert client.options["environment"] == "production"
assert client.options["before_send"] is scrub_event
assert client.get_integration("sanic") is not None
try:
    raise CustomerLookupBroke(f"slot {email} {phone} {code}")
except CustomerLookupBroke:
    sentry_sdk.capture_exception()
sentry_sdk.flush(timeout=5)
"""


def test_the_action_server_starts_the_sdk_with_sanic_and_the_same_scrubber(sentry) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PITLANE_")}
    subprocess.run(
        [sys.executable, "-c", ACTION_SERVER_REPORT, sentry.dsn, EMAIL, PHONE, CODE],
        cwd=ROOT,
        env=environment,
        check=True,
        timeout=120,
    )
    [event] = sentry.wait_for_events()
    assert event["exception"]["values"][-1]["type"] == "CustomerLookupBroke"
    assert event["exception"]["values"][-1]["value"] == "slot [email] [phone] [code]"


def test_the_action_server_reports_nothing_without_a_dsn() -> None:
    settings = ActionServerSettings(_env_file=None, action_server_token="action-token-0123456789")
    assert start_action_error_reports(settings) is False
    assert not sentry_sdk.get_client().is_active()
