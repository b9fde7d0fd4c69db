"""A lone surrogate on every entry point: a clear 4xx or a replacement, nothing stored broken.

Covered elsewhere, not repeated here (docs/security.md, "Bad text"): the REST webhook's
message and metadata, the widget socket's frames, the rooms socket's name and text, an
advisor's reply, a notification title, the rooms form, Telegram texts and captions, the
WhatsApp webhook. This module adds, as data over the app's own route list:

- every JSON route of the OpenAPI document, with an otherwise valid body: 400 `invalid_text`,
  no table changes;
- every staff form, each field percent-encoded with a surrogate (%ED%A0%80): never a server
  error, the field arrives replaced (U+FFFD);
- every GET route with the surrogate in its path and query: never a server error;
- the widget's upload (multipart text field and file name as raw surrogate bytes) and its
  subscription switch, the staff sign-in form and JSON sign-in.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, inspect, select, table
from sqlalchemy.pool import NullPool

from tests.integration.staff_web_support import ADVISOR
from tests.integration.web_support import stored_messages
from tests.security.conftest import Caller
from tests.security.route_calls import (
    BODIES,
    SIGN_IN_FORMS,
    Targets,
    form_of,
    path_values,
    sign_in_page_token,
    url_of,
)
from tests.security.test_route_matrix import MATRIX
from tests.security.visitor import PNG, Visitor, first_chunk

SURROGATE = "a\ud800b"
SURROGATE_ESCAPE = '"a\\ud800b"'  # how JSON writes it (UTF-8 cannot carry it raw)
SURROGATE_FORM = "a%ED%A0%80b"  # how a form writes it: UTF-8's encoding of U+D800
SURROGATE_BYTES = b"a\xed\xa0\x80b"
REPLACED = "a\ufffd\ufffd\ufffdb"  # what a form's surrogate bytes decode to


def row_counts(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        names = inspect(engine).get_table_names()
        with engine.connect() as connection:
            return {
                name: connection.scalar(select(func.count()).select_from(table(name)))
                for name in names
            }
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def targets(security_client: TestClient, security_url: str, callers: dict[str, Caller]) -> Targets:
    return Targets(security_client, security_url, callers["admin"])


def json_routes(app: Any) -> list[str]:
    found = []
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                found.append(f"{method.upper()} {path}")
    return sorted(found)


def with_surrogate(body: Any) -> str:
    """`body` as JSON text with its first string value (or a new field) a lone surrogate."""
    marker = "\x00surrogate\x00"
    body = dict(body) if isinstance(body, dict) else {}
    key = next((k for k, v in body.items() if isinstance(v, str)), "name")
    body[key] = marker
    return json.dumps(body).replace(json.dumps(marker), SURROGATE_ESCAPE)


# The matrix's writes under /api and the REST webhook, but for the form and multipart ones:
# the JSON guard refuses a JSON body holding a surrogate even where the route takes no body.
NOT_JSON = {"POST /api/chat/upload", "POST /api/widget/notifications/subscription"}
JSON_ROUTES = sorted(
    key
    for key in MATRIX
    if key.split()[0] in {"POST", "PUT", "PATCH"}
    and key.split()[1].startswith(("/api/", "/webhooks/rest/"))
    and key not in NOT_JSON
)


def test_every_json_route_of_the_openapi_document_is_tested(security_client: TestClient) -> None:
    documented = json_routes(security_client.app)
    assert len(documented) >= 20, documented
    assert set(documented) <= set(JSON_ROUTES), set(documented) - set(JSON_ROUTES)


@pytest.mark.parametrize("key", JSON_ROUTES)
def test_every_json_write_refuses_a_lone_surrogate_and_changes_nothing(
    key: str,
    security_client: TestClient,
    security_url: str,
    callers: dict[str, Caller],
    targets: Targets,
) -> None:
    method, path = key.split(" ", 1)
    url = url_of(path, path_values(path, targets, lambda: Visitor(security_client)))
    spec = BODIES.get(key)
    valid = None if spec is None else (spec.build(targets) if spec.build else spec.json)
    admin = callers["admin"]
    before = row_counts(security_url)
    admin.act(security_client)

    response = security_client.request(
        method,
        url,
        content=with_surrogate(valid).encode(),
        headers={"content-type": "application/json", "X-CSRF-Token": admin.csrf or ""},
    )

    assert response.status_code == 400, (key, response.status_code, response.text)
    assert response.json()["error"]["code"] == "invalid_text"
    assert row_counts(security_url) == before


def encoded_form(fields: dict[str, str], bad: str) -> bytes:
    """`fields` urlencoded, the field `bad` holding the surrogate's UTF-8 bytes."""
    marker = "SURROGATEMARK"
    body = urlencode({**fields, bad: marker})
    return body.replace(marker, SURROGATE_FORM).encode()


STAFF_FORMS = sorted(
    k for k in MATRIX if k.startswith("POST /staff/") and k not in {"POST /staff/logout"}
)


