"""Two web apps (two replicas) on one database file and one Redis, each in its own
TestClient: what one replica publishes reaches the sockets held by the other."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest

from tests.integration.redis_support import redis_test_url, redis_unavailable, unique_prefix
from tests.integration.staff_web_support import ADMIN, ADVISOR, login, pending_request
from tests.integration.typing_support import request_of_widget
from tests.integration.web_support import REST_AUTH, REST_CLIENT, web_client
from tests.integration.widget_support import authenticated_socket, issue_token

pytestmark = pytest.mark.skipif(redis_unavailable() is not None, reason=str(redis_unavailable()))


@contextmanager
def two_replicas(database_url: str) -> Iterator[tuple[Any, Any]]:
    """Replicas A and B: one database, one Redis, one prefix (this test's own)."""
    shared = {"redis_url": redis_test_url(), "redis_prefix": unique_prefix()}
    with ExitStack() as stack:
        a = stack.enter_context(web_client(database_url, **shared))
        b = stack.enter_context(web_client(database_url, **shared))
        yield a, b


def next_frame(socket: Any, kind: str, field: str = "type") -> dict[str, Any]:
    for _ in range(20):
        frame = socket.receive_json()
        if frame.get(field) == kind:
            return frame
    raise AssertionError(f"no {kind} frame")


def test_both_replicas_are_ready_with_redis(seeded_sqlite_url: str) -> None:
    with two_replicas(seeded_sqlite_url) as (a, b):
        answers = [client.get("/readyz") for client in (a, b)]
    assert [r.status_code for r in answers] == [200, 200]
    assert answers[0].json().items() >= {"ready": True, "database": True, "shared": True}.items()


def test_redis_down_the_app_starts_and_says_it_is_not_ready(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url, redis_url="redis://127.0.0.1:1/0") as client:
        ready = client.get("/readyz")
        health = client.get("/healthz")
    assert ready.status_code == 503 and ready.json()["shared"] is False
    assert health.status_code == 200


def test_a_room_message_posted_on_one_replica_reaches_a_member_on_the_other(
    seeded_sqlite_url: str,
) -> None:
    with two_replicas(seeded_sqlite_url) as (a, b):
        headers = {"X-CSRF-Token": login(a, ADMIN)}
        room = a.post("/api/admin/rooms", json={"name": "Balades", "capacity": 3}, headers=headers)
        room_id = room.json()["id"]
        with authenticated_socket(b, "/ws/rooms", issue_token(b)) as alice:
            alice.receive_json()
            alice.send_json({"type": "join", "room_id": room_id, "name": "Alice"})
            next_frame(alice, "joined")
            with authenticated_socket(a, "/ws/rooms", issue_token(a)) as bob:
                bob.receive_json()
                bob.send_json({"type": "join", "room_id": room_id, "name": "Bob"})
                next_frame(bob, "joined")
                bob.send_json({"type": "post", "room_id": room_id, "text": "On part à 9 h"})
                to_alice = next_frame(alice, "message")
            a.delete(f"/api/admin/rooms/{room_id}", headers=headers)
            closed = next_frame(alice, "closed")

    assert to_alice["message"]["text"] == "On part à 9 h"
    assert to_alice["message"]["mine"] is False
    assert closed["room_id"] == room_id


def test_a_handoff_on_one_replica_shows_in_a_console_on_the_other_both_ways(
    seeded_sqlite_url: str,
) -> None:
    request_id = pending_request(seeded_sqlite_url, "Camille Martin", channel="rest")
    with two_replicas(seeded_sqlite_url) as (a, b):
        headers_b = {"X-CSRF-Token": login(b, ADVISOR)}
        headers_a = {"X-CSRF-Token": login(a, ADVISOR)}
        with b.websocket_connect("/ws/console") as console:
            first = next_frame(console, "queue")
            assert [r["id"] for r in first["requests"]] == [request_id]
            accepted = a.post(f"/api/handoffs/{request_id}/accept", headers=headers_a)
            assert accepted.status_code == 200, accepted.text
            for _ in range(20):  # the queue empties on B after the accept on A
                frame = console.receive_json()
                if frame["type"] == "queue" and frame["requests"] == []:
                    break
            else:
                raise AssertionError("the console on B never saw the accept made on A")
            sender = a.get(f"/api/handoffs/{request_id}").json()["external_id"]
            a.post(
                "/webhooks/rest/webhook",
                json={
                    "sender": sender.removeprefix(f"{REST_CLIENT}:"),
                    "message": "Vous êtes là ?",
                },
                headers=REST_AUTH,
            )
            for _ in range(20):  # the customer's message, sent through A, on B's console
                frame = console.receive_json()
                mine = [frame["request"]] if frame["type"] == "conversation" else []
                if any(r["transcript"][-1]["text"] == "Vous êtes là ?" for r in mine):
                    break
            else:
                raise AssertionError("the customer's message through A never reached B")
        sent = b.post(
            f"/api/handoffs/{request_id}/messages", json={"text": "Oui !"}, headers=headers_b
        )
    assert sent.status_code in (200, 201), sent.text


def test_typing_shows_across_replicas_both_ways(seeded_sqlite_url: str) -> None:
    """The customer's widget on B, the advisor's console on A: each sees the other typing."""
    with two_replicas(seeded_sqlite_url) as (a, b):
        headers = {"X-CSRF-Token": login(a, ADVISOR)}
        token = issue_token(b)
        with authenticated_socket(b, "/ws/chat", token) as widget:
            next_frame(widget, "history")
            request_id = request_of_widget(seeded_sqlite_url, token)
            assert a.post(f"/api/handoffs/{request_id}/accept", headers=headers).status_code == 200
            with a.websocket_connect("/ws/console") as console:
                next_frame(console, "mine")
                widget.send_json({"type": "typing", "state": "on"})
                to_advisor = next_frame(console, "typing")
                console.send_json({"type": "typing", "request_id": request_id, "state": "on"})
                to_customer = next_frame(widget, "typing")

    assert (to_advisor["request_id"], to_advisor["state"]) == (request_id, "on")
    assert (to_customer["author"], to_customer["state"]) == ("Sophie Moreau", "on")
