"""Transfer, staff notes and ratings through the staff web app: the JSON API the console
uses, the console socket's snapshots, the surveys page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from fastapi.testclient import TestClient

from core import handoff, handoff_ratings, staff
from tests.integration.staff_web_support import (
    ADMIN,
    ADVISOR,
    login,
    make_available,
    pending_request,
    staff_id,
    units_of_work,
)
from tests.integration.web_support import web_client


@pytest.fixture
def client(seeded_sqlite_url: str) -> Iterator[TestClient]:
    with web_client(seeded_sqlite_url) as client:
        yield client


def _accepted_by_advisor(url: str, client: TestClient) -> tuple[int, dict[str, str]]:
    headers = {"X-CSRF-Token": login(client, ADVISOR)}
    request_id = pending_request(url, "Camille Martin", channel="rest")
    response = client.post(f"/api/handoffs/{request_id}/accept", headers=headers)
    assert response.status_code == 200, response.text
    return request_id, headers


def test_an_advisor_transfers_a_chat_to_an_available_admin_with_a_note(
    seeded_sqlite_url: str, client: TestClient
) -> None:
    request_id, headers = _accepted_by_advisor(seeded_sqlite_url, client)
    admin = make_available(seeded_sqlite_url, ADMIN[0])

    targets = client.get(f"/api/handoffs/{request_id}/transfer-targets").json()
    moved = client.post(
        f"/api/handoffs/{request_id}/transfer",
        json={"advisor_id": admin, "note": "Veut un devis pour des pneus"},
        headers=headers,
    )
    again = client.post(
        f"/api/handoffs/{request_id}/transfer", json={"advisor_id": admin}, headers=headers
    )
    mine = client.get("/api/handoffs/mine").json()

    assert [t["id"] for t in targets if t["available"]] == [admin]
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["advisor_id"] == admin and body["status"] == "accepted"
    [note] = body["notes"]
    assert note["kind"] == "transfer" and note["transferred_to"] == body["advisor_name"]
    assert note["text"] == "Veut un devis pour des pneus"
    assert again.status_code == 403  # no longer theirs
    assert request_id not in [r["id"] for r in mine]


def test_a_transfer_without_the_csrf_token_or_to_a_busy_colleague_is_refused(
    seeded_sqlite_url: str, client: TestClient
) -> None:
    request_id, headers = _accepted_by_advisor(seeded_sqlite_url, client)
    admin = staff_id(seeded_sqlite_url, ADMIN[0])  # not available

    forged = client.post(f"/api/handoffs/{request_id}/transfer", json={"advisor_id": admin})
    busy = client.post(
        f"/api/handoffs/{request_id}/transfer", json={"advisor_id": admin}, headers=headers
    )

    assert forged.status_code == 403
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "advisor_unavailable"
    mine = client.get("/api/handoffs/mine").json()
    assert request_id in [r["id"] for r in mine]


def test_staff_notes_show_in_the_conversation_and_never_reach_the_customer(
    seeded_sqlite_url: str, client: TestClient
) -> None:
    request_id, headers = _accepted_by_advisor(seeded_sqlite_url, client)

    text = "Client <b>fidèle</b>, geste commercial possible"
    created = client.post(f"/api/handoffs/{request_id}/notes", json={"text": text}, headers=headers)
    empty = client.post(f"/api/handoffs/{request_id}/notes", json={"text": " "}, headers=headers)
    shown = client.get(f"/api/handoffs/{request_id}").json()

    assert created.status_code == 201, created.text
    assert empty.status_code == 422
    assert [n["text"] for n in shown["notes"]] == [
        "Client <b>fidèle</b>, geste commercial possible"
    ]
    assert all("fidèle" not in m["text"] for m in shown["transcript"])


def test_the_surveys_page_shows_each_advisors_rated_chats(
    seeded_sqlite_url: str, client: TestClient
) -> None:
    now = datetime.now(timezone.utc)
    advisor = staff_id(seeded_sqlite_url, ADVISOR[0])
    with units_of_work(seeded_sqlite_url) as new_uow:
        staff.set_availability(new_uow(), advisor, available=True, now=now)
        for score in (5, 3):
            request_id = pending_request(seeded_sqlite_url, "Camille Martin", channel="rest")
            conversation_id = handoff.get_request(new_uow(), request_id).conversation_id
            handoff.accept(new_uow(), request_id, advisor, now)
            handoff.close(new_uow(), request_id, advisor, now)
            handoff_ratings.rate_chat(new_uow(), conversation_id, score, now)
    login(client, ADMIN)

    page = client.get("/staff/surveys")

    assert page.status_code == 200
    card = page.text.split(f'data-stats="advisor:{advisor}"')[1].split("</article>")[0]
    assert 'data-rating="5" data-count="1"' in card and 'data-rating="3" data-count="1"' in card
    assert "4,0" in card  # the average, in French
