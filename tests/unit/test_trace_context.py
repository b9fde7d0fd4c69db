"""The sampling rule of ops/tracing.py and the trace context the hub hands Rasa in the message
metadata (ops/spans.py), on the SDK's own provider, no exporter."""

from __future__ import annotations

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind

from ops.spans import TRACEPARENT, context_from_metadata, with_traceparent
from ops.tracing import turn_sampler

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


def tracer(ratio: float = 1.0) -> trace.Tracer:
    return TracerProvider(sampler=turn_sampler(ratio)).get_tracer("test")


def test_a_query_or_http_call_outside_any_turn_starts_no_trace() -> None:
    with tracer().start_as_current_span("SELECT", kind=SpanKind.CLIENT) as span:
        assert not span.is_recording()


def test_requests_and_turns_start_traces_and_their_queries_follow() -> None:
    t = tracer()
    with (
        t.start_as_current_span("hub.inbound") as turn,
        t.start_as_current_span("SELECT", kind=SpanKind.CLIENT) as query,
    ):
        assert turn.is_recording() and query.is_recording()
    with t.start_as_current_span("GET /", kind=SpanKind.SERVER) as request:
        assert request.is_recording()


def test_a_zero_ratio_traces_no_turn() -> None:
    with tracer(0.0).start_as_current_span("hub.inbound") as turn:
        assert not turn.is_recording()


def test_the_metadata_carries_the_current_span_and_reads_back_as_its_context() -> None:
    with tracer().start_as_current_span("rasa.turn") as turn:
        sent = with_traceparent({"channel": "web"})

    assert sent["channel"] == "web"
    context = context_from_metadata(sent)
    assert context is not None
    parent = trace.get_current_span(context).get_span_context()
    assert parent.trace_id == turn.get_span_context().trace_id
    assert parent.span_id == turn.get_span_context().span_id
    assert parent.is_remote


def test_without_a_span_the_metadata_is_left_as_it_was() -> None:
    metadata = {"channel": "web"}
    token = otel_context.attach(otel_context.Context())
    try:
        assert with_traceparent(metadata) is metadata
    finally:
        otel_context.detach(token)


def test_only_a_well_formed_traceparent_is_read() -> None:
    good = f"00-{TRACE_ID}-00f067aa0ba902b7-01"
    assert context_from_metadata({TRACEPARENT: good}) is not None
    assert context_from_metadata({TRACEPARENT: good + "-extra"}) is None
    assert context_from_metadata({TRACEPARENT: f"00-{TRACE_ID}-{'0' * 16}-01"}) is None
    assert context_from_metadata({TRACEPARENT: ["00", TRACE_ID]}) is None
    assert context_from_metadata({"tracestate": "a=b"}) is None
    assert context_from_metadata(None) is None
    assert context_from_metadata("00-...") is None
