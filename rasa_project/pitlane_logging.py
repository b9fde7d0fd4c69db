"""Rasa's logs as JSON lines without what customers wrote (logging.yml, beside this file,
given to `rasa run --logging-config-file`).

Rasa 3.6 logs the user's text in places: its REST channel's timeout and failure lines carry
`text=...`, its processor's debug lines the parsed message, slots and events (structlog
events rendered as one JSON string per record), and older f-string lines quote it. The
`Redact` filter keeps a structlog event's name and its short scalar fields, drops the
fields that carry text (Rasa's own list of anonymizable keys and every long or spaced
string), blanks quoted strings of plain lines, masks e-mail addresses, phone numbers,
6-digit codes and secrets everywhere, and keeps no record arguments.

Standard library only: Rasa imports it (from rasa_project/, its working directory) before
anything else, and it must not import Pitlane's code. Its patterns are ops/scrub.py's
(tests/unit/test_rasa_logging.py checks they stay the same).
"""

from __future__ import annotations

import json
import logging
import os
import re
import traceback
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
CODE = re.compile(r"(?<![\w+])\d{6}(?![\w])")
PHONE = re.compile(r"(?<![\w+])\+?\d[\d .()/-]{6,24}\d(?![\w:])")
TELEGRAM_TOKEN = re.compile(r"\d{6,12}:[A-Za-z0-9_-]{30,}")
URL_QUERY = re.compile(r"(https?://[^\s'\"?#]+)\?[^\s'\"#]*")
BEARER = re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{8,}")
ASSIGNED = re.compile(
    r"(?i)\b(token|secret|password|api[_-]?key|authorization)(\s*[:=]\s*[\"']?)[^\s\"'&,;]+"
)
LONG_RUN = re.compile(r"(?<![\w/.-])[A-Za-z0-9_+/=-]{32,}(?![\w/.-])")
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")

# Rasa's anonymizable keys (rasa/utils/log_utils.py) and the others that carry text
TEXT_KEYS = frozenset(
    {
        "text",
        "response_text",
        "user_text",
        "slot_values",
        "parse_data_text",
        "parse_data_entities",
        "prediction_events",
        "tracker_latest_message",
        "prefilled_slots",
        "message",
        "response",
        "slot_candidates",
        "rasa_event",
        "rasa_events",
        "tracker_states",
        "current_states",
        "old_states",
        "successes",
        "current_entity",
        "next_entity",
        "states",
        "entity",
        "token_text",
        "user_message",
        "json_message",
        "events",
        "metadata",
        "entities",
    }
)
TEXT_MASK, TOKEN_MASK = "[text]", "[token]"
LONGEST_KEPT = 80


def _phone(match: re.Match[str]) -> str:
    digits = sum(char.isdigit() for char in match.group())
    return "[phone]" if 9 <= digits <= 15 else match.group()


def _random_run(match: re.Match[str]) -> str:
    run = match.group()
    digits = sum(char.isdigit() for char in run)
    return TOKEN_MASK if digits >= 4 and sum(char.isalpha() for char in run) >= 4 else run


def mask(text: str) -> str:
    """`text` with secrets, e-mail addresses, phone numbers and 6-digit codes masked."""
    text = TELEGRAM_TOKEN.sub(TOKEN_MASK, text)
    text = URL_QUERY.sub(r"\1?[query]", text)
    text = EMAIL.sub("[email]", text)
    text = CODE.sub("[code]", text)
    text = PHONE.sub(_phone, text)
    text = BEARER.sub(rf"\1\2{TOKEN_MASK}", text)
    text = ASSIGNED.sub(rf"\1\2{TOKEN_MASK}", text)
    return LONG_RUN.sub(_random_run, text)


def structlog_event(message: str) -> dict[str, Any] | None:
    """The event dict of a structlog line rendered as JSON, else None."""
    if not message.startswith("{"):
        return None
    try:
        event = json.loads(message)
    except ValueError:
        return None
    return event if isinstance(event, dict) and "event" in event else None


def kept_field(key: str, value: Any) -> Any:
    """What of a structlog field may be logged: short scalars, masked; TEXT_MASK otherwise."""
    if key in TEXT_KEYS:
        return TEXT_MASK
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    if (
        isinstance(value, str)
        and len(value) <= LONGEST_KEPT
        and not any(c.isspace() for c in value)
    ):
        return mask(value)
    return TEXT_MASK


class Redact(logging.Filter):
    """See the module's docstring."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "pitlane_redacted", False):
            return True
        if isinstance(record.args, tuple) and record.name != "py.warnings":
            # spaced strings are sentences: someone's text (a warning's quotes are blanked)
            record.args = tuple(_unspaced(arg) for arg in record.args)
        try:
            message = record.getMessage()
        except Exception:  # a broken format: keep its template only
            message = str(record.msg)
        event = structlog_event(message)
        if event is not None:
            record.event_fields = {
                k: kept_field(k, v) for k, v in event.items() if k not in ("event", "level")
            }
            message = mask(str(event["event"]))
        else:
            message = mask(QUOTED.sub(TEXT_MASK, message))
        record.msg, record.args = message, None
        if record.name == "sanic.access":
            record.http = _sanic_access(record)
        if record.exc_info and record.exc_info[0] is not None:
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
            record.exc_text = masked_traceback(text)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = masked_traceback(record.exc_text)
        record.stack_info = None
        record.pitlane_redacted = True
        return True


def _unspaced(value: object) -> object:
    return TEXT_MASK if isinstance(value, str) and any(c.isspace() for c in value) else value


def masked_traceback(text: str) -> str:
    """A traceback's frames (indented: file, line, source) kept; its messages' quoted
    strings blanked; all of it masked."""
    lines = text.splitlines()
    return mask(
        "\n".join(line if line.startswith(" ") else QUOTED.sub(TEXT_MASK, line) for line in lines)
    )


def _sanic_access(record: logging.LogRecord) -> dict[str, Any] | None:
    """Sanic's access line's method, path (no query string) and status."""
    request = getattr(record, "request", None)
    if not isinstance(request, str) or " " not in request:
        return None
    method, url = request.split(" ", 1)
    return {
        "method": method,
        "path": mask(urlsplit(url).path),
        "status": record.__dict__.get("status"),
    }


class JsonFormatter(logging.Formatter):
    """ts, level, logger, process (PITLANE_LOG_PROCESS, else "rasa"), pid, message, and a
    structlog event's kept fields, the access line's http fields, the exception's text."""

    def __init__(self, process: str | None = None) -> None:
        super().__init__()
        self.process_name = process or os.environ.get("PITLANE_LOG_PROCESS") or "rasa"

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "process": self.process_name,
            "pid": record.process,
            "message": record.getMessage(),
        }
        for name in ("event_fields", "http"):
            if getattr(record, name, None):
                line[name] = getattr(record, name)
        if record.exc_info and record.exc_info[0] is not None:
            line["exc"] = masked_traceback(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exc"] = record.exc_text
        return json.dumps(line, ensure_ascii=False, default=str)
