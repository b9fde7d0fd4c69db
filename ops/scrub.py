"""What an error report may carry: the exception's type, its stack frames and the request's
path template, not the customer. `scrub_event` and `scrub_breadcrumb` are the Sentry SDK's
`before_send` and `before_breadcrumb`; they work on plain dicts and import no SDK.

Removed: request bodies, query strings, cookies, every header but a few harmless ones, the
user (and so the IP address), frames' local variables, log messages' arguments and SQL
parameters. Masked in every string left: e-mail addresses, phone numbers, 6-digit one-time
codes, Telegram bot tokens and URLs' query strings.
"""

from __future__ import annotations

import re
from typing import Any

EMAIL_MASK, PHONE_MASK, CODE_MASK, TOKEN_MASK = "[email]", "[phone]", "[code]", "[token]"
QUERY_MASK, PARAMETERS_MASK = "[query]", "[parameters: removed]"

# Headers kept on a request; all others (Authorization, Cookie, X-CSRF-Token, the Telegram
# and Twilio signatures, our shared-secret headers, X-Forwarded-For...) are dropped.
KEPT_HEADERS = frozenset(
    {
        "host",
        "user-agent",
        "accept",
        "accept-encoding",
        "accept-language",
        "content-type",
        "content-length",
        "origin",
    }
)
# Keys whose strings are left as they are wherever they appear: what locates the error
# (frames), identifies the event, or holds no customer data and would be mangled (dates).
STRUCTURAL_KEYS = frozenset(
    {
        "abs_path",
        "filename",
        "function",
        "module",
        "package",
        "lineno",
        "colno",
        "timestamp",
        "start_timestamp",
        "event_id",
        "trace_id",
        "span_id",
        "parent_span_id",
        "release",
        "environment",
        "sdk",
        "modules",
    }
)

_TELEGRAM_TOKEN = re.compile(r"\d{6,12}:[A-Za-z0-9_-]{30,}")
_URL_QUERY = re.compile(r"(https?://[^\s'\"?#]+)\?[^\s'\"#]*")
# SQLAlchemy's "[parameters: (...)]" line: the values a statement carried, whatever they are
_SQL_PARAMETERS = re.compile(r"\[parameters: [^\n]*")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_CODE = re.compile(r"(?<![\w+])\d{6}(?![\w])")
_PHONE = re.compile(r"(?<![\w+])\+?\d[\d .()/-]{6,24}\d(?![\w:])")
_TOKENISH_SEGMENT = re.compile(r"(?<=/)[A-Za-z0-9_.~-]{24,}(?=/|$)")


def _phone(match: re.Match[str]) -> str:
    digits = sum(char.isdigit() for char in match.group())
    return PHONE_MASK if 9 <= digits <= 15 else match.group()


def mask_text(text: str) -> str:
    """`text` with its secrets and personal data replaced by placeholders."""
    text = _TELEGRAM_TOKEN.sub(TOKEN_MASK, text)
    text = _URL_QUERY.sub(rf"\1?{QUERY_MASK}", text)
    text = _SQL_PARAMETERS.sub(PARAMETERS_MASK, text)
    text = _EMAIL.sub(EMAIL_MASK, text)
    text = _CODE.sub(CODE_MASK, text)
    return _PHONE.sub(_phone, text)


def mask_strings(value: Any, key: str | None = None) -> Any:
    """`value` with `mask_text` applied to every string in it, structural keys excepted."""
    if key in STRUCTURAL_KEYS:
        return value
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: mask_strings(v, k if isinstance(k, str) else None) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_strings(item) for item in value]
    return value


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry's `before_send`: the event without the customer (see the module's docstring)."""
    event.pop("user", None)
    template = _path_template(event)
    if isinstance(event.get("request"), dict):
        event["request"] = _scrubbed_request(event["request"], template)
    if template is None and isinstance(event.get("transaction"), str):  # a raw path
        event["transaction"] = _TOKENISH_SEGMENT.sub(TOKEN_MASK, event["transaction"])
    logentry = event.get("logentry")
    if isinstance(logentry, dict):  # keep the template, not the arguments it was given
        event["logentry"] = {"message": logentry.get("message", "")}
    for frame in _frames(event):
        frame.pop("vars", None)
    return mask_strings(event)


def scrub_breadcrumb(
    crumb: dict[str, Any], hint: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """Sentry's `before_breadcrumb`: a log line keeps its template, an HTTP call its URL
    without the query string."""
    record = (hint or {}).get("log_record")
    if record is not None:
        crumb["message"] = record.msg if isinstance(record.msg, str) else type(record.msg).__name__
    data = crumb.get("data")
    if isinstance(data, dict):
        for name in ("http.query", "http.fragment"):
            data.pop(name, None)
        if isinstance(data.get("url"), str):
            data["url"] = data["url"].split("?", 1)[0]
    return mask_strings(crumb)


def _path_template(event: dict[str, Any]) -> str | None:
    """The route's path template ("/api/bookings/{booking_id}") when the event has one."""
    source = (event.get("transaction_info") or {}).get("source")
    transaction = event.get("transaction")
    if source in ("route", "component") and isinstance(transaction, str):
        return transaction if transaction.startswith("/") else None
    return None


def _scrubbed_request(request: dict[str, Any], template: str | None) -> dict[str, Any]:
    url = str(request.get("url") or "").split("?", 1)[0].split("#", 1)[0]
    if template is not None:
        scheme, sep, rest = url.partition("://")
        url = f"{scheme}{sep}{rest.split('/', 1)[0]}{template}" if sep else template
    else:
        url = _TOKENISH_SEGMENT.sub(TOKEN_MASK, url)
    scrubbed: dict[str, Any] = {"url": url}
    if "method" in request:
        scrubbed["method"] = request["method"]
    headers = request.get("headers")
    if isinstance(headers, dict):
        scrubbed["headers"] = {n: v for n, v in headers.items() if _kept_header(n)}
    elif isinstance(headers, list):
        scrubbed["headers"] = [pair for pair in headers if pair and _kept_header(pair[0])]
    return scrubbed


def _kept_header(name: object) -> bool:
    return isinstance(name, str) and name.lower() in KEPT_HEADERS


def _frames(event: dict[str, Any]) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    for section in ("exception", "threads"):
        for item in (event.get(section) or {}).get("values") or []:
            stacktrace = item.get("stacktrace") if isinstance(item, dict) else None
            frames.extend((stacktrace or {}).get("frames") or [])
    return [frame for frame in frames if isinstance(frame, dict)]
