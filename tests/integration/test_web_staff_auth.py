"""Staff sign-in, sessions, CSRF and roles, through the web app."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from fastapi.routing import APIWebSocketRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount, WebSocketRoute
from starlette.websockets import WebSocketDisconnect

from core import staff
from tests.integration.staff_web_support import (
    ADMIN,
    ADVISOR,
    login,
    staff_id,
    units_of_work,
)
from tests.integration.web_support import closed_port, web_client, web_settings
from webapp.main import create_app

# Paths under these prefixes are staff-only; the sign-in routes are the only exceptions.
STAFF_PREFIXES = ("/api/staff", "/api/handoffs", "/api/admin", "/staff", "/api/bookings")
PUBLIC = {("POST", "/api/staff/login"), ("GET", "/staff/login"), ("POST", "/staff/login")}
# the rest of signing in: the TOTP code step and the password reset (issue 14, item 8)
PUBLIC |= {("POST", "/staff/login/code"), ("GET", "/staff/login/forgot")}
PUBLIC |= {("POST", "/staff/login/forgot"), ("GET", "/staff/login/reset")}
PUBLIC |= {("POST", "/staff/login/reset")}
ADMIN_PREFIXES = ("/api/admin", "/staff/admin")


@pytest.fixture
def client(seeded_sqlite_url: str) -> Iterator[TestClient]:
    with web_client(seeded_sqlite_url) as client:
        yield client


def session_cookie_header(response) -> str:
    headers = response.headers.get_list("set-cookie")
    return next(h for h in headers if h.startswith("pitlane_staff="))


def form_csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the form carries a csrf_token field"
    return match.group(1)


def every_route(app) -> Iterator[tuple[str, str, str]]:
    """(method, path, kind) of every route, through included routers; mounts left out."""

    def walk(routes):
        for route in routes:
            inner = getattr(route, "original_router", None)  # an included router, kept as is
            if inner is not None:
                yield from walk(inner.routes)
            else:
                yield route

    for route in walk(app.routes):
        if isinstance(route, WebSocketRoute | APIWebSocketRoute):
            yield "WS", route.path, "websocket"
        elif not isinstance(route, Mount):
            for method in sorted(route.methods - {"HEAD"}):
                yield method, route.path, "http"


def staff_routes(app) -> list[tuple[str, str]]:
    routes = [
        (method, path)
        for method, path, kind in every_route(app)
        if kind == "http" and path.startswith(STAFF_PREFIXES) and (method, path) not in PUBLIC
    ]
    assert len(routes) >= 20, routes  # the walk found the included routers
    return routes


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


# ---- sign in -------------------------------------------------------------------------------


def test_signs_in_with_the_json_api_and_sets_a_safe_session_cookie(client: TestClient) -> None:
    response = client.post("/api/staff/login", json={"email": ADVISOR[0], "password": ADVISOR[1]})

    assert response.status_code == 200
    body = response.json()
    assert body["staff"]["email"] == ADVISOR[0] and body["staff"]["role"] == "advisor"
    assert len(body["csrf_token"]) >= 32
    cookie = session_cookie_header(response).lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "secure" not in cookie  # plain HTTP in development
    assert "max-age=43200" in cookie
    me = client.get("/api/staff/me")
    assert me.status_code == 200 and me.json()["staff"]["email"] == ADVISOR[0]
    assert me.json()["csrf_token"] == body["csrf_token"]


def test_the_cookie_is_secure_behind_https_and_in_production(seeded_sqlite_url: str) -> None:
    rasa = f"http://127.0.0.1:{closed_port()}"
    app = create_app(web_settings(seeded_sqlite_url, rasa))
    with TestClient(app, base_url="https://testserver") as client:
        over_https = client.post(
            "/api/staff/login", json={"email": ADVISOR[0], "password": ADVISOR[1]}
        )
    production = {"env": "production", "rasa_token": "r" * 32, "document_link_secret": "d" * 32}
    with web_client(seeded_sqlite_url, **production) as client:
        in_production = client.post(
            "/api/staff/login", json={"email": ADVISOR[0], "password": ADVISOR[1]}
        )

    assert "secure" in session_cookie_header(over_https).lower()
    assert "secure" in session_cookie_header(in_production).lower()


@pytest.mark.parametrize(
    "credentials",
    [
        {"email": ADVISOR[0], "password": "wrong-password"},
        {"email": "nobody@pitlane.example", "password": ADVISOR[1]},
    ],
)
def test_refuses_a_wrong_password_or_an_unknown_email_alike(
    client: TestClient, credentials: dict[str, str]
) -> None:
    response = client.post("/api/staff/login", json=credentials)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"
    assert "pitlane_staff" not in response.headers.get("set-cookie", "")
    assert client.get("/api/staff/me").status_code == 401


def test_rate_limits_failed_sign_ins_with_429_and_retry_after(client: TestClient) -> None:
    wrong = {"email": ADVISOR[0], "password": "wrong-password"}
    for _ in range(5):
        assert client.post("/api/staff/login", json=wrong).status_code == 401

    blocked = client.post("/api/staff/login", json=wrong)
    even_right = client.post("/api/staff/login", json={"email": ADVISOR[0], "password": ADVISOR[1]})

    assert blocked.status_code == even_right.status_code == 429
    assert blocked.json()["error"]["code"] == "too_many_attempts"
    assert 0 < int(blocked.headers["retry-after"]) <= 15 * 60


def test_the_json_sign_in_refuses_a_form_or_text_body(client: TestClient) -> None:
    """A cross-site form cannot post JSON: only application/json bodies sign in."""
    as_text = client.post(
        "/api/staff/login",
        content=f'{{"email": "{ADVISOR[0]}", "password": "{ADVISOR[1]}"}}',
        headers={"content-type": "text/plain"},
    )
    as_form = client.post("/api/staff/login", data={"email": ADVISOR[0], "password": ADVISOR[1]})

    assert as_text.status_code == as_form.status_code == 422


def test_signs_in_with_the_form_and_its_double_submit_token(client: TestClient) -> None:
    page = client.get("/staff/login")
    assert page.status_code == 200
    assert "pitlane_login_csrf" in page.headers["set-cookie"]
    token = form_csrf(page.text)

    response = client.post(
        "/staff/login",
        data={"email": ADVISOR[0], "password": ADVISOR[1], "csrf_token": token},
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/staff/console"
    assert "httponly" in session_cookie_header(response).lower()
    assert client.get("/staff/console").status_code == 200


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_the_form_refuses_a_missing_or_forged_csrf_token(
    client: TestClient, token: str | None
) -> None:
    client.get("/staff/login")
    data = {"email": ADVISOR[0], "password": ADVISOR[1]}
    if token:
        data["csrf_token"] = token

    response = client.post("/staff/login", data=data, follow_redirects=False)

    assert response.status_code == 403
    assert 'data-console="alert"' in response.text
    assert "pitlane_staff=" not in response.headers.get("set-cookie", "")


def test_the_form_says_wrong_credentials_then_blocked_in_french(client: TestClient) -> None:
    statuses = []
    for _ in range(6):
        token = form_csrf(client.get("/staff/login").text)
        answer = client.post(
            "/staff/login",
            data={"email": ADVISOR[0], "password": "wrong-password", "csrf_token": token},
        )
        statuses.append(answer.status_code)

    assert statuses == [401] * 5 + [429]
    assert "Trop de tentatives" in answer.text and answer.headers["retry-after"]
    assert f'value="{ADVISOR[0]}"' in answer.text  # the e-mail is kept, escaped


def test_the_login_page_speaks_english_to_an_english_browser(client: TestClient) -> None:
    english = client.get("/staff/login", headers={"accept-language": "en-US,en;q=0.9,fr;q=0.5"})
    french = client.get("/staff/login", headers={"accept-language": "fr-FR,fr;q=0.9,en;q=0.8"})

    assert '<html lang="en">' in english.text and "Sign in" in english.text
    assert '<html lang="fr">' in french.text and "Se connecter" in french.text


def test_a_new_sign_in_ends_the_previous_session(client: TestClient) -> None:
    login(client)
    first = client.cookies.get("pitlane_staff")
    login(client)
    assert client.get("/api/staff/me").status_code == 200

    client.cookies.clear()
    client.cookies.set("pitlane_staff", first)
    assert client.get("/api/staff/me").status_code == 401


# ---- sign out, CSRF ------------------------------------------------------------------------


def test_signs_out_through_the_api_with_the_csrf_token(client: TestClient) -> None:
    csrf = login(client)
    cookie = client.cookies.get("pitlane_staff")

    refused = client.post("/api/staff/logout")
    response = client.post("/api/staff/logout", headers={"X-CSRF-Token": csrf})

    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    assert response.status_code == 204
    assert 'pitlane_staff=""' in response.headers["set-cookie"]
    client.cookies.clear()
    client.cookies.set("pitlane_staff", cookie)  # the old cookie is dead on the server too
    assert client.get("/api/staff/me").status_code == 401


def test_signs_out_through_the_console_form(client: TestClient) -> None:
    login(client)
    console = client.get("/staff/console").text

    forged = client.post("/staff/logout", data={"csrf_token": "nope"}, follow_redirects=False)
    response = client.post(
        "/staff/logout", data={"csrf_token": form_csrf(console)}, follow_redirects=False
    )

    assert forged.status_code == 403
    assert response.status_code == 303 and response.headers["location"] == "/staff/login"
    assert client.get("/api/staff/me").status_code == 401


@pytest.mark.parametrize("headers", [{}, {"X-CSRF-Token": "wrong"}, {"X-CSRF-Token": ""}])
def test_a_change_without_the_right_csrf_token_is_refused(
    client: TestClient, headers: dict[str, str]
) -> None:
    login(client)

    response = client.put("/api/staff/me/availability", json={"available": True}, headers=headers)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"


def test_the_csrf_token_of_another_session_does_not_work(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url) as other, web_client(seeded_sqlite_url) as client:
        other_csrf = login(other, ADMIN)
        login(client)
        response = client.put(
            "/api/staff/me/availability",
            json={"available": True},
            headers={"X-CSRF-Token": other_csrf},
        )

    assert response.status_code == 403


# ---- availability ----------------------------------------------------------------------------


def test_an_advisor_sets_availability_but_not_their_maximum(client: TestClient) -> None:
    csrf = login(client)
    headers = {"X-CSRF-Token": csrf}

    available = client.put("/api/staff/me/availability", json={"available": True}, headers=headers)
    raise_max = client.put(
        "/api/staff/me/availability",
        json={"available": True, "max_conversations": 9},
        headers=headers,
    )

    assert available.status_code == 200
    assert available.json()["available"] is True and available.json()["last_seen_at"]
    assert raise_max.status_code == 403 and raise_max.json()["error"]["code"] == "admin_only"


def test_an_admin_sets_their_maximum_and_an_advisors(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    headers = {"X-CSRF-Token": login(client, ADMIN)}
    advisor = staff_id(seeded_sqlite_url, ADVISOR[0])

    own = client.put(
        "/api/staff/me/availability",
        json={"available": False, "max_conversations": 5},
        headers=headers,
    )
    theirs = client.put(
        f"/api/admin/staff/{advisor}", json={"max_conversations": 4}, headers=headers
    )
    too_many = client.put(
        f"/api/admin/staff/{advisor}", json={"max_conversations": 99}, headers=headers
    )
    nobody = client.put("/api/admin/staff/9999", json={"max_conversations": 2}, headers=headers)

    assert own.status_code == 200 and own.json()["max_conversations"] == 5
    assert theirs.status_code == 200 and theirs.json()["max_conversations"] == 4
    assert too_many.status_code == 422
    assert nobody.status_code == 404
    listed = client.get("/api/admin/staff").json()
    assert {s["email"]: s["max_conversations"] for s in listed}[ADVISOR[0]] == 4


# ---- roles -----------------------------------------------------------------------------------


def test_every_staff_route_refuses_anonymous_callers(client: TestClient) -> None:
    for method, path in staff_routes(client.app):
        response = client.request(
            method,
            concrete(path),
            json={},
            headers={"X-CSRF-Token": "x"},
            follow_redirects=False,
        )
        if path == "/staff" or path.startswith("/staff/"):  # pages: to the sign-in form
            assert response.status_code == 303, (method, path, response.status_code)
            assert response.headers["location"] == "/staff/login", (method, path)
        else:
            assert response.status_code == 401, (method, path, response.status_code)


CUSTOMER_SOCKETS = {"/ws/chat", "/ws/rooms"}  # the widget's assistant and rooms tabs


def test_every_staff_socket_refuses_anonymous_callers(client: TestClient) -> None:
    sockets = [p for _, p, kind in every_route(client.app) if kind == "websocket"]
    assert "/ws/console" in sockets

    for path in sockets:
        if path in CUSTOMER_SOCKETS:
            continue
        with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect(path) as ws:
            ws.receive_json()
        assert closed.value.code == 1008, path


def test_every_admin_route_refuses_an_advisor(client: TestClient) -> None:
    csrf = login(client, ADVISOR)
    admin_routes = [(m, p) for m, p in staff_routes(client.app) if p.startswith(ADMIN_PREFIXES)]
    assert len(admin_routes) >= 5

    for method, path in admin_routes:
        response = client.request(
            method,
            concrete(path),
            json={"name": "x", "max_conversations": 2},
            headers={"X-CSRF-Token": csrf},
            follow_redirects=False,
        )
        assert response.status_code == 403, (method, path, response.status_code)


def test_a_forged_staff_cookie_is_anonymous(client: TestClient) -> None:
    login(client)
    client.cookies.clear()
    client.cookies.set("pitlane_staff", "forged-session-token")

    assert client.get("/api/staff/me").status_code == 401
    assert client.get("/api/handoffs/queue").status_code == 401
    assert client.get("/staff/console", follow_redirects=False).status_code == 303


# ---- pages -----------------------------------------------------------------------------------


def test_the_console_page_is_never_framed_nor_cached_and_has_no_inline_script(
    client: TestClient,
) -> None:
    login(client)

    response = client.get("/staff/console")

    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    page = response.text
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/assets/console.js" defer>']
    assert " on" not in re.sub(r"\s+", " ", " ".join(re.findall(r"<[^>]+>", page))).replace(
        " online", ""
    )  # no inline event handler attributes
    assert 'name="csrf-token"' in page and 'data-console="logout"' in page


def test_the_login_page_is_never_framed_either(client: TestClient) -> None:
    headers = client.get("/staff/login").headers

    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "frame-ancestors 'self'" in client.get("/").headers["content-security-policy"]


def test_the_console_script_never_writes_html(client: TestClient) -> None:
    script = client.get("/assets/console.js").text

    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script
    assert "textContent" in script and "/ws/console" in script


def test_an_admin_creates_an_api_token_on_the_admin_page_shown_once(client: TestClient) -> None:
    login(client, ADMIN)
    page = client.get("/staff/admin/tokens")
    assert page.status_code == 200
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]

    created = client.post(
        "/staff/admin/tokens",
        data={"name": "export <nightly>", "csrf_token": form_csrf(page.text)},
    )

    assert created.status_code == 200
    token = re.search(r'<code class="token" data-console="new-token">([^<]+)</code>', created.text)
    assert token, created.text
    assert "export &lt;nightly&gt;" in created.text
    client.cookies.clear()
    bookings = client.get("/api/bookings", headers={"Authorization": f"Bearer {token.group(1)}"})
    assert bookings.status_code == 200
    assert token.group(1) not in client.get("/staff/login").text


def test_the_admin_page_escapes_staff_names(client: TestClient, seeded_sqlite_url: str) -> None:
    with units_of_work(seeded_sqlite_url) as new_uow:
        staff.create_staff_user(
            new_uow(),
            email="bob@pitlane.example",
            name="<img src=x onerror=alert(1)>Bob",
            role="advisor",
            password="bob-password-2026",
        )
    login(client, ADMIN)

    page = client.get("/staff/admin/tokens").text

    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;Bob" in page


def test_an_admin_sets_a_maximum_through_the_admin_page(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    login(client, ADMIN)
    csrf = form_csrf(client.get("/staff/admin/tokens").text)
    advisor = staff_id(seeded_sqlite_url, ADVISOR[0])

    saved = client.post(
        f"/staff/admin/staff/{advisor}", data={"max_conversations": "6", "csrf_token": csrf}
    )
    invalid = client.post(
        f"/staff/admin/staff/{advisor}", data={"max_conversations": "0", "csrf_token": csrf}
    )

    assert saved.status_code == 200 and "6" in saved.text
    assert invalid.status_code == 422
    with units_of_work(seeded_sqlite_url) as new_uow:
        assert staff.get_staff(new_uow(), advisor).max_conversations == 6


# ---- the console socket ----------------------------------------------------------------------


def test_the_console_socket_closes_1008_without_a_session(client: TestClient) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect("/ws/console") as ws,
    ):
        ws.receive_json()

    assert closed.value.code == 1008


def test_the_console_socket_refuses_another_origin(client: TestClient) -> None:
    login(client)
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect(
            "/ws/console", headers={"origin": "https://evil.example"}
        ) as socket,
    ):
        socket.receive_json()

    assert closed.value.code == 1008


def test_the_console_socket_sends_snapshots_and_marks_the_advisor_seen(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    login(client)
    before = datetime.now(timezone.utc)

    with client.websocket_connect("/ws/console", headers={"origin": "http://testserver"}) as socket:
        first, second = socket.receive_json(), socket.receive_json()
        socket.send_json({"type": "heartbeat"})
        beat = socket.receive_json()

    assert (first["type"], second["type"], beat["type"]) == ("queue", "mine", "heartbeat")
    assert first["requests"] == [] and second["requests"] == []
    with units_of_work(seeded_sqlite_url) as new_uow:
        seen = staff.get_staff(new_uow(), staff_id(seeded_sqlite_url, ADVISOR[0])).last_seen_at
    assert seen is not None and seen >= before.replace(microsecond=0)


def test_the_console_socket_closes_when_the_session_ends(client: TestClient) -> None:
    csrf = login(client)
    with client.websocket_connect("/ws/console") as socket:
        socket.receive_json(), socket.receive_json()
        client.post("/api/staff/logout", headers={"X-CSRF-Token": csrf})
        client.cookies.clear()
        socket.send_json({"type": "heartbeat"})
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()

    assert closed.value.code == 4401  # session ended: the console goes to the sign-in page


def test_a_spoofed_forwarded_for_from_an_untrusted_peer_does_not_reset_the_ip_count(
    client: TestClient,
) -> None:
    statuses = []
    for index in range(6):  # a new e-mail and a new "address" each time
        answer = client.post(
            "/api/staff/login",
            json={"email": f"guess{index}@pitlane.example", "password": "wrong-password"},
            headers={"X-Forwarded-For": f"198.51.100.{index}"},
        )
        statuses.append(answer.status_code)

    assert statuses == [401] * 5 + [429]  # counted on the real peer: the header is ignored


def test_a_trusted_proxys_forwarded_for_is_the_client_and_the_owner_signs_in_meanwhile(
    seeded_sqlite_url: str,
) -> None:
    wrong = {"email": ADVISOR[0], "password": "wrong-password"}
    right = {"email": ADVISOR[0], "password": ADVISOR[1]}
    attacker = {"X-Forwarded-For": "203.0.113.66"}
    with web_client(seeded_sqlite_url, trusted_proxies="testclient") as client:
        hammering = [
            client.post("/api/staff/login", json=wrong, headers=attacker).status_code
            for _ in range(7)
        ]
        attacker_right = client.post("/api/staff/login", json=right, headers=attacker)
        owner = client.post(
            "/api/staff/login", json=right, headers={"X-Forwarded-For": "198.51.100.7"}
        )

    assert hammering == [401] * 5 + [429, 429]
    assert attacker_right.status_code == 429 and int(attacker_right.headers["retry-after"]) > 0
    assert owner.status_code == 200
