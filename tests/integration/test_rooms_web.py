"""Rooms and notifications through the web app: admin API and pages (role admin only), the
widget's rooms socket, and the scheduled dispatch with a controlled clock."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest

from core import notifications
from hub.offers import dispatch_due_notifications
from tests.integration.staff_web_support import ADMIN, ADVISOR, login, units_of_work
from tests.integration.web_support import web_client
from tests.integration.widget_support import authenticated_socket, issue_token

ADMIN_ROUTES = [
    ("GET", "/api/admin/rooms", None),
    ("POST", "/api/admin/rooms", {"name": "Trail", "capacity": 5}),
    ("PATCH", "/api/admin/rooms/1", {"name": "Piste"}),
    ("DELETE", "/api/admin/rooms/1", None),
    ("GET", "/api/admin/rooms/1/members", None),
    ("GET", "/api/admin/rooms/1/messages", None),
    ("DELETE", "/api/admin/rooms/1/messages/1", None),
    ("POST", "/api/admin/rooms/1/bans", {"member_id": 1}),
    ("GET", "/api/admin/notifications", None),
    ("POST", "/api/admin/notifications", {"title": "Promo", "body": "-10 %"}),
    ("POST", "/api/admin/notifications/preview", {"title": "Promo", "body": "-10 %"}),
    ("POST", "/api/admin/notifications/1/cancel", None),
]
ADMIN_PAGES = ["/staff/admin/rooms", "/staff/admin/rooms/1", "/staff/admin/notifications"]


def visitor() -> str:
    return str(uuid.uuid4())


def customer_rooms(client, token: str | None = None):
    """The rooms socket of a widget (a new one unless `token`), authenticated."""
    return authenticated_socket(client, "/ws/rooms", token or issue_token(client))


@contextmanager
def rooms_socket(client) -> Iterator:
    """A new visitor's rooms socket, past its first room list."""
    with customer_rooms(client) as socket:
        socket.receive_json()
        yield socket


def admin_room(client, name: str, capacity: int = 3) -> tuple[dict[str, str], int]:
    """Sign in as the admin and create a room: (the CSRF headers, the room's id)."""
    headers = {"X-CSRF-Token": login(client, ADMIN)}
    answer = client.post(
        "/api/admin/rooms", json={"name": name, "capacity": capacity}, headers=headers
    )
    return headers, answer.json()["id"]


def test_admin_routes_refuse_customers_and_advisors(seeded_sqlite_url) -> None:
    with web_client(seeded_sqlite_url) as client:
        anonymous = [client.request(m, p, json=b).status_code for m, p, b in ADMIN_ROUTES]
        pages = [client.get(p, follow_redirects=False).status_code for p in ADMIN_PAGES]
        csrf = login(client, ADVISOR)
        headers = {"X-CSRF-Token": csrf}
        advisor = [
            client.request(m, p, json=b, headers=headers).status_code for m, p, b in ADMIN_ROUTES
        ]
        advisor_pages = [client.get(p).status_code for p in ADMIN_PAGES]

    assert anonymous == [401] * len(ADMIN_ROUTES)
    assert pages == [303] * len(ADMIN_PAGES)  # to the sign-in form
    assert advisor == [403] * len(ADMIN_ROUTES)
    assert advisor_pages == [403] * len(ADMIN_PAGES)


def test_a_room_created_by_an_admin_is_joined_and_talked_in_live(seeded_sqlite_url) -> None:
    with web_client(seeded_sqlite_url) as client:
        headers = {"X-CSRF-Token": login(client, ADMIN)}
        created = client.post(
            "/api/admin/rooms",
            json={"name": "Balades", "capacity": 2, "description": "Sorties du dimanche"},
            headers=headers,
        )
        room_id = created.json()["id"]
        alice_id, bob_id = issue_token(client), issue_token(client)
        with customer_rooms(client, alice_id) as alice:
            listed = alice.receive_json()
            alice.send_json({"type": "join", "room_id": room_id, "name": "Alice"})
            joined = _next(alice, "joined")
            with customer_rooms(client, bob_id) as bob:
                bob.receive_json()
                bob.send_json({"type": "join", "room_id": room_id, "name": "Bob"})
                _next(bob, "joined")
                bob.send_json({"type": "post", "room_id": room_id, "text": "<img src=x>"})
                to_alice = _next(alice, "message")
                to_bob = _next(bob, "message")
        members = client.get(f"/api/admin/rooms/{room_id}/members").json()

    assert created.status_code == 201
    assert listed["rooms"][0]["name"] == "Balades" and listed["rooms"][0]["members"] == 0
    assert joined["room"]["members"] == 1
    assert to_alice["message"]["text"] == "<img src=x>"
    assert (to_alice["message"]["mine"], to_bob["message"]["mine"]) == (False, True)
    assert "conversation_id" not in to_alice["message"]
    assert [m["display_name"] for m in members] == ["Alice", "Bob"]


