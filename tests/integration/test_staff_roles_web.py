"""The four staff roles on the web side (issue 16, item 5): where each lands after signing
in, what a role outside a route's set gets (the 403 page, the API's 403 body, the console
socket closed), the team form offering every role, and a mechanic or manager who never
counts as an available advisor. Every route's answer per role: tests/security/."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from html import unescape

import pytest
from starlette.websockets import WebSocketDisconnect

from core import staff
from tests.integration.staff_accounts_support import page_login
from tests.integration.staff_web_support import (
    ADMIN,
    ADVISOR,
    MANAGER,
    MECHANIC,
    login,
    staff_id,
    units_of_work,
)
from tests.integration.web_support import web_client

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
POLICY_VIOLATION = 1008


@pytest.mark.parametrize(
    ("who", "home"),
    [
        (MECHANIC, "/staff/workshop"),  # their planning (issue 16)
        (MANAGER, "/staff/bookings"),
        (ADVISOR, "/staff/console"),
        (ADMIN, "/staff/console"),
    ],
)
def test_each_role_lands_on_the_first_page_of_its_menu(
    seeded_sqlite_url: str, who: tuple[str, str], home: str
) -> None:
    with web_client(seeded_sqlite_url) as client:
        signed_in = page_login(client, *who)
        again = client.get("/staff/login", headers=HTML, follow_redirects=False)
        staff_home = client.get("/staff", headers=HTML, follow_redirects=False)
        landing = client.get(home, headers=HTML)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == home
    assert again.status_code == 303 and again.headers["location"] == home
    assert staff_home.status_code == 303 and staff_home.headers["location"] == home
    assert landing.status_code == 200


def test_the_staff_home_sends_anonymous_callers_to_sign_in(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url) as client:
        answer = client.get("/staff", headers=HTML, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/staff/login"


@pytest.mark.parametrize(
    ("who", "path"),
    [
        (MECHANIC, "/staff/console"),
        (MECHANIC, "/staff/bookings"),
        (MANAGER, "/staff/console"),
        (MANAGER, "/staff/complaints"),
        (MANAGER, "/staff/admin/team"),
    ],
)
def test_a_page_outside_the_role_is_the_403_page_leading_home(
    seeded_sqlite_url: str, who: tuple[str, str], path: str
) -> None:
    with web_client(seeded_sqlite_url) as client:
        login(client, who)
        answer = client.get(path, headers=HTML)
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    assert 'href="/staff"' in answer.text
    assert "Retour à mon espace" in unescape(answer.text)


def test_the_api_refuses_a_role_with_its_error_body(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url) as client:
        client.headers["X-CSRF-Token"] = login(client, MECHANIC)
        queue = client.get("/api/handoffs/queue")
        bookings = client.get("/api/bookings")
        accounts = client.get("/api/staff/accounts")
        me = client.get("/api/staff/me")
    with web_client(seeded_sqlite_url) as client:
        client.headers["X-CSRF-Token"] = login(client, MANAGER)
        availability = client.put("/api/staff/me/availability", json={"available": True})
        failed = client.get("/api/messages/failed")
        manager_bookings = client.get("/api/bookings")
    for refused in (queue, bookings, availability, failed):
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "role_forbidden"
    assert accounts.status_code == 403 and accounts.json()["error"]["code"] == "admin_only"
    assert me.status_code == 200 and me.json()["staff"]["role"] == "mechanic"
    assert manager_bookings.status_code == 200


@pytest.mark.parametrize("who", [MECHANIC, MANAGER])
def test_the_console_socket_closes_for_roles_that_do_not_converse(
    seeded_sqlite_url: str, who: tuple[str, str]
) -> None:
    with web_client(seeded_sqlite_url) as client:
        login(client, who)
        with (
            pytest.raises(WebSocketDisconnect) as closed,
            client.websocket_connect("/ws/console") as socket,
        ):
            socket.receive_json()
    assert closed.value.code == POLICY_VIOLATION


def test_the_team_form_offers_the_four_roles_in_french_and_english(
    seeded_sqlite_url: str,
) -> None:
    with web_client(seeded_sqlite_url) as client:
        login(client, ADMIN)
        french = client.get("/staff/admin/team", headers=HTML).text
        english = client.get("/staff/admin/team", headers={**HTML, "Accept-Language": "en"}).text

    def role_options(page: str) -> list[tuple[str, str]]:
        [select] = re.findall(r'<select id="member-role"[^>]*>(.*?)</select>', page, re.S)
        found = re.findall(r'<option value="([a-z]+)"[^>]*>([^<]*)</option>', select)
        return [(value, unescape(label)) for value, label in found]

    assert role_options(french) == [
        ("advisor", "Conseiller"),
        ("mechanic", "Mécanicien"),
        ("manager", "Chef d'atelier"),
        ("admin", "Administrateur"),
    ]
    assert [label for _, label in role_options(english)] == [
        "Advisor",
        "Mechanic",
        "Workshop manager",
        "Administrator",
    ]


def test_an_available_mechanic_or_manager_never_counts_as_an_advisor(
    seeded_sqlite_url: str,
) -> None:
    now = datetime.now(timezone.utc)
    with units_of_work(seeded_sqlite_url) as new_uow:
        for who in (MECHANIC, MANAGER):
            member = staff_id(seeded_sqlite_url, who[0])
            staff.set_availability(new_uow(), member, available=True, now=now)
        nobody = staff.advisor_available(new_uow(), now)
        advisor = staff_id(seeded_sqlite_url, ADVISOR[0])
        staff.set_availability(new_uow(), advisor, available=True, now=now)
        somebody = staff.advisor_available(new_uow(), now)
    assert not nobody
    assert somebody
