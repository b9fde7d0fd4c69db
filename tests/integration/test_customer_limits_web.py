"""Customers' rate limits through the real app: the widget socket, the REST webhook, the
widget's uploads and its subscription switch (issue 14, item 7). Over a limit nothing is
stored and nothing reaches Rasa; the answer says so in the customer's language."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select
from sqlalchemy.pool import NullPool

from core.models import Conversation, NotificationSubscription
from tests.integration.test_hub_handoff import FakeRasa, fake_rasa
from tests.integration.test_widget_upload import PNG
from tests.integration.web_support import (
    REST_AUTH,
    served_app,
    stored_messages,
    web_client,
    web_settings,
)
from tests.integration.widget_support import authenticated_socket, bearer, issue_token

LIMITS = {
    "limit_messages_per_sender": 3,
    "limit_messages_per_ip": 5,
    "limit_uploads_per_sender": 1,
    "limit_uploads_per_ip": 10,
    "limit_subscription_changes_per_sender": 2,
    "limit_subscription_changes_per_ip": 10,
}


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    with fake_rasa() as server:
        yield server


@pytest.fixture
def client(seeded_sqlite_url: str, rasa: FakeRasa, tmp_path: Path) -> Iterator[TestClient]:
    uploads = str(tmp_path / "uploads")
    with web_client(seeded_sqlite_url, rasa.url, upload_dir=uploads, **LIMITS) as client:
        yield client


@pytest.fixture
def token(client: TestClient) -> str:
    """The widget credential of the visitor these tests follow."""
    return issue_token(client)


def chat(client: TestClient, socket: Any, text: str) -> list[dict[str, Any]]:
    """One message frame; the frames answering it (up to 'done', or the one error frame)."""
    socket.send_json({"type": "message", "text": text})
    frames = []
    while True:
        frame = socket.receive_json()
        if frame["type"] in ("done", "error"):
            return frames + ([frame] if frame["type"] == "error" else [])
        frames.append(frame)


def inbound_texts(url: str) -> list[str]:
    return [m.text for m in stored_messages(url) if m.direction == "in"]


def count_rows(url: str, model: Any) -> int:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(model)).scalar_one()
    finally:
        engine.dispose()


# ------------------------------------------------------------------ widget socket
def test_the_widget_gets_its_limit_then_an_error_frame_saying_the_message_was_not_stored(
    client: TestClient, token: str, rasa: FakeRasa, seeded_sqlite_url: str
) -> None:
    with authenticated_socket(client, "/ws/chat", token, "fr") as socket:
        socket.receive_json()
        answered = [chat(client, socket, f"message {i}") for i in range(3)]
        [refused] = chat(client, socket, "message 3")
        [again] = chat(client, socket, "message 4")

    assert [frames[0]["text"] for frames in answered] == [f"bot: message {i}" for i in range(3)]
    assert refused["code"] == again["code"] == "rate_limited"
    assert "n'a pas été enregistré" in refused["message"]
    assert 1 <= refused["retry_after"] <= 60
    assert rasa.messages == ["message 0", "message 1", "message 2"]
    assert inbound_texts(seeded_sqlite_url) == ["message 0", "message 1", "message 2"]


def test_one_ip_is_limited_across_widget_visitors_and_says_it_in_english(
    client: TestClient, token: str, rasa: FakeRasa
) -> None:
    with authenticated_socket(client, "/ws/chat", token, "en") as first:
        first.receive_json()
        for i in range(3):
            chat(client, first, f"a{i}")
    with authenticated_socket(client, "/ws/chat", issue_token(client), "en") as second:
        second.receive_json()
        chat(client, second, "b0")
        chat(client, second, "b1")
        [refused] = chat(client, second, "b2")  # the sixth message of this IP

    assert refused["code"] == "rate_limited"
    assert refused["message"].startswith("You are sending too many messages")
    assert "b2" not in rasa.messages and len(rasa.messages) == 5


# ------------------------------------------------------------------ REST webhook
def test_the_rest_webhook_answers_429_with_retry_after_and_stores_nothing_over_the_limit(
    client: TestClient, rasa: FakeRasa, seeded_sqlite_url: str
) -> None:
    body = {"sender": "shop-42", "metadata": {"language": "en"}}
    statuses = [
        client.post(
            "/webhooks/rest/webhook", json={**body, "message": f"m{i}"}, headers=REST_AUTH
        ).status_code
        for i in range(3)
    ]
    refused = client.post(
        "/webhooks/rest/webhook", json={**body, "message": "m3"}, headers=REST_AUTH
    )

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    error = refused.json()["error"]
    assert error["code"] == "rate_limited"
    assert error["message"].startswith("You are sending too many messages")
    assert "not saved" in error["message"]
    assert rasa.messages == ["m0", "m1", "m2"]
    assert inbound_texts(seeded_sqlite_url) == ["m0", "m1", "m2"]


# ------------------------------------------------------------------ uploads
def visit(client: TestClient, token: str) -> None:
    with authenticated_socket(client, "/ws/chat", token, "fr") as socket:
        socket.receive_json()


def test_an_upload_over_the_limit_is_refused_and_nothing_is_written(
    client: TestClient, token: str, rasa: FakeRasa, tmp_path: Path
) -> None:
    visit(client, token)
    files = [("file", ("a.png", PNG, "image/png"))]
    first = client.post("/api/chat/upload", files=files, headers=bearer(token))
    refused = client.post("/api/chat/upload", files=files, headers=bearer(token))

    assert first.status_code == 200
    assert refused.status_code == 429
    assert refused.headers["retry-after"].isdigit()
    assert refused.headers["access-control-allow-origin"] == "*"
    assert refused.json()["error"]["code"] == "rate_limited"
    assert refused.json()["error"]["message"].startswith("Trop de photos")
    assert len(rasa.messages) == 1
    assert len(list((tmp_path / "uploads").rglob("*.*"))) == 1


# ------------------------------------------------------------------ subscription switch
def switch(client: TestClient, token: str, subscribed: str, **headers: str):
    data = {"subscribed": subscribed, "lang": "fr"}
    headers = {**headers, **bearer(token)}
    return client.post("/api/widget/notifications/subscription", data=data, headers=headers)


def read_switch(client: TestClient, token: str) -> dict[str, Any]:
    return client.get("/api/widget/notifications/subscription", headers=bearer(token)).json()


def test_subscription_changes_over_the_limit_are_refused_and_change_nothing(
    client: TestClient, token: str
) -> None:
    assert switch(client, token, "1").status_code == 200
    assert switch(client, token, "0").json() == {"subscribed": False, "opted_out": True}
    refused = switch(client, token, "1")

    assert refused.status_code == 429
    assert refused.json()["error"]["message"].startswith("Trop de changements")
    assert read_switch(client, token) == {"subscribed": False, "opted_out": True}


def test_reading_the_switch_of_unknown_visitors_writes_no_row(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    before = (
        count_rows(seeded_sqlite_url, Conversation),
        count_rows(seeded_sqlite_url, NotificationSubscription),
    )
    for _ in range(20):
        assert read_switch(client, issue_token(client)) == {"subscribed": False, "opted_out": False}

    after = (
        count_rows(seeded_sqlite_url, Conversation),
        count_rows(seeded_sqlite_url, NotificationSubscription),
    )
    assert after == before


def test_a_known_visitors_switch_is_read_as_it_was_set(client: TestClient, token: str) -> None:
    switch(client, token, "1")
    assert read_switch(client, token) == {"subscribed": True, "opted_out": False}


# ------------------------------------------------------------------ Origin
def test_a_cross_origin_page_cannot_opt_a_customer_out(client: TestClient, token: str) -> None:
    assert switch(client, token, "1").status_code == 200

    for origin in ("https://evil.example", "null", "http://testserver.evil.example"):
        refused = switch(client, token, "0", origin=origin)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "forbidden_origin"
        assert refused.json()["error"]["message"].startswith("Cette demande vient d'un site")

    assert read_switch(client, token) == {"subscribed": True, "opted_out": False}


def test_the_apps_own_origin_may_change_the_switch(client: TestClient, token: str) -> None:
    answer = switch(client, token, "0", origin="http://testserver")
    assert answer.status_code == 200 and answer.json()["opted_out"] is True


def test_a_configured_widget_site_may_change_the_switch(
    seeded_sqlite_url: str, rasa: FakeRasa
) -> None:
    origins = "https://www.dealer.example, https://dealer.example/"
    with web_client(seeded_sqlite_url, rasa.url, widget_origins=origins) as client:
        token = issue_token(client)
        allowed = switch(client, token, "0", origin="https://dealer.example")
        refused = switch(client, token, "1", origin="https://other.example")
    assert allowed.status_code == 200 and refused.status_code == 403


def test_cross_origin_uploads_and_rest_messages_are_refused_and_store_nothing(
    client: TestClient, token: str, rasa: FakeRasa, seeded_sqlite_url: str, tmp_path: Path
) -> None:
    visit(client, token)
    evil = {"origin": "https://evil.example"}
    upload = client.post(
        "/api/chat/upload",
        files=[("file", ("a.png", PNG, "image/png"))],
        headers={**evil, **bearer(token)},
    )
    rest = client.post(
        "/webhooks/rest/webhook",
        content=b'{"sender": "shop-1", "message": "hello"}',
        headers={**evil, **REST_AUTH, "content-type": "text/plain"},
    )

    assert (upload.status_code, rest.status_code) == (403, 403)
    assert rasa.messages == []
    assert inbound_texts(seeded_sqlite_url) == []
    assert not (tmp_path / "uploads").exists() or not list((tmp_path / "uploads").rglob("*.*"))


# ------------------------------------------------------------------ concurrency
def test_twelve_concurrent_rest_messages_of_one_sender_let_exactly_the_limit_through(
    migrated_url: str, rasa: FakeRasa
) -> None:
    """Real concurrent HTTP requests to uvicorn, on SQLite and PostgreSQL: the database
    decides, so exactly the limit is answered and stored, the rest get 429."""
    settings = web_settings(
        migrated_url, rasa.url, limit_messages_per_sender=4, limit_messages_per_ip=1000
    )
    barrier = threading.Barrier(12)
    statuses: list[int] = []

    def send(base: str, i: int) -> None:
        barrier.wait()
        body = {"sender": "racer", "message": f"r{i}"}
        statuses.append(
            httpx.post(
                f"{base}/webhooks/rest/webhook", json=body, headers=REST_AUTH, timeout=30
            ).status_code
        )

    with served_app(settings) as base:
        threads = [threading.Thread(target=send, args=(base, i)) for i in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert sorted(statuses) == [200] * 4 + [429] * 8
    assert len(rasa.messages) == 4
    assert len(inbound_texts(migrated_url)) == 4


# ------------------------------------------------------------------ widget sessions
def test_new_widget_credentials_are_limited_per_ip_and_the_refusal_writes_nothing(
    seeded_sqlite_url: str, rasa: FakeRasa
) -> None:
    from core.models import WidgetCredential

    with web_client(seeded_sqlite_url, rasa.url, limit_sessions_per_ip=3) as client:
        tokens = [issue_token(client) for _ in range(3)]
        refused = client.post("/api/widget/session", headers={"accept-language": "en"})
        still_known = client.post("/api/widget/session", headers=bearer(tokens[0]))

    assert refused.status_code == 429
    assert refused.headers["retry-after"].isdigit()
    assert refused.json()["error"]["code"] == "rate_limited"
    assert refused.json()["error"]["message"].startswith("Too many new conversations")
    assert count_rows(seeded_sqlite_url, WidgetCredential) == 3
    # a widget that already holds its credential is confirmed, not counted
    assert still_known.status_code == 200 and still_known.json()["token"] == tokens[0]
