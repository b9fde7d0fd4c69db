"""The advisors' JSON API and console socket: queue, accept, refuse, messages, close, search."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.staff_web_support import (
    ADMIN,
    ADVISOR,
    login,
    pending_request,
    request_status,
    staff_id,
)
from tests.integration.web_support import REST_AUTH, REST_CLIENT, web_client


@pytest.fixture
def client(seeded_sqlite_url: str) -> Iterator[TestClient]:
    with web_client(seeded_sqlite_url) as client:
        yield client


@pytest.fixture
def advisor(client: TestClient) -> dict[str, str]:
    """The demo advisor is signed in; the headers their changes carry."""
    return {"X-CSRF-Token": login(client, ADVISOR)}


@pytest.fixture
def request_id(seeded_sqlite_url: str) -> int:
    return pending_request(seeded_sqlite_url)


def accepted(client: TestClient, headers: dict[str, str], request_id: int) -> dict[str, Any]:
    response = client.post(f"/api/handoffs/{request_id}/accept", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def receive_until(socket, wanted: Callable[[dict[str, Any]], bool], frames: int = 12) -> dict:
    """The first frame from the console socket for which `wanted` is true."""
    for _ in range(frames):
        frame = socket.receive_json()
        if wanted(frame):
            return frame
    raise AssertionError("the console socket never sent the expected frame")


def my_requests(frame: dict[str, Any]) -> list[dict[str, Any]]:
    """The advisor's requests a frame carries: one (`conversation`) or all (`mine`)."""
    if frame["type"] == "conversation":
        return [frame["request"]]
    return frame["requests"] if frame["type"] == "mine" else []


def receive_both(socket, queue_wanted, mine_wanted, frames: int = 12) -> None:
    """Frames until a queue frame and an advisor frame as wanted came, in either order."""
    seen_queue = seen_mine = False
    for _ in range(frames):
        frame = socket.receive_json()
        seen_queue = seen_queue or (frame["type"] == "queue" and queue_wanted(frame["requests"]))
        seen_mine = seen_mine or mine_wanted(my_requests(frame))
        if seen_queue and seen_mine:
            return
    raise AssertionError("the console socket never sent the expected frames")


def test_the_queue_shows_who_waits_where_in_which_language_and_what_they_said(
    client: TestClient, advisor: dict[str, str], request_id: int
) -> None:
    response = client.get("/api/handoffs/queue")

    assert response.status_code == 200
    (item,) = response.json()
    assert item["id"] == request_id and item["status"] == "pending"
    assert (item["customer_name"], item["channel"], item["language"]) == (
        "Camille Martin",
        "web",
        "fr",
    )
    assert 0 <= item["waiting_seconds"] < 60
    assert [(m["role"], m["text"]) for m in item["transcript"]] == [
        ("customer", "Bonjour"),
        ("customer", "je veux parler à un conseiller"),
    ]


def test_accepting_moves_the_request_to_my_conversations(
    client: TestClient, advisor: dict[str, str], request_id: int
) -> None:
    taken = accepted(client, advisor, request_id)

    assert taken["status"] == "accepted" and taken["advisor_name"] == "Sophie Moreau"
    assert client.get("/api/handoffs/queue").json() == []
    (mine,) = client.get("/api/handoffs/mine").json()
    assert mine["id"] == request_id and mine["transcript"]
    roles = [m["role"] for m in mine["transcript"]]
    assert roles[-1] == "system"  # the customer was told who they are talking to


def test_a_second_accept_gets_409_already_taken(
    seeded_sqlite_url: str, client: TestClient, advisor: dict[str, str], request_id: int
) -> None:
    accepted(client, advisor, request_id)
    with web_client(seeded_sqlite_url) as other:
        headers = {"X-CSRF-Token": login(other, ADMIN)}
        second = other.post(f"/api/handoffs/{request_id}/accept", headers=headers)

    assert second.status_code == 409
    assert second.json()["error"]["code"] == "already_taken"


def test_accepting_beyond_the_maximum_gets_409_advisor_full(
    seeded_sqlite_url: str, client: TestClient, advisor: dict[str, str]
) -> None:
    with web_client(seeded_sqlite_url) as admin:
        headers = {"X-CSRF-Token": login(admin, ADMIN)}
        advisor_id = staff_id(seeded_sqlite_url, ADVISOR[0])
        limited = admin.put(
            f"/api/admin/staff/{advisor_id}", json={"max_conversations": 1}, headers=headers
        )
        assert limited.status_code == 200
    first = pending_request(seeded_sqlite_url, "Alice Durand")
    second = pending_request(seeded_sqlite_url, "Bruno Petit")
    accepted(client, advisor, first)

    response = client.post(f"/api/handoffs/{second}/accept", headers=advisor)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "advisor_full"


