"""Log lines are JSON objects that locate a line (process, request, conversation, trace) and
carry no e-mail address, phone number, code, token or customer text (ops/logs.py)."""

from __future__ import annotations

import io
import json
import logging
import sys

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from ops.logs import (
    JsonFormatter,
    LogSettings,
    Redact,
    TextFormatter,
    bind_log_context,
    log_context,
    logging_config,
)
from ops.request_ids import RequestIds

EMAIL, PHONE, CODE = "camille.martin@example.fr", "06 12 34 56 78", "482913"
TOKEN = "8d1f0c2a9b7e4d3f6a5c1e0b9d8f7a6c5b4e3d2f1a0c9b8e"


def record(msg: str, *args: object, exc: bool = False, name: str = "hub.test") -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError(f"refused {EMAIL} {PHONE} code {CODE} Bearer {TOKEN}")
        except ValueError:
            exc_info = sys.exc_info()
    return logging.LogRecord(name, logging.WARNING, __file__, 1, msg, args, exc_info)


def line(rec: logging.LogRecord, process: str = "web") -> dict:
    assert Redact().filter(rec)
    return json.loads(JsonFormatter(process).format(rec))


def test_a_line_with_personal_data_in_its_message_args_and_exception_comes_out_masked() -> None:
    rec = record("sent to %s and %s, code %s, token=%s", EMAIL, PHONE, CODE, TOKEN, exc=True)

    out = line(rec)

    text = json.dumps(out)
    for secret in (EMAIL, PHONE, CODE, TOKEN, "camille"):
        assert secret not in text
    assert out["message"] == "sent to [email] and [phone], code [code], token=[token]"
    assert "ValueError: refused [email] [phone] code [code] Bearer [token]" in out["exc"]
    assert rec.args[0] == EMAIL and rec.exc_info  # the record stays whole for Sentry's hook


def test_a_line_has_its_time_level_logger_process_and_pid() -> None:
    out = line(record("booking %s moved", 42))

    assert out["ts"].endswith("+00:00") and "T" in out["ts"]
    assert (out["level"], out["logger"], out["process"]) == ("WARNING", "hub.test", "web")
    assert isinstance(out["pid"], int)
    assert out["message"] == "booking 42 moved"
    assert "trace_id" not in out and "conversation_id" not in out


def test_a_line_inside_a_span_carries_its_trace_and_span_ids() -> None:
    context = SpanContext(
        trace_id=0x4BF92F3577B34DA6A3CE929D0E0E4736,
        span_id=0x00F067AA0BA902B7,
        is_remote=False,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
    )
    with trace.use_span(NonRecordingSpan(context)):
        out = line(record("turn answered"))

    assert out["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert out["span_id"] == "00f067aa0ba902b7"


def test_a_turn_binds_its_conversation_and_its_own_text_never_appears() -> None:
    text = "ma moto AB-123-CD fait un bruit"
    with log_context(conversation_id=17, turn_text=text):
        out = line(record("Rasa failed on %r", text))

    assert out["conversation_id"] == 17
    assert "AB-123-CD" not in json.dumps(out) and "turn_text" not in out
    assert "conversation_id" not in line(record("after the turn"))


def test_a_conversation_bound_in_a_turn_names_the_rest_of_its_request() -> None:
    with log_context(request=True, request_id="r-1"):
        with log_context(turn_text="bonjour à tous"):
            bind_log_context(conversation_id=8)
            assert line(record("in the turn"))["conversation_id"] == 8
        access = line(record("POST /webhooks/rest/webhook 200"))

    assert (access["request_id"], access["conversation_id"]) == ("r-1", 8)
    assert "conversation_id" not in line(record("another request"))


def test_long_identifiers_and_paths_are_kept_but_random_secrets_are_not() -> None:
    out = line(record("%s in /srv/app/test_fifty_concurrent_bookings_of_a_slot.py", TOKEN))

    assert out["message"] == "[token] in /srv/app/test_fifty_concurrent_bookings_of_a_slot.py"


def test_uvicorn_access_lines_keep_method_path_and_status_not_the_client_or_query() -> None:
    rec = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("203.0.113.9:5000", "GET", f"/staff/login/reset?token={TOKEN}&e={EMAIL}", "1.1", 200),
        None,
    )

    out = line(rec)

    assert out["message"] == "GET /staff/login/reset 200"
    assert out["http"] == {"method": "GET", "path": "/staff/login/reset", "status": 200}
    assert "203.0.113.9" not in json.dumps(out)


def test_the_text_format_is_for_a_console_and_still_redacted() -> None:
    rec = record("mail to %s", EMAIL, exc=True)
    with log_context(conversation_id=5):
        text = TextFormatter("web").format(rec)

    assert "mail to [email] [conversation_id=5]" in text
    assert "ValueError: refused [email]" in text and EMAIL not in text


def test_the_configuration_sends_every_logger_through_the_json_handler(monkeypatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    before = logging.getLogger().handlers[:]
    logging.config.dictConfig(logging_config(LogSettings(_env_file=None), "actions"))
    try:
        logging.getLogger("uvicorn.error").warning("started for %s", EMAIL)
        logging.getLogger("some.library").info("code %s", CODE)
    finally:
        logging.getLogger().handlers[:] = before
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
            logging.getLogger(name).handlers.clear()

    lines = [json.loads(raw) for raw in stream.getvalue().splitlines()]
    assert [entry["message"] for entry in lines] == ["started for [email]", "code [code]"]
    assert {entry["process"] for entry in lines} == {"actions"}


@pytest.fixture
def echo_app() -> RequestIds:
    seen: list[str | None] = []

    async def home(request):  # noqa: ANN001, ANN202
        from ops.logs import current_log_context

        seen.append(current_log_context().get("request_id"))
        return PlainTextResponse("ok")

    app = RequestIds(Starlette(routes=[Route("/", home)]))
    app.seen = seen  # type: ignore[attr-defined]
    return app


async def test_a_request_id_is_taken_from_the_caller_or_made_and_echoed(echo_app) -> None:
    transport = httpx.ASGITransport(app=echo_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        given = await client.get("/", headers={"X-Request-ID": "edge-1234abcd"})
        made = await client.get("/")
        refused = await client.get("/", headers={"X-Request-ID": f"<{EMAIL}>"})

    assert given.headers["x-request-id"] == "edge-1234abcd"
    assert len(made.headers["x-request-id"]) == 32
    assert refused.headers["x-request-id"] != f"<{EMAIL}>"
    assert echo_app.seen == [
        "edge-1234abcd",
        made.headers["x-request-id"],
        refused.headers["x-request-id"],
    ]
