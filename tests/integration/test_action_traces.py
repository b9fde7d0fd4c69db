"""The action server runs each action in a span of the trace its customer message carries
(the hub's `traceparent` in the message metadata), its database work nested under it; a
malformed or missing `traceparent` only starts a trace of the action's own. The real
rasa-sdk app, built as `python -m actions.serve` builds it, called over ASGI."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sanic import Sanic

from actions.serve import TOKEN_HEADER, ActionServerSettings, serving_app
from tests.integration.actions_kit import DOMAIN, WEB_VISITOR, message_tracker
from tests.integration.trace_support import UNUSED_ENDPOINT, recorded_spans

__all__ = ["recorded_spans"]  # the fixture
TOKEN = "action-token-0123456789abcdef"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
# Sanic warns that rasa-sdk's start listener runs early under ASGI: harmless here.
pytestmark = pytest.mark.filterwarnings("ignore:You have set a listener:UserWarning")


@pytest.fixture
async def actions(
    seeded_sqlite_url: str, monkeypatch: pytest.MonkeyPatch, recorded_spans: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """rasa-sdk's app on the seeded database, its ASGI lifespan started."""
    monkeypatch.setenv("PITLANE_DATABASE_URL", seeded_sqlite_url)  # the actions' context
    # Sanic refuses a second app of a name ("rasa_sdk"): this test's app registers in a
    # registry of its own, dropped after it (test_error_reports.py builds one too)
    monkeypatch.setattr(Sanic, "_app_registry", {})
    monkeypatch.setattr(Sanic, "test_mode", True)  # and each test's app starts afresh
    settings = ActionServerSettings(
        _env_file=None, action_server_token=TOKEN, otlp_endpoint=UNUSED_ENDPOINT
    )
    app = serving_app(settings)
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await inbox.put({"type": "lifespan.startup"})
    lifespan = asyncio.create_task(app({"type": "lifespan"}, inbox.get, outbox.put))
    assert (await asyncio.wait_for(outbox.get(), 10))["type"] == "lifespan.startup.complete"
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://actions") as client:
            yield client
    finally:
        lifespan.cancel()


def action_call(metadata: dict[str, Any]) -> dict[str, Any]:
    tracker = message_tracker("/find_agency", intent="find_agency", metadata=metadata)
    return {
        "next_action": "action_find_agency",
        "sender_id": tracker.sender_id,
        "tracker": tracker.current_state(),
        "domain": DOMAIN,
        "version": "3.6.0",
    }


async def run_action(client: httpx.AsyncClient, metadata: dict[str, Any]) -> httpx.Response:
    return await client.post("/webhook", json=action_call(metadata), headers={TOKEN_HEADER: TOKEN})


def action_span(spans: tuple[ReadableSpan, ...]) -> ReadableSpan:
    [found] = [s for s in spans if s.name == "action action_find_agency"]
    return found


async def test_an_action_runs_in_the_trace_its_message_metadata_carries(
    actions: httpx.AsyncClient, recorded_spans: InMemorySpanExporter
) -> None:
    traceparent = f"00-{TRACE_ID}-{PARENT_ID}-01"

    response = await run_action(actions, {**WEB_VISITOR, "traceparent": traceparent})

    assert response.status_code == 200
    assert response.json()["responses"]  # the agencies were listed
    finished = recorded_spans.get_finished_spans()
    span = action_span(finished)
    assert span.kind == trace.SpanKind.SERVER
    assert format(span.context.trace_id, "032x") == TRACE_ID
    assert span.parent is not None and format(span.parent.span_id, "016x") == PARENT_ID
    assert span.attributes["pitlane.action"] == "action_find_agency"
    assert span.resource.attributes["service.name"]  # the process's resource
    queries = [s for s in finished if (s.attributes or {}).get("db.system") == "sqlite"]
    assert queries, "the agencies' query was not traced"
    assert all(q.parent and q.parent.span_id == span.context.span_id for q in queries)


@pytest.mark.parametrize(
    "traceparent",
    [
        "garbage",
        f"00-{TRACE_ID}-{PARENT_ID}",  # no flags
        f"00-{'0' * 32}-{PARENT_ID}-01",  # an invalid (all zero) trace id
        f"ff-{TRACE_ID}-{PARENT_ID}-01",  # a forbidden version
        f"00-{TRACE_ID.upper()}-{PARENT_ID}-01",  # upper case is not W3C
        {"nested": "dict"},
        "x" * 10_000,
    ],
)
async def test_a_malformed_traceparent_is_ignored_and_the_action_still_runs(
    actions: httpx.AsyncClient, recorded_spans: InMemorySpanExporter, traceparent: Any
) -> None:
    response = await run_action(actions, {**WEB_VISITOR, "traceparent": traceparent})

    assert response.status_code == 200
    span = action_span(recorded_spans.get_finished_spans())
    assert span.parent is None  # a trace of its own
    assert format(span.context.trace_id, "032x") != TRACE_ID


async def test_a_refused_call_opens_no_span(
    actions: httpx.AsyncClient, recorded_spans: InMemorySpanExporter
) -> None:
    response = await actions.post("/webhook", json=action_call(WEB_VISITOR))

    assert response.status_code == 401
    assert not [s for s in recorded_spans.get_finished_spans() if s.name.startswith("action")]
