"""A fake OpenTelemetry collector on 127.0.0.1 for end-to-end tests: it takes what the
processes' OTLP/HTTP exporters post to /v1/traces (protobuf, as a real collector would), and
keeps each span's service, ids, name and attributes for the tests to read."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from tests.http_stub import StubHandler, serving


@dataclass(frozen=True)
class CollectedSpan:
    service: str
    trace_id: str
    span_id: str
    parent_id: str  # "" for a trace's root
    name: str
    attributes: dict[str, Any]


@dataclass
class Collector:
    url: str = ""
    spans: list[CollectedSpan] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, request: ExportTraceServiceRequest) -> None:
        found = []
        for resource_spans in request.resource_spans:
            service = _attributes(resource_spans.resource.attributes).get("service.name", "")
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    found.append(
                        CollectedSpan(
                            service=str(service),
                            trace_id=span.trace_id.hex(),
                            span_id=span.span_id.hex(),
                            parent_id=span.parent_span_id.hex(),
                            name=span.name,
                            attributes=_attributes(span.attributes),
                        )
                    )
        with self._lock:
            self.spans.extend(found)

    def snapshot(self) -> list[CollectedSpan]:
        with self._lock:
            return list(self.spans)

    def wait_for(
        self, found: Callable[[list[CollectedSpan]], bool], timeout: float = 15
    ) -> list[CollectedSpan]:
        """The spans once `found(spans)` holds (the exporters send in batches)."""
        deadline = time.monotonic() + timeout
        while True:
            spans = self.snapshot()
            if found(spans) or time.monotonic() > deadline:
                return spans
            time.sleep(0.1)


def _attributes(items: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for item in items:
        kind = item.value.WhichOneof("value")
        values[item.key] = getattr(item.value, kind) if kind else None
    return values


@contextmanager
def otlp_collector() -> Iterator[Collector]:
    collector = Collector()

    class Handler(StubHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            if self.headers.get("content-encoding") == "gzip":
                body = gzip.decompress(body)
            if self.path != "/v1/traces":
                self.answer(404)
                return
            request = ExportTraceServiceRequest()
            request.ParseFromString(body)
            collector.add(request)
            answer = ExportTraceServiceResponse().SerializeToString()
            self.answer(200, answer, "application/x-protobuf")

    with serving(Handler) as url:
        collector.url = url
        yield collector