def test_a_full_room_refuses_a_third_customer_over_the_socket(seeded_sqlite_url) -> None:
    with web_client(seeded_sqlite_url) as client:
        headers = {"X-CSRF-Token": login(client, ADMIN)}
        room_id = client.post(
            "/api/admin/rooms", json={"name": "Petit", "capacity": 1}, headers=headers
        ).json()["id"]
        with customer_rooms(client) as first:
            first.receive_json()
            first.send_json({"type": "join", "room_id": room_id, "name": "Alice"})
            _next(first, "joined")
        with customer_rooms(client) as second:
            second.receive_json()
            second.send_json({"type": "join", "room_id": room_id, "name": "Bob"})
            refused = _next(second, "error")

    assert refused["code"] == "room_full"


def test_deleting_a_room_tells_its_members_and_refuses_their_messages(seeded_sqlite_url) -> None:
    with web_client(seeded_sqlite_url) as client:
        headers = {"X-CSRF-Token": login(client, ADMIN)}
        room_id = client.post(
            "/api/admin/rooms", json={"name": "Éphémère", "capacity": 3}, headers=headers
        ).json()["id"]
        with customer_rooms(client) as alice:
            alice.receive_json()
            alice.send_json({"type": "join", "room_id": room_id, "name": "Alice"})
            _next(alice, "joined")
            deleted = client.delete(f"/api/admin/rooms/{room_id}", headers=headers)
            closed = _next(alice, "closed")
            alice.send_json({"type": "post", "room_id": room_id, "text": "il y a quelqu'un ?"})
            refused = _next(alice, "error")
        history = client.get(f"/api/admin/rooms/{room_id}/messages").json()

    assert deleted.json()["status"] == "deleted"
    assert closed["room_id"] == room_id
    assert refused["code"] == "room_closed"
    assert history == []


def test_lowering_a_capacity_below_the_members_is_refused_unless_evicting(
    seeded_sqlite_url,
) -> None:
    with web_client(seeded_sqlite_url) as client:
        headers, room_id = admin_room(client, "Serré")
        with rooms_socket(client) as alice:
            _join(alice, room_id, "Alice")
            with rooms_socket(client) as bob:
                _join(bob, room_id, "Bob")
                refused = client.patch(
                    f"/api/admin/rooms/{room_id}", json={"capacity": 1}, headers=headers
                )
                evicted = client.patch(
                    f"/api/admin/rooms/{room_id}",
                    json={"capacity": 1, "evict": True},
                    headers=headers,
                )
                kicked = _next(bob, "kicked")

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "capacity_below_members"
    assert evicted.json()["evicted"] == 1 and evicted.json()["members"] == 1
    assert kicked["reason"] == "capacity"


def test_the_rooms_page_shows_room_names_as_text(seeded_sqlite_url) -> None:
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADMIN)
        created = client.post(
            "/staff/admin/rooms",
            data={"csrf_token": csrf, "name": "<script>x</script>", "capacity": "4"},
        )
        page = client.get("/staff/admin/rooms")

    assert created.status_code == 200
    assert "&lt;script&gt;x&lt;/script&gt;" in page.text
    assert "<script>x</script>" not in page.text


def test_a_scheduled_notification_is_sent_once_when_due(seeded_sqlite_url) -> None:
    with web_client(seeded_sqlite_url) as client:
        headers = {"X-CSRF-Token": login(client, ADMIN)}
        send_at = datetime.now(timezone.utc) + timedelta(hours=2)
        created = client.post(
            "/api/admin/notifications",
            json={"title": "Portes ouvertes", "body": "Samedi", "send_at": send_at.isoformat()},
            headers=headers,
        ).json()
        app = client.app

        async def twice(now: datetime) -> tuple[list[int], list[int]]:
            return await asyncio.gather(
                dispatch_due_notifications(app, now), dispatch_due_notifications(app, now)
            )

        early = client.portal.call(dispatch_due_notifications, app, send_at - timedelta(minutes=1))
        first, second = client.portal.call(twice, send_at + timedelta(seconds=1))
        history = client.get("/api/admin/notifications").json()

    assert created["status"] == "scheduled"
    assert early == []
    assert sorted(first + second) == [created["id"]]  # claimed by one of the two
    assert history[0]["status"] == "sent"


def test_a_notification_in_the_past_is_refused(seeded_sqlite_url) -> None:
    with web_client(seeded_sqlite_url) as client:
        headers = {"X-CSRF-Token": login(client, ADMIN)}
        past = datetime.now(timezone.utc) - timedelta(hours=1)
        answer = client.post(
            "/api/admin/notifications",
            json={"title": "Trop tard", "body": "x", "send_at": past.isoformat()},
            headers=headers,
        )

    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "send_at_past"


