"""Fixtures of the security suite: one app on a seeded SQLite file per module, the six
callers of the route matrix (anonymous, customer, mechanic, manager, advisor, admin) and the
widget visitor.

- `security_url`: a migrated, seeded SQLite file shared by a module's tests.
- `security_client`: a TestClient on the real app (lifespan run) on that file; Rasa on a
  closed port (the hub answers "unavailable": these tests are about who may call what). A
  widget socket waits 1 s (not 5) for its auth frame: the roles without a widget credential
  send none, and are refused after that wait.
- `widget_visitor`: a new widget visitor (tests/security/visitor.py) on that client.
- `callers`: the six roles; staff (demo accounts) sign in once per module through the JSON
  API.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import _sqlite_database
from tests.integration.staff_web_support import ADMIN, ADVISOR, MANAGER, MECHANIC
from tests.integration.web_support import web_client
from tests.security.visitor import Visitor


@dataclass
class Caller:
    """Who calls: a role, its staff session cookies and CSRF token, its widget visitor."""

    role: str
    visitor: Visitor
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str | None = None
    credentials: tuple[str, str] | None = None

    def act(self, client: TestClient) -> None:
        """Make the client's next requests this caller's (its cookies only)."""
        client.cookies.clear()
        for name, value in self.cookies.items():
            client.cookies.set(name, value)

    def sign_in(self, client: TestClient) -> None:
        """A fresh staff session (after a route that ended it, such as a logout)."""
        assert self.credentials is not None
        client.cookies.clear()
        response = client.post(
            "/api/staff/login", json={"email": self.credentials[0], "password": self.credentials[1]}
        )
        assert response.status_code == 200, response.text
        self.csrf = response.json()["csrf_token"]
        self.cookies = dict(client.cookies.items())
        client.cookies.clear()


@pytest.fixture(scope="module")
def security_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _sqlite_database(tmp_path_factory.mktemp("security"), "db", seeded=True)


@pytest.fixture(scope="module")
def security_client(security_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    uploads = tmp_path_factory.mktemp("uploads")
    never_built = tmp_path_factory.mktemp("widget-dist")  # the same answers, built or not
    settings = {
        "upload_dir": str(uploads),
        "widget_auth_seconds": 1.0,
        "widget_dist": never_built,
        "metrics_token": "matrix-metrics-token-0123456789",  # /metrics on: no role opens it
    }
    with web_client(security_url, **settings) as client:
        yield client


@pytest.fixture
def widget_visitor(security_client: TestClient) -> Visitor:
    """A new visitor of the widget, with its own credential."""
    return Visitor(security_client)


@pytest.fixture(scope="module")
def callers(security_client: TestClient) -> dict[str, Caller]:
    staff = {
        role: Caller(role, Visitor(security_client, None), credentials=credentials)
        for role, credentials in (
            ("mechanic", MECHANIC),
            ("manager", MANAGER),
            ("advisor", ADVISOR),
            ("admin", ADMIN),
        )
    }
    for caller in staff.values():
        caller.sign_in(security_client)
    customer = Visitor(security_client)
    with customer.chat():  # the widget opens its conversation first
        pass
    return {
        "anonymous": Caller("anonymous", Visitor(security_client, None)),
        "customer": Caller("customer", customer),
        **staff,
    }


def concrete(path: str, values: dict[str, Any]) -> str:
    """`path` with its {placeholders} filled from `values`."""
    return path.format(**values)
