"""Error reports keep what a developer acts on (the exception's type, the frames, the route's
path template) and lose the customer (ops/scrub.py), on an event shaped like the Sentry SDK's."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from ops.scrub import scrub_breadcrumb, scrub_event

EMAIL, PHONE, CODE = "camille.martin@example.fr", "+33 6 12 34 56 78", "482913"
TEXT = "Bonjour, ma moto cale au démarrage depuis hier"
TELEGRAM_TOKEN = "7012345678:AAHk3x9_Zt0-secretsecretsecretsecret12"
SECRETS = (
    EMAIL,
    PHONE,
    "+33612345678",
    CODE,
    TEXT,
    "Bearer api-token-0123456789abcdef",
    "session=staff-cookie-value",
    "csrf-token-value",
    "telegram-secret-value",
    "twilio-signature-value",
    TELEGRAM_TOKEN,
    "ticket=abc",
    "203.0.113.7",
)


def logged_breadcrumb(template: str, *args: object) -> dict[str, Any]:
    """The breadcrumb the SDK's logging integration records for a log line, as kept."""
    record = logging.LogRecord("hub", logging.INFO, "hub.py", 1, template, args, None)
    crumb = {"type": "log", "category": "hub", "message": record.getMessage(), "data": {}}
    return scrub_breadcrumb(crumb, {"log_record": record})


def realistic_event() -> dict[str, Any]:
    frame = {
        "filename": "webapp/customers.py",
        "abs_path": "/app/webapp/customers.py",
        "function": "find_customer",
        "module": "webapp.customers",
        "lineno": 42,
        "context_line": "    raise LookupError(f'no customer {email}')",
        "vars": {"email": EMAIL, "code": CODE, "text": TEXT},
    }
    return {
        "event_id": "0123456789abcdef0123456789abcdef",
        "timestamp": "2026-12-01T10:15:00.123456Z",
        "level": "error",
        "platform": "python",
        "environment": "production",
        "transaction": "/api/customers/{customer_id}/messages",
        "transaction_info": {"source": "route"},
        "user": {"ip_address": "203.0.113.7"},
        "exception": {
            "values": [
                {
                    "type": "LookupError",
                    "module": None,
                    "value": f"no customer {EMAIL} ({PHONE}), code {CODE}",
                    "stacktrace": {"frames": [frame]},
                }
            ]
        },
        "logentry": {
            "message": "message from %s: %s",
            "params": [PHONE, TEXT],
            "formatted": f"message from {PHONE}: {TEXT}",
        },
        "extra": {"sender": "+33612345678", "note": f"sent to {EMAIL}"},
        "request": {
            "method": "POST",
            "url": "https://pitlane.example/api/customers/+33612345678/messages?ticket=abc",
            "query_string": f"email={EMAIL}&code={CODE}",
            "data": {"text": TEXT, "email": EMAIL},
            "cookies": {"session": "staff-cookie-value"},
            "env": {"REMOTE_ADDR": "203.0.113.7"},
            "headers": {
                "host": "pitlane.example",
                "user-agent": "Mozilla/5.0",
                "content-type": "application/json",
                "authorization": "Bearer api-token-0123456789abcdef",
                "cookie": "session=staff-cookie-value",
                "x-csrf-token": "csrf-token-value",
                "X-Telegram-Bot-Api-Secret-Token": "telegram-secret-value",
                "X-Twilio-Signature": "twilio-signature-value",
                "x-forwarded-for": "203.0.113.7",
            },
        },
        "breadcrumbs": {
            "values": [
                {
                    "type": "http",
                    "category": "httplib",
                    "data": {
                        "url": f"https://api.telegram.org/bot{TELEGRAM_TOKEN}/sendMessage",
                        "http.method": "POST",
                    },
                },
                # recorded through before_breadcrumb, as the SDK does for every log line
                logged_breadcrumb("customer %s said %s", PHONE, TEXT),
            ]
        },
    }


@pytest.fixture(scope="module")
def scrubbed() -> dict[str, Any]:
    return scrub_event(realistic_event(), {})