@pytest.mark.parametrize("key", STAFF_FORMS)
def test_every_staff_form_takes_a_percent_encoded_surrogate_as_replacement_characters(
    key: str, security_client: TestClient, callers: dict[str, Caller], targets: Targets
) -> None:
    method, path = key.split(" ", 1)
    url = url_of(path, path_values(path, targets, lambda: Visitor(security_client)))
    fields = form_of(key, targets)
    admin = callers["admin"]
    statuses = []
    for bad in [*fields, "unexpected"]:
        admin.act(security_client)
        if key in SIGN_IN_FORMS:  # the sign-in pages' double-submit token
            extra = {"csrf_token": sign_in_page_token(security_client)}
        else:
            extra = {} if key == "POST /staff/login" else {"csrf_token": admin.csrf or ""}
        response = security_client.post(
            url,
            content=encoded_form({**fields, **extra}, bad),
            headers={"content-type": "application/x-www-form-urlencoded"},
            follow_redirects=False,
        )
        statuses.append(response.status_code)

    assert all(status < 500 for status in statuses), (key, statuses)


def test_a_room_named_with_a_surrogate_by_form_is_stored_with_replacement_characters(
    security_client: TestClient, callers: dict[str, Caller]
) -> None:
    admin = callers["admin"]
    admin.act(security_client)
    content = encoded_form({"capacity": "4", "csrf_token": admin.csrf or ""}, "name").replace(
        b"a%ED%A0%80b", b"Salle%20a%ED%A0%80b"
    )
    response = security_client.post(
        "/staff/admin/rooms",
        content=content,
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert response.status_code < 400, response.text

    admin.act(security_client)
    names = [room["name"] for room in security_client.get("/api/admin/rooms").json()]
    assert f"Salle {REPLACED}" in names


GET_ROUTES = sorted(k for k in MATRIX if k.startswith("GET "))


def test_every_get_route_takes_a_surrogate_in_its_path_and_query_without_a_server_error(
    security_client: TestClient, callers: dict[str, Caller]
) -> None:
    broken = []
    for key in GET_ROUTES:
        path = key.split(" ", 1)[1]
        url = path
        for name in [part.strip("{}") for part in path.split("/") if part.startswith("{")]:
            url = url.replace("{" + name + "}", SURROGATE_FORM)
        query = "&".join(
            f"{name}={SURROGATE_FORM}"
            for name in (
                "client_id",
                "ticket",
                "token",
                "search",
                "status",
                "service",
                "agency",
                "lang",
                "from",
            )
        )
        for role in ("anonymous", "admin"):
            callers[role].act(security_client)
            if key == "GET /api/widget/notifications/stream":
                app = security_client.app
                status, _ = security_client.portal.call(first_chunk, app, url, query)
            else:
                status = security_client.get(f"{url}?{query}", follow_redirects=False).status_code
            if status >= 500:
                broken.append((key, role, status))

    assert not broken


def test_the_widget_upload_replaces_surrogate_bytes_in_its_text_and_file_name(
    security_client: TestClient, security_url: str, widget_visitor: Visitor
) -> None:
    with widget_visitor.chat():
        pass
    files = {"file": (SURROGATE_BYTES.decode("latin-1") + ".png", PNG, "image/png")}
    fields = {"lang": "fr", "text": "TEXTMARK"}
    request = security_client.build_request("POST", "/api/chat/upload", data=fields, files=files)
    body = request.read().replace(b"TEXTMARK", SURROGATE_BYTES)
    body = body.replace(SURROGATE_BYTES.decode("latin-1").encode("utf-8"), SURROGATE_BYTES)
    headers = {"content-type": request.headers["content-type"]}
    widget_visitor.sign({}, headers)

    response = security_client.post("/api/chat/upload", content=body, headers=headers)

    assert response.status_code == 200, response.text
    key = widget_visitor.key(security_url)
    mine = [m for m in stored_messages(security_url) if m.external_id == key]
    assert [m.text for m in mine if m.direction == "in"] == [REPLACED]


def test_the_subscription_switch_refuses_a_surrogate_value_and_stores_nothing(
    security_client: TestClient, security_url: str, widget_visitor: Visitor
) -> None:
    with widget_visitor.chat():  # the visitor's conversation exists
        pass
    headers = {"content-type": "application/x-www-form-urlencoded"}
    widget_visitor.sign({}, headers)
    before = row_counts(security_url)

    response = security_client.post(
        "/api/widget/notifications/subscription",
        content=f"client_id={SURROGATE_FORM}&subscribed={SURROGATE_FORM}".encode(),
        headers=headers,
    )
    unsigned = security_client.post(  # an old widget's surrogate client_id, no token
        "/api/widget/notifications/subscription",
        content=f"client_id={SURROGATE_FORM}&subscribed=1".encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"
    assert unsigned.status_code == 401, unsigned.text
    assert unsigned.json()["error"]["code"] == "token_required"
    assert row_counts(security_url) == before


def test_the_json_sign_in_refuses_a_surrogate_before_counting_an_attempt(
    security_client: TestClient, security_url: str
) -> None:
    before = row_counts(security_url)
    security_client.cookies.clear()
    body = f'{{"email": {SURROGATE_ESCAPE}, "password": {SURROGATE_ESCAPE}}}'

    response = security_client.post(
        "/api/staff/login", content=body.encode(), headers={"content-type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_text"
    assert row_counts(security_url) == before  # no login attempt written


def test_the_sign_in_form_with_a_surrogate_password_is_a_plain_wrong_password(
    security_client: TestClient,
) -> None:
    security_client.cookies.clear()
    page = security_client.get("/staff/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    content = f"email={quote(ADVISOR[0])}&password={SURROGATE_FORM}&csrf_token={token}"

    response = security_client.post(
        "/staff/login",
        content=content.encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )

    assert response.status_code == 401
    assert "SURROGATE" not in response.text
