"""Every route of the app called as anonymous, customer (a widget visitor), mechanic, manager,
advisor and admin; the expected answer of each role is data: tests/security/route_matrix.yaml.

A route the app serves without an entry there fails `test_every_route_has_an_entry`, naming
the entry to add; an entry naming no route fails too. Statuses are HTTP codes (`200`), a
class (`2xx`, `4xx`) or, for WebSockets, `open` (greeted with a frame that is no error) or
`refused` (an error frame, a close or a refused handshake).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.routing import APIWebSocketRoute, iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount, WebSocketRoute
from starlette.websockets import WebSocketDisconnect

from tests.security.conftest import Caller
from tests.security.route_calls import (
    BODIES,
    ENDS_SESSION,
    SIGN_IN_FORMS,
    Targets,
    form_of,
    path_values,
    sign_in_page_token,
    url_of,
    widget_call,
)
from tests.security.visitor import Visitor

MATRIX_FILE = Path(__file__).with_name("route_matrix.yaml")
ROLES = ("anonymous", "customer", "mechanic", "manager", "advisor", "admin")


def load_matrix() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load(MATRIX_FILE.read_text(encoding="utf-8"))
    return {entry.pop("route"): entry for entry in data["routes"]}


MATRIX = load_matrix()


def app_routes(app: Any) -> Iterator[str]:
    """'METHOD /path' of every route the app serves (WS for sockets); mounts left out."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount):
            continue
        if isinstance(route, WebSocketRoute | APIWebSocketRoute):
            yield f"WS {context.path}"
            continue
        for method in sorted((context.methods or set()) - {"HEAD"}):
            yield f"{method} {context.path}"


def test_every_route_has_an_entry(security_client: TestClient) -> None:
    served = set(app_routes(security_client.app))
    assert len(served) > 80, sorted(served)  # the walk went through the included routers
    openapi = {
        f"{method.upper()} {path}"
        for path, operations in security_client.app.openapi()["paths"].items()
        for method in operations
    }
    assert openapi <= served

    missing = sorted(served - set(MATRIX))
    stale = sorted(set(MATRIX) - served)

    assert not missing, (
        "routes without an entry in tests/security/route_matrix.yaml; add, for each:\n"
        + "\n".join(
            f'  - {{route: "{key}", anonymous: ?, customer: ?, mechanic: ?, manager: ?, '
            f"advisor: ?, admin: ?}}"
            for key in missing
        )
    )
    assert not stale, f"entries of route_matrix.yaml naming no route: {stale}"


def test_every_entry_gives_every_role_an_expected_answer() -> None:
    for key, entry in MATRIX.items():
        assert re.fullmatch(r"(GET|POST|PUT|PATCH|DELETE|OPTIONS|WS) /\S*", key), key
        for role in ROLES:
            expected = entry.get(role)
            assert expected is not None, f"{key}: no expected answer for {role}"
            assert matches(expected, expected_sample(expected)), (key, role, expected)


def expected_sample(expected: Any) -> Any:
    """A value that `expected` accepts (checks the entry's spelling)."""
    if isinstance(expected, int) or expected in ("open", "refused"):
        return expected
    assert re.fullmatch(r"[1-5]xx", str(expected)), expected
    return int(str(expected)[0]) * 100


def matches(expected: Any, actual: Any) -> bool:
    if isinstance(expected, str) and expected.endswith("xx"):
        return isinstance(actual, int) and actual // 100 == int(expected[0])
    return expected == actual


@pytest.fixture(scope="module")
def targets(security_client: TestClient, security_url: str, callers: dict[str, Caller]) -> Targets:
    return Targets(security_client, security_url, callers["admin"])


def call(client: TestClient, caller: Caller, key: str, targets: Targets) -> int | str:
    """What `caller` gets from the route `key`, called with valid values."""
    method, path = key.split(" ", 1)
    values = path_values(path, targets, lambda: Visitor(client))
    url = url_of(path, values)
    body = BODIES.get(key)
    json_body = None if body is None else body.json
    if body is not None and body.build is not None:
        json_body = body.build(targets)
    query = body.params(targets) if body is not None and body.params is not None else {}
    form = form_of(key, targets) if method != "GET" and path.startswith("/staff/") else None
    caller.act(client)
    outcome = widget_call(key, caller.visitor)
    if outcome is None and method == "WS":
        outcome = socket_outcome(client, url)
    if outcome is None:
        headers: dict[str, str] = {}
        params: dict[str, Any] = dict(query)
        caller.visitor.sign(params, headers)
        if caller.csrf:
            headers["X-CSRF-Token"] = caller.csrf
        if form is not None:  # a page's form
            if key == "POST /staff/login":  # the sign-in form's own double-submit token
                form["csrf_token"] = login_form_token(client)
            elif key in SIGN_IN_FORMS:  # the sign-in's side forms: the same double submit
                form["csrf_token"] = sign_in_page_token(client)
            elif caller.csrf:
                form["csrf_token"] = caller.csrf
        response = client.request(
            method,
            url,
            params=params,
            headers=headers,
            json=json_body,
            data=form,
            follow_redirects=False,
        )
        outcome = response.status_code
    if key in ENDS_SESSION and caller.credentials is not None:
        caller.sign_in(client)
    return outcome


def login_form_token(client: TestClient) -> str:
    """The sign-in form's CSRF field (its cookie stays in the client), or '' when signed in."""
    page = client.get("/staff/login", follow_redirects=False)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    return found.group(1) if found else ""


def socket_outcome(client: TestClient, url: str) -> str:
    try:
        with client.websocket_connect(url) as socket:
            first = socket.receive_json()
    except WebSocketDisconnect:
        return "refused"
    return "refused" if first.get("type") == "error" else "open"


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_each_role_gets_the_expected_answer(
    key: str, security_client: TestClient, callers: dict[str, Caller], targets: Targets
) -> None:
    expected = MATRIX[key]
    got = {role: call(security_client, callers[role], key, targets) for role in ROLES}

    wrong = {role: got[role] for role in ROLES if not matches(expected[role], got[role])}
    assert not wrong, f"{key}: expected {[expected[r] for r in ROLES]}, got {got}"
