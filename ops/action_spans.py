"""One span per action the action server runs (`action <name>`), in the trace of the customer
message that led to it: the hub puts the turn's `traceparent` in the metadata it sends Rasa,
Rasa keeps it on the tracker's latest message, and rasa-sdk's request carries that tracker.

Registered as Sanic middleware around rasa-sdk's POST /webhook, so the actions' code does not
change; their database work (the instrumented engine) nests under the span. A missing or
malformed `traceparent` starts a trace of the action's own (ops/spans.py ignores it)."""

from __future__ import annotations

import json
import logging
import re
import zlib
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace

from ops.spans import context_from_metadata

log = logging.getLogger(__name__)
WEBHOOK = "/webhook"
_ACTION_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
_tracer = trace.get_tracer("pitlane.actions")


def action_call_of(body: bytes, encoding: str | None) -> dict[str, Any] | None:
    """rasa-sdk's action call from a request body (deflated when Rasa compresses), or None."""
    try:
        raw = zlib.decompress(body) if encoding == "deflate" else body
        call = json.loads(raw)
    except (zlib.error, ValueError):
        return None
    return call if isinstance(call, dict) else None


def span_name_and_parent(call: dict[str, Any]) -> tuple[str, otel_context.Context | None]:
    """The span's name (`action <next_action>`) and the trace context of the tracker's latest
    message (None: the span starts a trace)."""
    name = call.get("next_action")
    name = name if isinstance(name, str) and _ACTION_NAME.fullmatch(name) else "unknown"
    tracker = call.get("tracker")
    latest = tracker.get("latest_message") if isinstance(tracker, dict) else None
    metadata = latest.get("metadata") if isinstance(latest, dict) else None
    return f"action {name}", context_from_metadata(metadata)


def trace_actions(app: Any) -> None:
    """Register the middleware opening and closing each action's span on rasa-sdk's `app`."""

    async def open_span(request: Any) -> None:
        if request.method != "POST" or request.path != WEBHOOK:
            return
        call = action_call_of(request.body, request.headers.get("Content-Encoding"))
        name, parent = span_name_and_parent(call or {})
        action = name.removeprefix("action ")
        current = _tracer.start_span(
            name,
            context=parent,
            kind=trace.SpanKind.SERVER,
            attributes={"pitlane.action": action},
        )
        request.ctx.action_span = current
        request.ctx.action_token = otel_context.attach(trace.set_span_in_context(current))

    async def close_span(request: Any, response: Any) -> None:
        current = getattr(request.ctx, "action_span", None)
        if current is None:
            return
        request.ctx.action_span = None
        status = getattr(response, "status", None)
        if isinstance(status, int):
            current.set_attribute("http.response.status_code", status)
            if status >= 500:
                current.set_status(trace.StatusCode.ERROR)
        current.end()
        otel_context.detach(request.ctx.action_token)

    app.register_middleware(open_span, "request")
    app.register_middleware(close_span, "response")
