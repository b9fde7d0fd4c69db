"""Structured logs: one JSON object per line, with what locates a line (process, request,
conversation, trace) and never what a customer wrote or who they are.

Every process calls `configure_logging` (or hands `logging_config` to uvicorn) once at its
start. Its formatters write a record's message and exception text only through `redacted`,
which masks what ops/scrub.py masks for Sentry (e-mail addresses, phone numbers, 6-digit
codes, bot tokens, query strings), plus bearer/API secrets and the current turn's own text;
no argument of a record is written on its own. `log_context` binds the conversation being
handled (the hub's inbound turn) to every line logged inside it; the web app's `RequestIds`
middleware binds the request id; the trace and span ids come from the current
OpenTelemetry span, when one is.
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any, Literal

from opentelemetry import trace
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ops.scrub import TOKEN_MASK, mask_text

TEXT_MASK = "[text]"
# "Bearer abc...", "token=abc...", "Authorization: abc...", long random runs: secrets
_BEARER = re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{8,}")
_ASSIGNED = re.compile(
    r"(?i)\b(token|secret|password|api[_-]?key|authorization)(\s*[:=]\s*[\"']?)[^\s\"'&,;]+"
)
_LONG_RUN = re.compile(r"(?<![\w/.-])[A-Za-z0-9_+/=-]{32,}(?![\w/.-])")

_context: ContextVar[dict[str, Any] | None] = ContextVar("pitlane_log_context", default=None)
# The fields of the request being served (ops/request_ids.py): what a turn binds lands there
# too, so that the request's access line, logged after the turn, names the conversation.
_request: ContextVar[dict[str, Any] | None] = ContextVar("pitlane_log_request", default=None)


class LogSettings(BaseSettings):
    """PITLANE_LOG_FORMAT (json, the default; text for a developer's console),
    PITLANE_LOG_LEVEL (INFO), PITLANE_LOG_PROCESS (the name in each line: web, web-1...)."""

    model_config = SettingsConfigDict(env_prefix="PITLANE_", env_file=".env", extra="ignore")

    log_format: Literal["json", "text"] = "json"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_process: str | None = Field(default=None, max_length=40)


@contextmanager
def log_context(request: bool = False, **fields: Any) -> Iterator[None]:
    """Every line logged inside carries `fields` (conversation_id=..., request_id=...).
    `turn_text` is never written: lines containing it get it masked. `request`: these are
    the fields of a request (see `bind_log_context`)."""
    current = _context.get() or {}
    scope = {**current, **{k: v for k, v in fields.items() if v is not None}}
    token = _context.set(scope)
    request_token = _request.set(scope) if request else None
    try:
        yield
    finally:
        if request_token is not None:
            _request.reset(request_token)
        _context.reset(token)


def bind_log_context(**fields: Any) -> None:
    """Add `fields` to the current context, until the enclosing `log_context` ends, and to
    the current request's fields, until the request ends."""
    _context.set({**(_context.get() or {}), **fields})
    request = _request.get()
    if request is not None:
        request.update(fields)


def current_log_context() -> dict[str, Any]:
    return dict(_context.get() or {})


def mask_secrets(text: str, turn_text: str | None = None) -> str:
    """`text` with personal data, secrets and the current turn's text replaced."""
    if turn_text and len(turn_text) >= 4:
        text = text.replace(turn_text, TEXT_MASK)
    text = mask_text(text)
    text = _BEARER.sub(rf"\1\2{TOKEN_MASK}", text)
    text = _ASSIGNED.sub(rf"\1\2{TOKEN_MASK}", text)
    return _LONG_RUN.sub(_random_run, text)


def _random_run(match: re.Match[str]) -> str:
    """A long run of letters and digits mixed is a secret; a long identifier is not."""
    run = match.group()
    digits = sum(char.isdigit() for char in run)
    return TOKEN_MASK if digits >= 4 and sum(char.isalpha() for char in run) >= 4 else run


class Redact(logging.Filter):
    """Formats the record's message once and masks it, and its exception's text, into
    `record.redacted` (message, exception); the formatters write only that, never the
    record's arguments (they may hold a customer's text). The record itself is left as it
    is: Sentry's logging integration reads it after the handlers, and scrubs it itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        redacted(record)
        return True


def redacted(record: logging.LogRecord) -> tuple[str, str | None]:
    """(message, exception text) of `record`, masked; computed once per record."""
    done = getattr(record, "redacted", None)
    if done is not None:
        return done
    turn_text = (_context.get() or {}).get("turn_text")
    message = _access_line(record) if record.name == "uvicorn.access" else None
    if message is None:
        try:
            message = record.getMessage()
        except Exception:  # a broken format: keep its template only
            message = str(record.msg)
    exc = None
    if record.exc_info and record.exc_info[0] is not None:
        exc = "".join(traceback.format_exception(*record.exc_info)).rstrip()
    elif record.exc_text:
        exc = record.exc_text
    if record.stack_info:
        exc = f"{exc or ''}\n{record.stack_info}".strip()
    done = (mask_secrets(message, turn_text), None if exc is None else mask_secrets(exc, turn_text))
    record.redacted = done
    return done


def _access_line(record: logging.LogRecord) -> str | None:
    """uvicorn's access line ('%s - "%s %s HTTP/%s" %d') as "METHOD path status", and its
    `http` fields: method, path without its query string, status and time to the response's
    headers; the client's address is left out."""
    args = record.args
    if not (isinstance(args, tuple) and len(args) == 5):
        return None
    _, method, path, _, status = args
    path = str(path).split("?", 1)[0]
    record.http = {"method": method, "path": path, "status": status}
    started = (_context.get() or {}).get("request_started")
    if started is not None:
        record.http["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return f"{method} {path} {status}"


class JsonFormatter(logging.Formatter):
    """One JSON object per line (see the module's docstring and docs/operations.md)."""

    def __init__(self, process: str = "python") -> None:
        super().__init__()
        self.process_name = process

    def format(self, record: logging.LogRecord) -> str:
        message, exc = redacted(record)
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "process": self.process_name,
            "pid": record.process,
            "message": message,
        }
        for key, value in (_context.get() or {}).items():
            if key not in ("turn_text", "request_started"):
                line[key] = value
        line.update(trace_ids())
        if getattr(record, "http", None):
            line["http"] = record.http
        if exc is not None:
            line["exc"] = exc
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """A developer's console: time, level, logger, message, and the ids in brackets."""

    def __init__(self, process: str = "python") -> None:
        super().__init__()

    def format(self, record: logging.LogRecord) -> str:
        message, exc = redacted(record)
        ids = {k: v for k, v in (_context.get() or {}).items() if k.endswith("_id")}
        ids.update(trace_ids())
        text = f"{self.formatTime(record)} {record.levelname} {record.name} {message}"
        if ids:
            text += f" [{' '.join(f'{k}={v}' for k, v in ids.items())}]"
        return f"{text}\n{exc}" if exc else text


def trace_ids() -> dict[str, str]:
    """The current OpenTelemetry span's trace and span ids (hex), when one is valid."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return {}
    return {"trace_id": f"{context.trace_id:032x}", "span_id": f"{context.span_id:016x}"}


def process_name(settings: LogSettings, default: str) -> str:
    return settings.log_process or default


def logging_config(settings: LogSettings, process: str) -> dict[str, Any]:
    """A dictConfig: every record, uvicorn's and Sanic's included, through one handler on
    stderr, redacted, as JSON lines or text."""
    formatter = JsonFormatter if settings.log_format == "json" else TextFormatter
    level = settings.log_level
    own = {"handlers": ["default"], "level": level, "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": Redact}},
        "formatters": {"default": {"()": formatter, "process": process_name(settings, process)}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "default",
                "filters": ["redact"],
            }
        },
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            # the scheduler's "Running job ..." every few seconds: only its problems
            "apscheduler": {"level": "WARNING"},
            **{
                name: own
                for name in (
                    "uvicorn",
                    "uvicorn.error",
                    "uvicorn.access",
                    "sanic.root",
                    "sanic.error",
                    "sanic.access",
                    "sanic.server",
                )
            },
        },
    }


def configure_logging(process: str, settings: LogSettings | None = None) -> LogSettings:
    """Apply `logging_config` to this process (the action server; uvicorn takes the dict)."""
    settings = settings or LogSettings()
    logging.config.dictConfig(logging_config(settings, process))
    return settings
