"""Staff accounts through the web app (issue 14, item 8): admins manage the team, a
deactivated account's sessions end at once, roles and CSRF on every route."""

from __future__ import annotations

from collections.abc import Iterator
from html import unescape

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.integration.staff_accounts_support import HTML, form_csrf, page_login
from tests.integration.staff_web_support import ADMIN, ADVISOR, login, staff_id
from tests.integration.web_support import web_client

NEW = {"email": "lea@pitlane.example", "name": "Léa Roux", "role": "advisor"}
PASSWORD = "lea-password-2026"


@pytest.fixture
def admin(seeded_sqlite_url: str) -> Iterator[TestClient]:
    with web_client(seeded_sqlite_url) as client:
        client.headers["X-CSRF-Token"] = login(client, ADMIN)
        yield client


def test_an_admin_creates_an_advisor_who_then_signs_in(
    admin: TestClient, seeded_sqlite_url: str
) -> None:
    created = admin.post("/api/staff/accounts", json={**NEW, "password": PASSWORD})

    assert created.status_code == 201, created.text
    assert created.json() | {"id": 0} == {
        **NEW,
        "id": 0,
        "active": True,
        "totp_enabled": False,
    }
    again = admin.post("/api/staff/accounts", json={**NEW, "password": PASSWORD})
    assert again.status_code == 409 and again.json()["error"]["code"] == "email_taken"
    with web_client(seeded_sqlite_url) as lea:
        login(lea, (NEW["email"], PASSWORD))
        assert lea.get("/api/staff/me").json()["staff"]["name"] == NEW["name"]


def test_bad_account_input_is_refused_with_a_code_and_changes_nothing(admin: TestClient) -> None:
    before = admin.get("/api/staff/accounts").json()
    bad_role = admin.post("/api/staff/accounts", json={**NEW, "role": "owner"})
    weak = admin.post("/api/staff/accounts", json={**NEW, "password": "short"})
    bad_email = admin.post("/api/staff/accounts", json={**NEW, "email": "not-an-email"})

    assert bad_role.status_code == 422 and bad_role.json()["error"]["code"] == "invalid_role"
    assert weak.status_code == 422
    assert bad_email.status_code == 422 and bad_email.json()["error"]["code"] == "invalid_email"
    assert admin.get("/api/staff/accounts").json() == before


def test_deactivating_an_advisor_ends_their_session_and_refuses_their_password(
    admin: TestClient, seeded_sqlite_url: str
) -> None:
    advisor_id = staff_id(seeded_sqlite_url, ADVISOR[0])
    with web_client(seeded_sqlite_url) as advisor:
        login(advisor, ADVISOR)
        assert advisor.get("/api/staff/me").status_code == 200

        answer = admin.post(f"/api/staff/accounts/{advisor_id}/deactivate")

        assert answer.status_code == 200 and answer.json()["active"] is False
        me = advisor.get("/api/staff/me")
        assert me.status_code == 401 and me.json()["error"]["code"] == "not_authenticated"
        assert (
            advisor.get("/staff/console", headers=HTML, follow_redirects=False).status_code == 303
        )
        refused = advisor.post(
            "/api/staff/login", json={"email": ADVISOR[0], "password": ADVISOR[1]}
        )
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "invalid_credentials"

        back = admin.post(f"/api/staff/accounts/{advisor_id}/reactivate")
        assert back.status_code == 200 and back.json()["active"] is True
        login(advisor, ADVISOR)
        assert advisor.get("/api/staff/me").status_code == 200


def test_a_deactivated_advisors_console_on_an_app_without_a_shared_bus_closes_at_its_heartbeat(
    admin: TestClient, seeded_sqlite_url: str
) -> None:
    # Two apps with a bus each: the event cannot reach the socket, the heartbeat's check does
    # (the event's way: tests/integration/test_console_session_revocation.py).
    advisor_id = staff_id(seeded_sqlite_url, ADVISOR[0])
    with web_client(seeded_sqlite_url) as advisor:
        login(advisor, ADVISOR)
        with advisor.websocket_connect("/ws/console") as socket:
            kinds = {socket.receive_json()["type"], socket.receive_json()["type"]}
            assert kinds == {"queue", "mine"}
            assert admin.post(f"/api/staff/accounts/{advisor_id}/deactivate").status_code == 200
            socket.send_json({"type": "heartbeat"})
            with pytest.raises(WebSocketDisconnect) as closed:
                while True:
                    socket.receive_json()
    assert closed.value.code == 4401 and closed.value.reason == "session_ended"


def test_an_admin_cannot_deactivate_their_own_account(
    admin: TestClient, seeded_sqlite_url: str
) -> None:
    me = staff_id(seeded_sqlite_url, ADMIN[0])

    answer = admin.post(f"/api/staff/accounts/{me}/deactivate")

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "cannot_deactivate_self"
    assert admin.get("/api/staff/me").status_code == 200


def test_an_unknown_account_is_a_404(admin: TestClient) -> None:
    answer = admin.post("/api/staff/accounts/999999/deactivate")

    assert answer.status_code == 404 and answer.json()["error"]["code"] == "unknown_staff"


