"""Two widget customers, A and B, each with a session issued by the app: B cannot reach A's
history, subscription, notification stream or uploads with anything the API offers (A's old
client_id in the URL, A's external id, a spent SSE ticket, a forged token). Also: the legacy
upgrade race (exactly one claim gets the old conversation, SQLite and PostgreSQL) and the
single use of a ticket under concurrency."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timezone

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.pool import NullPool

from core import widget_credentials as credentials
from core.conversations import get_or_create_conversation
from core.db import make_engine, make_session_factory
from core.manage import migrate
from core.uow import uow_factory
from tests.integration.staff_web_support import ADMIN, login
from tests.integration.web_support import closed_port, served_app, web_client, web_settings
from tests.integration.widget_support import (
    Visitor,
    authenticated_socket,
    customer_key,
    new_visitor,
)

LEGACY = "0b7e2c1a-5f0e-4c7e-9a43-2d7b9d1f6a10"


@pytest.fixture
def client(seeded_sqlite_url: str) -> Iterator[TestClient]:
    with web_client(seeded_sqlite_url) as client:
        yield client


def say(visitor: Visitor, text: str) -> None:
    with visitor.chat() as socket:
        socket.receive_json()
        socket.send_json({"type": "message", "text": text})
        while socket.receive_json()["type"] != "done":
            pass


def history_texts(visitor: Visitor) -> list[str]:
    with visitor.chat() as socket:
        return [m.get("text") for m in socket.receive_json()["messages"]]


def test_b_never_sees_a_history_with_its_own_token_nor_with_a_client_id_in_the_url(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    a, b = new_visitor(client), new_visitor(client)
    say(a, "secret de A : ma plaque AB-123-CD")
    a_key = customer_key(seeded_sqlite_url, a.token)

    seen_by_b = history_texts(b)
    with client.websocket_connect(f"/ws/chat?client_id={a_key}&lang=fr") as socket:
        socket.send_json({"type": "auth", "token": a_key})  # A's external id as a token
        by_external_id = socket.receive_json()

    assert "secret de A : ma plaque AB-123-CD" in history_texts(a)
    assert not any("AB-123-CD" in (text or "") for text in seen_by_b)
    assert by_external_id["code"] == "invalid_token"


def test_b_cannot_read_or_change_a_subscription(client: TestClient) -> None:
    a, b = new_visitor(client), new_visitor(client)
    say(a, "bonjour")
    client.post(
        "/api/widget/notifications/subscription", data={"subscribed": "0"}, headers=a.headers
    )

    b_state = client.get("/api/widget/notifications/subscription", headers=b.headers).json()
    anonymous = client.get(f"/api/widget/notifications/subscription?client_id={LEGACY}")
    forged = client.post(
        "/api/widget/notifications/subscription",
        data={"subscribed": "1", "client_id": LEGACY},
        headers={"Authorization": "Bearer forged-token-0123456789abcdef"},
    )
    a_state = client.get("/api/widget/notifications/subscription", headers=a.headers).json()

    assert a_state["opted_out"] is True
    assert b_state["opted_out"] is False
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "token_required"
    assert forged.status_code == 401 and forged.json()["error"]["code"] == "invalid_token"


def test_a_stream_ticket_opens_one_stream_once(seeded_sqlite_url: str) -> None:
    settings = web_settings(seeded_sqlite_url, f"http://127.0.0.1:{closed_port()}")
    with served_app(settings) as url, httpx.Client(base_url=url, timeout=10) as http:
        token = http.post("/api/widget/session").json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        ticket = http.post("/api/widget/notifications/stream-ticket", headers=auth).json()
        stream_url = f"/api/widget/notifications/stream?ticket={ticket['ticket']}"
        with http.stream("GET", stream_url) as first:
            first_status = first.status_code
            first_line = next(first.iter_lines())
        reused = http.get(stream_url)
        by_client_id = http.get(f"/api/widget/notifications/stream?client_id={LEGACY}")
        no_token = http.post("/api/widget/notifications/stream-ticket")

    assert ticket["expires_in"] == 60
    assert (first_status, first_line) == (200, "retry: 5000")
    assert reused.status_code == 401 and reused.json()["error"]["code"] == "invalid_ticket"
    assert by_client_id.status_code == 422  # no ticket: nothing opens
    assert no_token.status_code == 401


def test_b_cannot_upload_into_a_conversation_nor_read_a_file(client: TestClient) -> None:
    a, b = new_visitor(client), new_visitor(client)
    say(a, "bonjour")
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e226059b0000000049454e44ae426082"
    )
    files = [("file", ("a.png", png, "image/png"))]

    as_b = client.post("/api/chat/upload", files=files, headers=b.headers)  # B never chatted
    with_client_id = client.post("/api/chat/upload", files=files, data={"client_id": LEGACY})
    staff_file = client.get("/staff/attachments/1", follow_redirects=False)

    assert as_b.status_code == 404 and as_b.json()["error"]["code"] == "unknown_visitor"
    assert with_client_id.status_code == 401
    assert staff_file.status_code in (303, 401, 403)  # staff only


def test_the_rest_webhook_with_a_external_id_does_not_continue_a_conversation(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    a = new_visitor(client)
    say(a, "secret de A")
    a_key = customer_key(seeded_sqlite_url, a.token)

    client.post("/webhooks/rest/webhook", json={"sender": a_key, "message": "intrus"})

    assert "intrus" not in history_texts(a)  # another channel ("rest"): another conversation


def test_a_token_keeps_its_identity_and_the_same_token_is_answered(client: TestClient) -> None:
    a = new_visitor(client)
    again = client.post("/api/widget/session", headers=a.headers)
    forged = client.post(
        "/api/widget/session", headers={"Authorization": "Bearer forged-token-0123456789abcdef"}
    )

    assert again.status_code == 200 and again.json() == {"token": a.token, "new": False}
    assert forged.status_code == 201 and forged.json()["token"] != a.token


def test_a_legacy_id_is_upgraded_once_then_gives_a_fresh_identity(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    with authenticated_socket(client, "/ws/chat", new_visitor(client).token):
        pass
    uows = uow_factory(make_session_factory(make_engine(seeded_sqlite_url, poolclass=NullPool)))
    get_or_create_conversation(uows(), "web", LEGACY, "fr")

    first = client.post("/api/widget/session", json={"legacy_client_id": LEGACY}).json()
    second = client.post("/api/widget/session", json={"legacy_client_id": LEGACY}).json()
    bad = client.post("/api/widget/session", json={"legacy_client_id": "../etc"})

    assert first["upgraded"] is True and customer_key(seeded_sqlite_url, first["token"]) == LEGACY
    assert second["upgraded"] is False
    assert customer_key(seeded_sqlite_url, second["token"]) != LEGACY
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_legacy_client_id"


def test_two_concurrent_claims_of_a_legacy_id_give_it_to_exactly_one(db_url: str) -> None:
    migrate(db_url)
    engine = make_engine(db_url)
    uows = uow_factory(make_session_factory(engine))
    now = datetime.now(timezone.utc)
    get_or_create_conversation(uows(), "web", LEGACY, "fr")
    barrier = threading.Barrier(8)
    results: list[credentials.WidgetIdentity] = []

    def claim() -> None:
        barrier.wait()
        results.append(credentials.upgrade_legacy(uows(), LEGACY, now))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()

    assert len(results) == 8
    assert [r.external_id for r in results].count(LEGACY) == 1
    assert sum(r.upgraded for r in results) == 1
    assert len({r.external_id for r in results}) == 8


def test_a_ticket_used_by_two_streams_at_once_opens_only_one(db_url: str) -> None:
    migrate(db_url)
    engine = make_engine(db_url)
    uows = uow_factory(make_session_factory(engine))
    now = datetime.now(timezone.utc)
    identity = credentials.issue(uows(), now)
    ticket = credentials.issue_ticket(uows(), identity.token, now)
    barrier = threading.Barrier(6)
    results: list[str | None] = []

    def use() -> None:
        barrier.wait()
        results.append(credentials.consume_ticket(uows(), ticket, now))

    threads = [threading.Thread(target=use) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()

    assert results.count(identity.external_id) == 1 and results.count(None) == 5


def test_b_sees_neither_as_rooms_membership_nor_can_post_as_a(client: TestClient) -> None:
    """A joins a room; B's list says B is not in it, B cannot post in it without joining,
    and A's own list (same token, new socket) still says A is in."""
    headers = {"X-CSRF-Token": login(client, ADMIN)}
    room = client.post("/api/admin/rooms", json={"name": "Trail", "capacity": 5}, headers=headers)
    room_id = room.json()["id"]
    a, b = new_visitor(client), new_visitor(client)
    with a.rooms() as socket:
        socket.receive_json()
        socket.send_json({"type": "join", "room_id": room_id, "name": "Alice"})
        assert next_frame(socket, "joined")["room"]["id"] == room_id

    with b.rooms() as socket:
        [listed] = [r for r in socket.receive_json()["rooms"] if r["id"] == room_id]
        socket.send_json({"type": "post", "room_id": room_id, "text": "je suis Alice"})
        refused = next_frame(socket, "error")
    with a.rooms() as socket:
        [mine] = [r for r in socket.receive_json()["rooms"] if r["id"] == room_id]

    assert (listed["joined"], listed["members"]) == (False, 1)
    assert refused["type"] == "error"
    assert mine["joined"] is True
    stored = client.get(f"/api/admin/rooms/{room_id}/messages", headers=headers)
    assert stored.status_code == 200 and "je suis Alice" not in stored.text


def next_frame(socket, kind: str) -> dict:
    """The next frame of type `kind` (room lists and other frames in between skipped)."""
    for _ in range(20):
        frame = socket.receive_json()
        if frame.get("type") == kind:
            return frame
    raise AssertionError(f"no {kind} frame")