@pytest.mark.parametrize("secret", SECRETS)
def test_no_secret_or_personal_datum_is_left_anywhere(scrubbed, secret) -> None:
    assert secret not in json.dumps(scrubbed, ensure_ascii=False)


def test_the_exception_type_and_its_stack_frames_are_kept(scrubbed) -> None:
    exception = scrubbed["exception"]["values"][0]
    assert exception["type"] == "LookupError"
    assert exception["value"] == "no customer [email] ([phone]), code [code]"
    frame = exception["stacktrace"]["frames"][0]
    assert (frame["filename"], frame["function"], frame["lineno"]) == (
        "webapp/customers.py",
        "find_customer",
        42,
    )
    assert frame["abs_path"] == "/app/webapp/customers.py"
    assert "vars" not in frame


def test_the_request_keeps_its_method_and_path_template_only(scrubbed) -> None:
    request = scrubbed["request"]
    assert request["method"] == "POST"
    assert request["url"] == "https://pitlane.example/api/customers/{customer_id}/messages"
    assert set(request) == {"method", "url", "headers"}
    assert request["headers"] == {
        "host": "pitlane.example",
        "user-agent": "Mozilla/5.0",
        "content-type": "application/json",
    }


def test_a_log_event_keeps_its_template_not_its_arguments(scrubbed) -> None:
    assert scrubbed["logentry"] == {"message": "message from %s: %s"}


def test_the_user_and_so_the_ip_address_is_not_sent(scrubbed) -> None:
    assert "user" not in scrubbed


def test_dates_and_identifiers_are_not_taken_for_phones_or_codes(scrubbed) -> None:
    assert scrubbed["timestamp"] == "2026-12-01T10:15:00.123456Z"
    assert scrubbed["event_id"] == "0123456789abcdef0123456789abcdef"
    assert scrubbed["transaction"] == "/api/customers/{customer_id}/messages"


def test_a_raw_path_loses_its_tokens_when_no_route_matched() -> None:
    event = {
        "transaction": "/documents/eyJrIjoiaW52b2ljZSIsImlkIjo0Mn0.c2lnbmF0dXJl",
        "transaction_info": {"source": "url"},
        "request": {"url": "https://pitlane.example/documents/eyJrIjoiaW52b2ljZSIsImlkIjo0Mn0"},
    }
    scrubbed = scrub_event(event, {})
    assert scrubbed["transaction"] == "/documents/[token]"
    assert scrubbed["request"]["url"] == "https://pitlane.example/documents/[token]"


def test_sql_parameters_are_removed_from_an_error_message() -> None:
    message = (
        "(sqlite3.IntegrityError) UNIQUE constraint failed: customers.phone\n"
        "[SQL: INSERT INTO customers (phone, email, note) VALUES (?, ?, ?)]\n"
        f"[parameters: ('{PHONE}', '{EMAIL}', '{TEXT}')]"
    )
    event = {"exception": {"values": [{"type": "IntegrityError", "value": message}]}}
    value = scrub_event(event, {})["exception"]["values"][0]["value"]
    assert "[SQL: INSERT INTO customers (phone, email, note) VALUES (?, ?, ?)]" in value
    assert TEXT not in value and "[parameters: removed]" in value


def test_a_log_breadcrumb_keeps_the_template_of_its_message() -> None:
    crumb = logged_breadcrumb("message from %s: %s", PHONE, TEXT)
    assert crumb["message"] == "message from %s: %s"


def test_an_http_breadcrumb_loses_its_query_and_the_bot_token() -> None:
    crumb = {
        "type": "http",
        "data": {
            "url": f"https://api.telegram.org/bot{TELEGRAM_TOKEN}/getFile?file_id=1",
            "http.query": "token=rasa-token",
            "http.method": "GET",
        },
    }
    data = scrub_breadcrumb(crumb, {})["data"]
    assert data == {"url": "https://api.telegram.org/bot[token]/getFile", "http.method": "GET"}
