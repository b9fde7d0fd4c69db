"""`GET /api/handoffs/{id}/context`: the customer context the console shows beside a
conversation, for advisors and admins only, with links to staff pages that exist."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from fastapi.testclient import TestClient

from core import conversations, handoff
from tests.integration.staff_web_support import (
    ADMIN,
    ADVISOR,
    MANAGER,
    MECHANIC,
    login,
    make_available,
    pending_request,
    units_of_work,
)
from tests.integration.web_support import web_client
from tests.integration.widget_support import bearer, issue_token


@pytest.fixture
def client(seeded_sqlite_url: str) -> Iterator[TestClient]:
    with web_client(seeded_sqlite_url) as client:
        yield client


def demo_camille_request(database_url: str) -> int:
    """A request from the demo customer Camille's web chat (her bike, her bookings)."""
    make_available(database_url)
    with units_of_work(database_url) as new_uow:
        chat = conversations.get_or_create_conversation(new_uow(), "web", "demo-camille", "fr")
        return handoff.request_handoff(new_uow(), chat.id, datetime.now(timezone.utc)).id


def test_only_advisors_and_admins_read_the_context(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    path = f"/api/handoffs/{pending_request(seeded_sqlite_url)}/context"
    assert client.get(path).status_code == 401
    customer = issue_token(client)
    assert client.get(path, headers=bearer(customer)).status_code == 401
    answers = {}
    for who in (MECHANIC, MANAGER, ADVISOR, ADMIN):
        client.cookies.clear()
        login(client, who)
        answers[who] = client.get(path).status_code
    assert answers == {MECHANIC: 403, MANAGER: 403, ADVISOR: 200, ADMIN: 200}


def test_an_unknown_request_is_a_404(client: TestClient) -> None:
    login(client, ADVISOR)
    response = client.get("/api/handoffs/4242/context")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_handoff"


def test_the_context_of_an_identified_customer_links_to_the_staff_pages(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    request_id = demo_camille_request(seeded_sqlite_url)
    login(client, ADVISOR)

    context = client.get(f"/api/handoffs/{request_id}/context").json()

    assert (context["identified"], context["customer_name"]) == (True, "Camille Martin")
    assert (context["channel"], context["language"], context["timezone"]) == (
        "web",
        "fr",
        "Europe/Paris",
    )
    (bike,) = context["vehicles"]
    assert (bike["plate"], bike["model"], bike["latest_km"]) == ("AB-123-CD", "Monster 821", 31900)
    assert client.get(bike["url"]).status_code == 200
    assert 0 < len(context["bookings"]) <= 5 <= context["bookings_total"]
    first = context["bookings"][0]
    assert first["start"].endswith(("+01:00", "+02:00"))  # Paris time, with its offset
    assert first["kind"] in ("workshop", "test_ride") and first["agency_name"]
    page = client.get(first["url"])
    assert page.status_code == 200
    assert f'data-booking="{first["reference"]}"' in page.text
    assert page.text.count("data-booking=") == 1  # the link shows that booking alone
    assert client.get(context["bookings_url"]).status_code == 200


def test_a_chat_not_identified_yet_gets_its_channel_and_language(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    request_id = pending_request(seeded_sqlite_url, name=None)
    login(client, ADMIN)

    context = client.get(f"/api/handoffs/{request_id}/context").json()

    assert (context["identified"], context["customer_name"]) == (False, None)
    assert (context["channel"], context["language"]) == ("web", "fr")
    assert context["vehicles"] == context["bookings"] == context["complaints"] == []
    assert (context["bookings_total"], context["bookings_url"]) == (0, None)


def test_the_route_is_documented_under_the_handoffs_tag(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/handoffs/{request_id}/context"]
    assert operation["get"]["tags"] == ["handoffs"]
    schema = operation["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/CustomerContextOut"}
