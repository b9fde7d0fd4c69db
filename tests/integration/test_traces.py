"""Traces of customers' messages through the real web app (Rasa faked at the network edge):
one trace per message from the request or the socket through the hub and Rasa to the
database, its context handed to Rasa in the metadata, and nothing personal in any span."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from channels.rasa_client import RasaClient
from ops import spans
from ops.tracing import http_client_tracing, start_tracing
from tests.integration.test_hub_handoff import FakeRasa, fake_rasa
from tests.integration.trace_support import UNUSED_ENDPOINT, attribute_values, recorded_spans
from tests.integration.web_support import REST_AUTH, REST_TOKEN, web_client, web_settings
from tests.integration.widget_support import authenticated_socket, issue_token

__all__ = ["recorded_spans"]  # the fixture
TEXT = "Bonjour, je suis Camille Martin, camille.martin@example.fr, 06 12 34 56 78"
PERSONAL = ["Camille", "camille.martin@example.fr", "06 12 34 56 78", "Bonjour", REST_TOKEN]
URL = "/webhooks/rest/webhook"


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    with fake_rasa() as server:
        yield server


@pytest.fixture
def client(seeded_sqlite_url: str, rasa: FakeRasa, recorded_spans: Any) -> Iterator[TestClient]:
    with web_client(seeded_sqlite_url, rasa.url, otlp_endpoint=UNUSED_ENDPOINT) as client:
        recorded_spans.clear()  # the start's spans (none expected) are not the message's
        yield client


def named(spans_: list[ReadableSpan], name: str) -> ReadableSpan:
    [found] = [s for s in spans_ if s.name == name]
    return found


def parent_of(span: ReadableSpan, spans_: list[ReadableSpan]) -> ReadableSpan | None:
    if span.parent is None:
        return None
    return next(s for s in spans_ if s.context.span_id == span.parent.span_id)


def test_a_rest_message_is_one_trace_from_the_request_through_the_hub_and_rasa_to_the_database(
    client: TestClient, rasa: FakeRasa, recorded_spans: InMemorySpanExporter
) -> None:
    response = client.post(URL, json={"sender": "s-1", "message": TEXT}, headers=REST_AUTH)
    assert response.status_code == 200

    finished = list(recorded_spans.get_finished_spans())
    assert len({s.context.trace_id for s in finished}) == 1, [s.name for s in finished]
    request = next(s for s in finished if s.kind == trace.SpanKind.SERVER)
    assert request.name == f"POST {URL}" and request.parent is None
    hub = named(finished, "hub.inbound")
    assert parent_of(hub, finished) is request
    turn = named(finished, "rasa.turn")
    assert parent_of(turn, finished) is hub
    [rasa_call] = [s for s in finished if s.name == "POST" and s.kind == trace.SpanKind.CLIENT]
    assert parent_of(rasa_call, finished) is turn
    queries = [s for s in finished if (s.attributes or {}).get("db.system") == "sqlite"]
    assert len(queries) >= 3  # the message stored, the answer stored, the rate limits...
    assert any(parent_of(q, finished) is hub for q in queries)  # run in worker threads
    assert hub.attributes["pitlane.channel"] == "rest"
    assert hub.attributes["pitlane.route"] == "bot"
    assert hub.attributes["pitlane.outcome"] == "answered"
    assert isinstance(hub.attributes["pitlane.conversation_id"], int)
    assert request.attributes["http.route"] == URL
    assert request.attributes.get("net.peer.ip", "") == ""  # the client's address blanked


def test_the_metadata_rasa_receives_carries_the_turns_traceparent(
    client: TestClient, rasa: FakeRasa, recorded_spans: InMemorySpanExporter
) -> None:
    client.post(URL, json={"sender": "s-2", "message": "salut"}, headers=REST_AUTH)

    [(_, body)] = [(p, b) for p, b in rasa.requests if p.startswith("/webhooks")]
    version, trace_id, span_id, flags = body["metadata"]["traceparent"].split("-")
    turn = named(list(recorded_spans.get_finished_spans()), "rasa.turn")
    assert version == "00" and int(flags, 16) & 1  # sampled: the actions' spans are kept
    assert int(trace_id, 16) == turn.context.trace_id
    assert int(span_id, 16) == turn.context.span_id
    assert body["metadata"]["channel"] == "rest"  # the hub's metadata is still all there


def test_no_span_holds_the_message_text_contact_details_or_tokens(
    client: TestClient, recorded_spans: InMemorySpanExporter
) -> None:
    client.post(
        f"{URL}?token={REST_TOKEN}", json={"sender": "s-3", "message": TEXT}, headers=REST_AUTH
    )

    values = "\n".join(attribute_values(list(recorded_spans.get_finished_spans())))
    assert values  # something was recorded
    for secret in PERSONAL:
        assert secret not in values


def test_a_widget_socket_message_is_a_trace_of_its_own_rooted_at_the_hub(
    client: TestClient, recorded_spans: InMemorySpanExporter
) -> None:
    token = issue_token(client)
    with authenticated_socket(client, "/ws/chat", token) as socket:
        socket.receive_json()  # the history
        for text in ("premier message", "second message"):
            socket.send_json({"type": "message", "text": text})
            while socket.receive_json()["type"] != "done":
                pass

    hubs = [s for s in recorded_spans.get_finished_spans() if s.name == "hub.inbound"]
    assert len(hubs) == 2
    assert all(h.parent is None and h.attributes["pitlane.channel"] == "web" for h in hubs)
    assert hubs[0].context.trace_id != hubs[1].context.trace_id
    for hub in hubs:  # the Rasa round trip and the database work of each, in its trace
        same = [
            s
            for s in recorded_spans.get_finished_spans()
            if s.context.trace_id == hub.context.trace_id
        ]
        assert {"rasa.turn", "POST"} <= {s.name for s in same}
        assert any((s.attributes or {}).get("db.system") for s in same)


def test_probes_and_static_files_are_not_traced(
    client: TestClient, recorded_spans: InMemorySpanExporter
) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/static/widget.css").status_code in (200, 404)

    assert recorded_spans.get_finished_spans() == ()


def test_rasa_down_marks_the_round_trip_failed(
    seeded_sqlite_url: str, recorded_spans: InMemorySpanExporter
) -> None:
    with web_client(seeded_sqlite_url, otlp_endpoint=UNUSED_ENDPOINT) as client:
        client.post(URL, json={"sender": "s-4", "message": "salut"}, headers=REST_AUTH)

    finished = list(recorded_spans.get_finished_spans())
    assert named(finished, "rasa.turn").status.status_code == trace.StatusCode.ERROR
    assert named(finished, "hub.inbound").attributes["pitlane.outcome"] == "failed"


async def test_rasas_api_calls_are_traced_without_their_token(
    rasa: FakeRasa, recorded_spans: InMemorySpanExporter
) -> None:
    secret = "rasa-token-0123456789abcdef"
    client = RasaClient(rasa.url, 2.0, secret, trace_configs=http_client_tracing())
    await client.start()
    try:
        with spans.span("test.turn"):
            await client.record_event("web:visitor-1", {"event": "pause"})
    finally:
        await client.aclose()

    finished = list(recorded_spans.get_finished_spans())
    [call] = [s for s in finished if s.kind == trace.SpanKind.CLIENT]
    assert call.attributes  # the instrumentation recorded the call...
    assert all(secret not in value for value in attribute_values(finished))  # ...not the token
    assert rasa.requests  # and the call went through


def test_without_an_endpoint_the_app_and_its_rasa_client_are_not_instrumented(
    seeded_sqlite_url: str, rasa: FakeRasa, recorded_spans: InMemorySpanExporter
) -> None:
    settings = web_settings(seeded_sqlite_url, rasa.url)
    assert settings.otlp_endpoint is None
    assert start_tracing(settings, "pitlane-web", "test") is False
    with web_client(seeded_sqlite_url, rasa.url) as client:
        client.post(URL, json={"sender": "s-5", "message": "salut"}, headers=REST_AUTH)

    scopes = {s.instrumentation_scope.name for s in recorded_spans.get_finished_spans()}
    assert "pitlane" in scopes  # the hub's spans (a provider is installed in this process)...
    # ...but no request, HTTP client or FastAPI's own span (the engines' instrumentation is
    # process-wide: on here when an earlier test of this process started traces)
    assert scopes <= {"pitlane", "opentelemetry.instrumentation.sqlalchemy"}
