"""The web app's GET /metrics (webapp/metrics.py): refused without Prometheus's token, and the
counters, histograms and gauges of ops/metrics.py moving with real traffic: widget messages
answered by a fake Rasa on 127.0.0.1, Rasa down or too slow, a handoff queued and accepted,
deliveries through a push channel, the open widget socket, the database pool."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient

from channels.bus import Bus
from core import conversations, handoff
from hub.advisor import accept_request
from hub.deps import HubDeps
from hub.messages import OutgoingMessage
from hub.outbound import Destination, send_out
from hub.ports import PermanentSendError
from tests.integration.metrics_support import METRICS_AUTH, METRICS_TOKEN, value
from tests.integration.test_hub_handoff import REQUEST, fake_rasa, new_advisor
from tests.integration.test_outbound import NoBrain, ScriptedSender
from tests.integration.web_support import local_http_server, web_client
from tests.integration.widget_support import authenticated_socket, issue_token


@contextmanager
def metered_client(database_url: str, rasa_url: str | None = None) -> Iterator[TestClient]:
    with web_client(database_url, rasa_url, metrics_token=METRICS_TOKEN) as client:
        yield client


def scrape(client: TestClient) -> str:
    response = client.get("/metrics", headers=METRICS_AUTH)
    assert response.status_code == 200, response.text
    return response.text


def moved(before: str, after: str, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def say(client: TestClient, token: str, *texts: str) -> list[dict[str, Any]]:
    """Send each text on an authenticated widget socket; the frames answered."""
    frames = []
    with authenticated_socket(client, "/ws/chat", token) as socket:
        socket.receive_json()  # history
        for text in texts:
            socket.send_json({"type": "message", "text": text})
            while (frame := socket.receive_json())["type"] != "done":
                frames.append(frame)
    return frames


# ------------------------------------------------------------------ who may read them


def test_without_a_metrics_token_the_metrics_are_not_served(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url) as client:
        assert client.get("/metrics", headers=METRICS_AUTH).status_code == 404


@pytest.mark.parametrize(
    ("headers", "status", "error"),
    [
        ({}, 401, "missing_metrics_token"),
        ({"Authorization": "Bearer not-the-metrics-token-0123"}, 403, "wrong_metrics_token"),
        ({"Authorization": f"Token {METRICS_TOKEN}"}, 401, "missing_metrics_token"),
    ],
)
def test_the_metrics_need_the_bearer_token(seeded_sqlite_url, headers, status, error) -> None:
    with metered_client(seeded_sqlite_url) as client:
        response = client.get("/metrics", headers=headers)
    assert (response.status_code, response.json()) == (status, {"error": error})


def test_the_metrics_are_served_in_prometheus_text_format(seeded_sqlite_url: str) -> None:
    with metered_client(seeded_sqlite_url) as client:
        response = client.get("/metrics", headers=METRICS_AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert response.headers["cache-control"] == "no-store"
    assert "# TYPE pitlane_messages_received_total counter" in response.text


# ------------------------------------------------------------------ traffic


def test_a_widget_message_answered_by_rasa_moves_the_counters(seeded_sqlite_url: str) -> None:
    with fake_rasa() as rasa, metered_client(seeded_sqlite_url, rasa.url) as client:
        token = issue_token(client)
        before = scrape(client)
        with authenticated_socket(client, "/ws/chat", token) as socket:
            socket.receive_json()
            during = scrape(client)
            socket.send_json({"type": "message", "text": "Bonjour"})
            assert socket.receive_json()["text"] == "bot: Bonjour"
        after = scrape(client)

    web = {"channel": "web"}
    assert moved(before, after, "pitlane_messages_received_total", **web, outcome="answered") == 1
    assert moved(before, after, "pitlane_messages_sent_total", **web, kind="reply") == 1
    assert moved(before, after, "pitlane_rasa_requests_total", outcome="ok") == 1
    assert moved(before, after, "pitlane_rasa_request_duration_seconds_count") == 1
    assert moved(before, during, "pitlane_connections_open", kind="widget_socket") == 1
    assert moved(before, after, "pitlane_connections_open", kind="widget_socket") == 0
    # the session POST and the scrapes in between, all answered 2xx
    assert moved(before, after, "pitlane_http_requests_total", method="GET", status="2xx") >= 2


def test_rasa_down_counts_an_error_and_a_message_the_bot_could_not_answer(
    seeded_sqlite_url: str,
) -> None:
    with metered_client(seeded_sqlite_url) as client:  # Rasa on a closed port
        token = issue_token(client)
        before = scrape(client)
        say(client, token, "Bonjour")
        after = scrape(client)

    labels = {"channel": "web", "outcome": "bot_unavailable"}
    assert moved(before, after, "pitlane_messages_received_total", **labels) == 1
    assert moved(before, after, "pitlane_rasa_requests_total", outcome="error") == 1
    assert (
        moved(before, after, "pitlane_messages_received_total", channel="web", outcome="answered")
        == 0
    )


def test_a_slow_rasa_counts_a_timeout_in_the_latency_histogram(seeded_sqlite_url: str) -> None:
    answer = [{"recipient_id": "x", "text": "trop tard"}]
    # the app waits 1 s for Rasa (tests' web_settings); this one answers after 1.5 s
    with (
        local_http_server(answer, delay=1.5) as (url, _),
        metered_client(seeded_sqlite_url, url) as client,
    ):
        token = issue_token(client)
        before = scrape(client)
        say(client, token, "Bonjour")
        after = scrape(client)

    assert moved(before, after, "pitlane_rasa_requests_total", outcome="timeout") == 1
    name = "pitlane_rasa_request_duration_seconds_bucket"
    assert moved(before, after, name, le="0.5") == 0
    assert moved(before, after, name, le="1.5") == 1  # timed out at 1 s
    assert moved(before, after, name, le="+Inf") == 1


def test_a_queued_handoff_shows_in_the_queue_and_its_wait_once_accepted(
    seeded_sqlite_url: str,
) -> None:
    with fake_rasa() as rasa, metered_client(seeded_sqlite_url, rasa.url) as client:
        rasa.answers = {"je veux un conseiller": REQUEST}
        hub: HubDeps = client.app.state.hub
        advisor_id = new_advisor(hub.uow_factory, hub.now())
        token = issue_token(client)
        before = scrape(client)
        say(client, token, "je veux un conseiller")
        queued = scrape(client)
        [pending] = handoff.pending_queue(hub.uow_factory())
        client.portal.call(accept_request, hub, pending.id, advisor_id)
        accepted = scrape(client)
        say(client, token, "Bonjour, vous êtes là ?")  # goes to the advisor, not to Rasa
        advised = scrape(client)

    assert moved(before, queued, "pitlane_handoff_requests_total", channel="web") == 1
    assert (
        value(queued, "pitlane_handoff_queue_length")
        == value(before, "pitlane_handoff_queue_length") + 1
    )
    assert value(queued, "pitlane_handoff_oldest_wait_seconds") >= 0
    assert value(accepted, "pitlane_handoff_queue_length") == value(
        before, "pitlane_handoff_queue_length"
    )
    assert moved(queued, accepted, "pitlane_handoff_wait_seconds_count") == 1
    assert moved(queued, accepted, "pitlane_handoff_wait_seconds_bucket", le="5.0") == 1
    labels = {"channel": "web", "outcome": "to_advisor"}
    assert moved(accepted, advised, "pitlane_messages_received_total", **labels) == 1
    assert moved(accepted, advised, "pitlane_rasa_requests_total", outcome="ok") == 0


def test_the_pool_collector_reports_the_apps_database_pool(seeded_sqlite_url: str) -> None:
    with metered_client(seeded_sqlite_url) as client:
        text = scrape(client)
    # a file SQLite database: SQLAlchemy's QueuePool of 5 connections
    assert value(text, "pitlane_db_pool_connections_size") >= 5
    assert "pitlane_db_pool_connections_checked_out" in text
    assert value(text, "pitlane_db_pool_connections_checked_in") >= 1  # the queue's query


# ------------------------------------------------------------------ deliveries (push channels)


def test_deliveries_through_a_push_channel_count_delivered_and_failed(
    uow_factory, add_conversation, seeded_sqlite_url: str
) -> None:
    sender = ScriptedSender(channel="telegram", failures=[PermanentSendError("blocked")])
    deps = HubDeps(
        uow_factory=uow_factory, brain=NoBrain(), bus=Bus(), senders={"telegram": sender}
    )
    conversation_id = add_conversation("telegram", "4242")
    to = Destination(conversation_id, "telegram", "4242")
    with metered_client(seeded_sqlite_url) as client:
        before = scrape(client)
        for text in ("Votre moto est prête", "Votre moto est prête (bis)"):
            asyncio.run(send_out(deps, to, OutgoingMessage(text=text), proactive=True))
        after = scrape(client)

    telegram = {"channel": "telegram"}
    assert moved(before, after, "pitlane_deliveries_total", **telegram, outcome="failed") == 1
    assert moved(before, after, "pitlane_deliveries_total", **telegram, outcome="delivered") == 1
    assert moved(before, after, "pitlane_messages_sent_total", **telegram, kind="proactive") == 2
    statuses = [m.status for m in conversations.transcript(uow_factory(), conversation_id)]
    assert statuses[-2:] == ["failed", "sent"]
