"""The spans of a customer's turn, through the OpenTelemetry API only: while no tracer
provider is started (traces off, ops/tracing.py) every call here is a cheap no-op.

Attributes say where a message went, never what it said: channel, internal ids, route,
outcome. The trace context crosses Rasa (which has no tracing in 3.6) as a W3C
`traceparent` in the message metadata, which the action server reads back."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

TRACEPARENT = "traceparent"
# version 00: 2 hex, trace id 32 hex, span id 16 hex, flags 2 hex (W3C Trace Context)
_TRACEPARENT = re.compile(r"00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")
_propagator = TraceContextTextMapPropagator()
_tracer = trace.get_tracer("pitlane")

Attribute = str | int | float | bool


@contextmanager
def span(
    name: str, kind: trace.SpanKind = trace.SpanKind.INTERNAL, **attributes: Attribute | None
) -> Iterator[trace.Span]:
    """A span made current for the block (a child of the current one, else a trace's root);
    attributes are named `pitlane.<key>`, None ones left out."""
    with _tracer.start_as_current_span(name, kind=kind, attributes=_named(attributes)) as current:
        yield current


def note(**attributes: Attribute | None) -> None:
    """Set `pitlane.<key>` attributes on the current span (nothing when none records)."""
    current = trace.get_current_span()
    if current.is_recording():
        current.set_attributes(_named(attributes))


def with_traceparent(metadata: dict[str, Any]) -> dict[str, Any]:
    """`metadata` plus the current span's `traceparent` (unchanged when no span records)."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    parent = carrier.get(TRACEPARENT)
    return {**metadata, TRACEPARENT: parent} if parent else metadata


def context_from_metadata(metadata: object) -> otel_context.Context | None:
    """The trace context a message's metadata carries, or None when it carries none or a
    malformed one. Only `traceparent` is read: no tracestate or baggage from outside."""
    if not isinstance(metadata, Mapping):
        return None
    value = metadata.get(TRACEPARENT)
    if not isinstance(value, str) or not _TRACEPARENT.fullmatch(value):
        return None
    extracted = _propagator.extract({TRACEPARENT: value})
    valid = trace.get_current_span(extracted).get_span_context().is_valid
    return extracted if valid else None


def _named(attributes: Mapping[str, Attribute | None]) -> dict[str, Attribute]:
    return {f"pitlane.{key}": value for key, value in attributes.items() if value is not None}
