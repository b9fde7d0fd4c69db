"""Traces with OpenTelemetry, off unless PITLANE_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_ENDPOINT)
is set. Each process calls `start_tracing` at its start with its service name; the web app
then instruments itself, its Rasa client and the database engines created afterwards.

A trace starts at a request or at a customer's message (ops/spans.py); a database query or an
HTTP call made outside any (the leader's lock, the scheduler's polling) starts none. No span
carries a query string: the app's URLs may hold tokens and tickets (docs/operations.md)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import (
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import SpanKind

from ops.trace_settings import TraceSettings

log = logging.getLogger(__name__)
WEB_SERVICE = "pitlane-web"
ACTIONS_SERVICE = "pitlane-actions"
# Requests never traced: probes, metrics, static files, and the WebSockets (a widget's socket
# lives for the whole visit: each of its messages is a trace of its own, rooted at the hub).
UNTRACED_PATHS = (
    r"/healthz$",
    r"/readyz$",
    r"/metrics$",
    r"/static/",
    r"/assets/",
    r"/vendor/",
    r"/widget(-map)?\.js$",
    r"/widget/dist/",
    r"/favicon\.ico$",
    r"/ws/",
)
_URL_ATTRIBUTES = ("http.url", "url.full")
_TARGET_ATTRIBUTES = ("http.target",)
_QUERY_ATTRIBUTES = ("url.query",)
# The customer's address and port: personal data a trace does not need (blanked).
_PEER_ATTRIBUTES = ("net.peer.ip", "net.peer.port", "client.address", "client.port")
_lock = threading.Lock()
_sql_instrumented = False


class TurnRoots(Sampler):
    """Roots only at requests and customers' turns (server and internal spans), a share of
    them kept; a client call (SQL, HTTP) with no parent is dropped."""

    def __init__(self, ratio: float) -> None:
        self._ratio = TraceIdRatioBased(ratio)

    def should_sample(  # noqa: PLR0913 (the Sampler interface)
        self,
        parent_context: Any,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Any = None,
        links: Any = None,
        trace_state: Any = None,
    ) -> SamplingResult:
        if kind == SpanKind.CLIENT:
            return SamplingResult(Decision.DROP)
        return self._ratio.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"TurnRoots({self._ratio.get_description()})"


def turn_sampler(ratio: float) -> Sampler:
    """Roots sampled by TurnRoots, every other span following its parent's choice."""
    return ParentBased(root=TurnRoots(ratio))


def make_provider(
    service: str, env: str, ratio: float, processors: Sequence[SpanProcessor]
) -> TracerProvider:
    """A tracer provider naming `service`, sampling with `turn_sampler(ratio)`."""
    resource = Resource.create({"service.name": service, "deployment.environment": env})
    provider = TracerProvider(resource=resource, sampler=turn_sampler(ratio))
    for processor in processors:
        provider.add_span_processor(processor)
    return provider


def start_tracing(settings: TraceSettings, service: str, env: str) -> bool:
    """Install a provider exporting to the OTLP endpoint when one is set; whether traces are
    on. A provider already installed in this process (an earlier app, a test's) is kept."""
    url = settings.otlp_traces_url
    if url is None:
        return False
    with _lock:
        if not isinstance(trace.get_tracer_provider(), TracerProvider):
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporter = OTLPSpanExporter(endpoint=url)
            batches = BatchSpanProcessor(
                exporter, schedule_delay_millis=settings.trace_export_delay_ms
            )
            provider = make_provider(service, env, settings.trace_sample_ratio, [batches])
            trace.set_tracer_provider(provider)
            log.info("traces on (OTLP/HTTP to %s, service %s)", _without_query(url), service)
    instrument_sql()
    return True


def instrument_sql() -> None:
    """Trace every SQLAlchemy engine created from now on (core/db.py's make_engine)."""
    global _sql_instrumented
    with _lock:
        if _sql_instrumented:
            return
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

        SQLAlchemyInstrumentor().instrument()
        _sql_instrumented = True


def instrument_web_app(app: Any) -> None:
    """Server spans for the FastAPI `app`'s requests but UNTRACED_PATHS, named by route, their
    URLs without query strings nor the client's address; no span per ASGI message."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app,
        server_request_hook=_server_request_hook,
        excluded_urls=",".join(UNTRACED_PATHS),
        exclude_spans=["receive", "send"],
    )


def http_client_tracing() -> list[Any]:
    """aiohttp tracing hooks for a client session (channels/rasa_client.py): a client span
    per call, its URL without query string nor credentials."""
    from opentelemetry.instrumentation.aiohttp_client import create_trace_config

    return [create_trace_config(url_filter=lambda url: _without_query(str(url)))]


def _server_request_hook(span: trace.Span, scope: dict[str, Any]) -> None:
    if span.is_recording():
        _strip_queries(span, scope.get("path") or "/")
        attributes = getattr(span, "attributes", None) or {}
        for key in _PEER_ATTRIBUTES:
            if key in attributes:
                span.set_attribute(key, "")


def _strip_queries(span: trace.Span, path: str) -> None:
    """Overwrite the URL attributes the instrumentations set with query-free ones."""
    attributes = getattr(span, "attributes", None) or {}
    for key in _URL_ATTRIBUTES:
        if key in attributes:
            span.set_attribute(key, _without_query(str(attributes[key])))
    for key in _TARGET_ATTRIBUTES:
        if key in attributes:
            span.set_attribute(key, path)
    for key in _QUERY_ATTRIBUTES:
        if key in attributes:
            span.set_attribute(key, "")


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]  # no user:password either
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