@pytest.mark.parametrize("audience,language,expected", [("all", None, 2), ("language", "en", 1)])
def test_the_preview_counts_the_audience_without_opted_out_customers(
    seeded_sqlite_url, audience, language, expected
) -> None:
    with units_of_work(seeded_sqlite_url) as new_uow:
        now = datetime.now(timezone.utc)
        from core.conversations import get_or_create_conversation

        get_or_create_conversation(new_uow(), "web", visitor(), "fr")
        get_or_create_conversation(new_uow(), "telegram", "1234", "en")
        out = visitor()
        get_or_create_conversation(new_uow(), "web", out, "en")
        notifications.set_subscription(new_uow(), "web", out, False, now)
    with web_client(seeded_sqlite_url) as client:
        headers = {"X-CSRF-Token": login(client, ADMIN)}
        answer = client.post(
            "/api/admin/notifications/preview",
            json={"title": "Promo", "body": "-10 %", "audience": audience, "language": language},
            headers=headers,
        ).json()

    assert sum(answer["reach"].values()) == expected


def test_a_lone_surrogate_in_a_room_is_refused_as_invalid_text_and_not_stored(
    seeded_sqlite_url,
) -> None:
    with web_client(seeded_sqlite_url) as client:
        _, room_id = admin_room(client, "Unicode")
        with rooms_socket(client) as alice:
            alice.send_text(f'{{"type": "join", "room_id": {room_id}, "name": "A\\ud800"}}')
            bad_name = _next(alice, "error")
            _join(alice, room_id, "Alice")
            alice.send_text(f'{{"type": "post", "room_id": {room_id}, "text": "a\\ud800b"}}')
            bad_text = _next(alice, "error")
        history = client.get(f"/api/admin/rooms/{room_id}/messages").json()
        members = client.get(f"/api/admin/rooms/{room_id}/members").json()

    assert (bad_name["code"], bad_text["code"]) == ("invalid_text", "invalid_text")
    assert history == []
    assert [m["display_name"] for m in members] == ["Alice"]


def test_a_lone_surrogate_in_a_notification_title_is_refused_and_not_stored(
    seeded_sqlite_url,
) -> None:
    with web_client(seeded_sqlite_url) as client:
        headers = {"X-CSRF-Token": login(client, ADMIN), "content-type": "application/json"}
        answer = client.post(
            "/api/admin/notifications",
            content=b'{"title": "Promo \\ud83d", "body": "-10 %"}',
            headers=headers,
        )
        listed = client.get("/api/admin/notifications").json()

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_text"
    assert listed == []


def test_a_percent_encoded_surrogate_in_a_staff_form_arrives_replaced_not_as_a_surrogate(
    seeded_sqlite_url,
) -> None:
    with web_client(seeded_sqlite_url) as client:
        headers = {
            "X-CSRF-Token": login(client, ADMIN),
            "content-type": "application/x-www-form-urlencoded",
        }
        answer = client.post(
            "/staff/admin/rooms", content=b"name=Salon%ED%A0%80&capacity=3", headers=headers
        )
        listed = client.get("/api/admin/rooms").json()

    assert answer.status_code == 200
    assert [room["name"] for room in listed] == ["Salon\ufffd\ufffd\ufffd"]


def _join(socket, room_id: int, name: str) -> dict:
    """Join `room_id` as `name` over a rooms socket; the 'joined' frame."""
    socket.send_json({"type": "join", "room_id": room_id, "name": name})
    return _next(socket, "joined")


def _next(socket, kind: str) -> dict:
    """The next frame of type `kind` (room lists and other frames in between are skipped)."""
    for _ in range(20):
        frame = socket.receive_json()
        if frame.get("type") == kind:
            return frame
    raise AssertionError(f"no {kind} frame")


def test_room_posts_count_in_the_customers_message_limit_and_over_it_nothing_is_stored(
    seeded_sqlite_url,
) -> None:
    with web_client(seeded_sqlite_url, limit_messages_per_sender=2) as client:
        _, room_id = admin_room(client, "Limites")
        with rooms_socket(client) as alice:
            _join(alice, room_id, "Alice")
            for text in ("un", "deux", "trois"):
                alice.send_json({"type": "post", "room_id": room_id, "text": text})
            refused = _next(alice, "error")
        history = client.get(f"/api/admin/rooms/{room_id}/messages").json()

    assert refused["code"] == "rate_limited" and refused["retry_after"] >= 1
    assert [m["text"] for m in history] == ["un", "deux"]