ACCOUNT_ROUTES = [
    ("GET", "/api/staff/accounts"),
    ("POST", "/api/staff/accounts"),
    ("POST", "/api/staff/accounts/1/deactivate"),
    ("POST", "/api/staff/accounts/1/reactivate"),
    ("DELETE", "/api/staff/accounts/1/totp"),
]
TEAM_PAGES = [
    ("GET", "/staff/admin/team"),
    ("POST", "/staff/admin/team"),
    ("POST", "/staff/admin/team/1/deactivate"),
    ("POST", "/staff/admin/team/1/reactivate"),
    ("POST", "/staff/admin/team/1/totp/reset"),
]


@pytest.mark.parametrize(("method", "path"), ACCOUNT_ROUTES)
def test_account_routes_refuse_anonymous_callers_and_advisors(
    seeded_sqlite_url: str, method: str, path: str
) -> None:
    body = {**NEW, "password": PASSWORD} if method == "POST" and path.endswith("accounts") else None
    with web_client(seeded_sqlite_url) as client:
        anonymous = client.request(method, path, json=body)
        client.headers["X-CSRF-Token"] = login(client, ADVISOR)
        advisor = client.request(method, path, json=body)
        client.headers.pop("X-CSRF-Token")
        no_csrf = client.request(method, path, json=body)

    assert anonymous.status_code == 401
    assert advisor.status_code == 403 and advisor.json()["error"]["code"] == "admin_only"
    if method != "GET":
        assert no_csrf.status_code == 403 and no_csrf.json()["error"]["code"] == "csrf_failed"


@pytest.mark.parametrize(("method", "path"), TEAM_PAGES)
def test_team_pages_send_anonymous_callers_to_sign_in_and_refuse_advisors(
    seeded_sqlite_url: str, method: str, path: str
) -> None:
    with web_client(seeded_sqlite_url) as client:
        anonymous = client.request(method, path, headers=HTML, follow_redirects=False)
        csrf = login(client, ADVISOR)
        data = {"csrf_token": csrf} if method == "POST" else None
        advisor = client.request(method, path, data=data, headers=HTML)

    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/staff/login"
    assert advisor.status_code == 403


def test_the_team_page_creates_deactivates_and_reactivates_with_csrf_and_escapes_names(
    admin: TestClient, seeded_sqlite_url: str
) -> None:
    page = admin.get("/staff/admin/team", headers=HTML)
    assert page.status_code == 200 and ADVISOR[0] in page.text
    name = 'Zoé "Z" O\'Neil & Co'
    form = {"name": name, "email": "zoe@pitlane.example", "role": "advisor", "password": PASSWORD}

    forged = admin.post("/staff/admin/team", data=form, headers={**HTML, "X-CSRF-Token": ""})
    created = admin.post(
        "/staff/admin/team", data={**form, "csrf_token": form_csrf(page.text)}, headers=HTML
    )

    assert forged.status_code == 403
    assert created.status_code == 200, created.text
    assert "Zoé &quot;Z&quot; O&#x27;Neil &amp; Co" in created.text
    assert name not in created.text
    zoe = staff_id(seeded_sqlite_url, "zoe@pitlane.example")
    off = admin.post(
        f"/staff/admin/team/{zoe}/deactivate",
        data={"csrf_token": form_csrf(created.text)},
        headers=HTML,
    )
    assert off.status_code == 200 and "alert-success" in off.text
    accounts = {a["email"]: a for a in admin.get("/api/staff/accounts").json()}
    assert accounts["zoe@pitlane.example"]["active"] is False
    on = admin.post(
        f"/staff/admin/team/{zoe}/reactivate",
        data={"csrf_token": form_csrf(off.text)},
        headers=HTML,
    )
    assert on.status_code == 200
    accounts = {a["email"]: a for a in admin.get("/api/staff/accounts").json()}
    assert accounts["zoe@pitlane.example"]["active"] is True


def test_the_team_page_says_why_an_admin_cannot_deactivate_themselves_in_english(
    admin: TestClient, seeded_sqlite_url: str
) -> None:
    me = staff_id(seeded_sqlite_url, ADMIN[0])
    page = admin.get("/staff/admin/team", headers=HTML)
    english = {**HTML, "Accept-Language": "en"}

    answer = admin.post(
        f"/staff/admin/team/{me}/deactivate",
        data={"csrf_token": form_csrf(page.text)},
        headers=english,
    )

    assert answer.status_code == 403
    assert "You cannot deactivate your own account." in unescape(answer.text)


def test_a_member_created_without_a_password_gets_a_link_to_choose_one(
    admin: TestClient, seeded_sqlite_url: str
) -> None:
    from tests.integration.staff_accounts_support import reset_links

    created = admin.post("/api/staff/accounts", json=NEW)

    assert created.status_code == 201
    [token] = reset_links(seeded_sqlite_url, NEW["email"])
    with web_client(seeded_sqlite_url) as lea:
        page = lea.get(f"/staff/login/reset?token={token}", headers=HTML)
        assert page.status_code == 200
        done = lea.post(
            "/staff/login/reset",
            data={
                "csrf_token": form_csrf(page.text),
                "token": token,
                "password": PASSWORD,
                "password_confirm": PASSWORD,
            },
            headers=HTML,
        )
        assert done.status_code == 200
        signed_in = page_login(lea, NEW["email"], PASSWORD)
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/staff/console"
