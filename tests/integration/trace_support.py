"""The spans a test's code records, through the real SDK into an in-memory exporter.

A process has one global tracer provider, set once: the first test asking for `recorded_spans`
installs one sampling as ops/tracing.py's do. Its tracers only make spans while a test
records: between such tests they are no-ops again (no span, no `traceparent` in the metadata
sent to Rasa), so the other tests of the process see the app as with traces off."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from ops.tracing import turn_sampler

# An endpoint for the settings' switch: the provider installed here is kept (start_tracing),
# so nothing is ever sent to it.
UNUSED_ENDPOINT = "http://127.0.0.1:9"
_NO_OP = trace.NoOpTracer()
_exporter = InMemorySpanExporter()
_recording = False


class _WhileRecording(trace.Tracer):
    """An SDK tracer while a test records, a no-op one otherwise."""

    def __init__(self, real: trace.Tracer) -> None:
        self._real = real

    def _now(self) -> trace.Tracer:
        return self._real if _recording else _NO_OP

    def start_span(self, *args: Any, **kwargs: Any) -> trace.Span:
        return self._now().start_span(*args, **kwargs)

    def start_as_current_span(self, *args: Any, **kwargs: Any) -> Any:
        return self._now().start_as_current_span(*args, **kwargs)


class _TestProvider(TracerProvider):
    def get_tracer(self, *args: Any, **kwargs: Any) -> trace.Tracer:
        return _WhileRecording(super().get_tracer(*args, **kwargs))


def _install() -> None:
    if isinstance(trace.get_tracer_provider(), _TestProvider):
        return
    resource = Resource.create({"service.name": "pitlane-test"})
    provider = _TestProvider(resource=resource, sampler=turn_sampler(1.0))
    provider.add_span_processor(SimpleSpanProcessor(_exporter))
    trace.set_tracer_provider(provider)
    assert trace.get_tracer_provider() is provider, "another tracer provider was installed"


@pytest.fixture
def recorded_spans() -> Iterator[InMemorySpanExporter]:
    """The exporter every span finished during the test reaches."""
    global _recording
    _install()
    _exporter.clear()
    _recording = True
    try:
        yield _exporter
    finally:
        _recording = False
        _exporter.clear()


def attribute_values(spans: list[ReadableSpan]) -> list[str]:
    """Every attribute and event attribute value of `spans`, and their names, as text."""
    values: list[str] = []
    for span in spans:
        values += [str(v) for v in (span.attributes or {}).values()]
        for event in span.events:
            values += [str(v) for v in (event.attributes or {}).values()]
        values.append(span.name)
    return values