def test_refusing_with_a_reason_tells_the_customer_and_empties_the_queue(
    seeded_sqlite_url: str, client: TestClient, advisor: dict[str, str], request_id: int
) -> None:
    response = client.post(
        f"/api/handoffs/{request_id}/refuse",
        json={"reason": "Nous sommes fermés cet après-midi"},
        headers=advisor,
    )

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "refused" and body["reason"] == "Nous sommes fermés cet après-midi"
    assert "fermés cet après-midi" in body["transcript"][-1]["text"]
    assert client.get("/api/handoffs/queue").json() == []
    again = client.post(f"/api/handoffs/{request_id}/refuse", headers=advisor)
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"


def test_refusing_without_a_body_is_fine(
    client: TestClient, advisor: dict[str, str], request_id: int
) -> None:
    response = client.post(f"/api/handoffs/{request_id}/refuse", headers=advisor)

    assert response.status_code == 200 and response.json()["reason"] is None


def test_messages_reach_the_transcript_of_an_accepted_conversation(
    client: TestClient, advisor: dict[str, str], request_id: int
) -> None:
    early = client.post(
        f"/api/handoffs/{request_id}/messages", json={"text": "Hi"}, headers=advisor
    )
    accepted(client, advisor, request_id)

    sent = client.post(
        f"/api/handoffs/{request_id}/messages",
        json={"text": "Bonjour Camille, je suis Sophie."},
        headers=advisor,
    )

    assert early.status_code == 409
    assert sent.status_code == 201
    last = sent.json()["transcript"][-1]
    assert (last["role"], last["text"]) == ("advisor", "Bonjour Camille, je suis Sophie.")


@pytest.mark.parametrize("text", ["", "x" * 2001])
def test_an_empty_or_too_long_message_is_refused_with_422(
    client: TestClient, advisor: dict[str, str], request_id: int, text: str
) -> None:
    accepted(client, advisor, request_id)

    response = client.post(
        f"/api/handoffs/{request_id}/messages", json={"text": text}, headers=advisor
    )

    assert response.status_code == 422


def test_an_advisors_reply_with_a_lone_surrogate_is_refused_and_not_stored(
    client: TestClient, advisor: dict[str, str], request_id: int
) -> None:
    accepted(client, advisor, request_id)
    before = client.get(f"/api/handoffs/{request_id}").json()["transcript"]

    response = client.post(
        f"/api/handoffs/{request_id}/messages",
        content=b'{"text": "Bonjour \\ud800"}',
        headers={**advisor, "content-type": "application/json"},
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_text"
    assert client.get(f"/api/handoffs/{request_id}").json()["transcript"] == before


def test_only_the_advisor_holding_the_conversation_writes_in_it(
    seeded_sqlite_url: str, client: TestClient, advisor: dict[str, str], request_id: int
) -> None:
    accepted(client, advisor, request_id)
    with web_client(seeded_sqlite_url) as other:
        headers = {"X-CSRF-Token": login(other, ADMIN)}
        response = other.post(
            f"/api/handoffs/{request_id}/messages", json={"text": "hello"}, headers=headers
        )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_your_conversation"


def test_closing_hands_back_to_the_bot_and_files_the_conversation(
    seeded_sqlite_url: str, client: TestClient, advisor: dict[str, str], request_id: int
) -> None:
    accepted(client, advisor, request_id)
    client.post(
        f"/api/handoffs/{request_id}/messages", json={"text": "Au revoir !"}, headers=advisor
    )

    closed = client.post(f"/api/handoffs/{request_id}/close", headers=advisor)

    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert request_status(seeded_sqlite_url, request_id) == "closed"
    assert client.get("/api/handoffs/mine").json() == []
    (filed,) = client.get("/api/handoffs/closed").json()
    assert filed["id"] == request_id and filed["transcript"] is None
    detail = client.get(f"/api/handoffs/{request_id}").json()
    assert "Au revoir !" in [m["text"] for m in detail["transcript"]]
    again = client.post(f"/api/handoffs/{request_id}/close", headers=advisor)
    assert again.status_code == 409


def test_closed_conversations_are_searchable_by_customer(
    seeded_sqlite_url: str, client: TestClient, advisor: dict[str, str]
) -> None:
    for name in ("Alice Durand", "Bruno Petit"):
        request_id = pending_request(seeded_sqlite_url, name)
        accepted(client, advisor, request_id)
        assert client.post(f"/api/handoffs/{request_id}/close", headers=advisor).status_code == 200

    def found(search: str) -> list[str]:
        response = client.get("/api/handoffs/closed", params={"search": search})
        assert response.status_code == 200
        return [r["customer_name"] for r in response.json()]

    assert found("") == ["Bruno Petit", "Alice Durand"]  # latest first
    assert found("durand") == ["Alice Durand"]
    assert found("nobody") == []
    assert client.get("/api/handoffs/closed", params={"search": "x" * 101}).status_code == 422


def test_an_unknown_request_is_a_404(client: TestClient, advisor: dict[str, str]) -> None:
    assert client.get("/api/handoffs/4242").status_code == 404
    response = client.post("/api/handoffs/4242/accept", headers=advisor)
    assert response.status_code == 404 and response.json()["error"]["code"] == "unknown_handoff"


def test_changes_need_the_csrf_token(
    client: TestClient, advisor: dict[str, str], request_id: int
) -> None:
    for action in ("accept", "refuse", "close"):
        response = client.post(f"/api/handoffs/{request_id}/{action}")
        assert response.status_code == 403, action
    assert client.get("/api/handoffs/queue").json()[0]["status"] == "pending"


def test_the_api_is_documented_with_tags_and_verb_noun_names(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    operations = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if path.startswith(("/api/staff", "/api/handoffs", "/api/admin"))
    ]

    handoff_api = [op for op in operations if op[2]["tags"] in (["staff"], ["handoffs"])]
    assert len(handoff_api) == 16
    for path, method, operation in operations:
        tags = (["staff"], ["handoffs"], ["admin"], ["rooms"], ["notifications"], ["workshop"])
        tags += (["catalogue"], ["answers"], ["canned replies"])
        assert operation["tags"] in tags, path
        assert operation["summary"] and operation.get("description"), (method, path)
        assert "_" in operation["operationId"].split("_api_")[0], operation["operationId"]


def test_the_console_socket_follows_the_queue_and_the_conversation_live(
    seeded_sqlite_url: str, client: TestClient, advisor: dict[str, str]
) -> None:
    request_id = pending_request(seeded_sqlite_url, "Camille Martin", channel="rest")
    with client.websocket_connect("/ws/console") as socket:
        first = receive_until(socket, lambda f: f["type"] == "queue")
        assert [r["id"] for r in first["requests"]] == [request_id]

        accepted(client, advisor, request_id)
        receive_both(
            socket,
            lambda queue: queue == [],
            lambda mine: [(r["id"], r["status"]) for r in mine] == [(request_id, "accepted")],
        )

        sender = _sender_of(client, request_id).removeprefix(f"{REST_CLIENT}:")
        reply = client.post(
            "/webhooks/rest/webhook",
            json={"sender": sender, "message": "<script>alert(1)</script><b>x</b>"},
            headers=REST_AUTH,
        )
        assert reply.status_code == 200
        frame = receive_until(
            socket,
            lambda f: any(r["transcript"][-1]["role"] == "customer" for r in my_requests(f)),
        )
    (request,) = my_requests(frame)
    assert request["transcript"][-1]["text"] == "<script>alert(1)</script><b>x</b>"


def _sender_of(client: TestClient, request_id: int) -> str:
    return client.get(f"/api/handoffs/{request_id}").json()["external_id"]


def test_the_transcript_shows_photos_places_and_maps_not_internal_payloads(
    client: TestClient, advisor: dict[str, str], seeded_sqlite_url: str
) -> None:
    from core import conversations as store
    from tests.integration.staff_web_support import units_of_work

    request_id = pending_request(
        seeded_sqlite_url, messages=("/greet", "[photo]", "[location]", "Bonjour")
    )
    conversation_id = client.get(f"/api/handoffs/{request_id}").json()["conversation_id"]
    with units_of_work(seeded_sqlite_url) as new_uow:
        ids = {m.text: m.id for m in store.transcript(new_uow(), conversation_id)}
        photo = store.add_attachment(
            new_uow(), ids["[photo]"], kind="image", content_type="image/jpeg", size=10
        )
        store.add_attachment(
            new_uow(), ids["[location]"], kind="location", latitude=48.8566, longitude=2.3522
        )
        map_payload = {"custom": {"agencies": {"items": [{"name": "Pitlane Paris Nord"}]}}}
        store.record_message(
            new_uow(),
            conversation_id,
            direction="out",
            sender="bot",
            text="",
            payload=map_payload,
            status="sent",
        )

    transcript = client.get(f"/api/handoffs/{request_id}", headers=advisor).json()["transcript"]

    assert [m["text"] for m in transcript] == ["", "", "Bonjour", ""]  # no "/greet"
    assert transcript[0]["attachments"] == [
        {
            "id": photo,
            "kind": "image",
            "content_type": "image/jpeg",
            "url": f"/staff/attachments/{photo}",
            "latitude": None,
            "longitude": None,
        }
    ]
    [place] = transcript[1]["attachments"]
    assert (place["url"], place["latitude"], place["longitude"]) == (None, 48.8566, 2.3522)
    assert transcript[3]["agencies"] == ["Pitlane Paris Nord"]
    assert transcript[2]["attachments"] == [] and transcript[2]["agencies"] == []
