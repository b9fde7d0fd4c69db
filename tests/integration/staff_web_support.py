"""Helpers for the staff and console tests (imported, not a conftest).

The seeded database has the demo staff of data/demo.yaml: an advisor and an admin.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from fastapi.testclient import TestClient

from core import conversations, customers, handoff, staff
from core.db import make_engine, make_session_factory
from core.uow import UnitOfWork, uow_factory
from tests.integration.web_support import REST_CLIENT

ADVISOR = ("conseiller@pitlane.example", "advisor-demo-2026")
ADMIN = ("admin@pitlane.example", "admin-demo-2026")
MECHANIC = ("mecanicien.paris@pitlane.example", "mechanic-demo-2026")
MANAGER = ("chef-atelier@pitlane.example", "manager-demo-2026")


def login(client: TestClient, who: tuple[str, str] = ADVISOR) -> str:
    """Sign `who` in through the JSON API; returns the session's CSRF token."""
    response = client.post("/api/staff/login", json={"email": who[0], "password": who[1]})
    assert response.status_code == 200, response.text
    return response.json()["csrf_token"]


@contextmanager
def units_of_work(database_url: str) -> Iterator:
    """A unit of work factory on `database_url`, its engine disposed afterwards."""
    engine = make_engine(database_url)
    try:
        yield uow_factory(make_session_factory(engine))
    finally:
        engine.dispose()


def staff_id(database_url: str, email: str) -> int:
    with units_of_work(database_url) as new_uow:
        return next(s.id for s in staff.list_staff(new_uow()) if s.email == email)


def make_available(database_url: str, email: str = ADVISOR[0]) -> int:
    """That staff user is available and seen now (so customers may ask); returns the id."""
    found = staff_id(database_url, email)
    with units_of_work(database_url) as new_uow:
        staff.set_availability(new_uow(), found, available=True, now=datetime.now(timezone.utc))
    return found


def pending_request(
    database_url: str,
    name: str | None = "Camille Martin",
    messages: tuple[str, ...] = ("Bonjour", "je veux parler à un conseiller"),
    channel: str = "web",
) -> int:
    """A customer conversation with `messages` and a pending handoff request; its id.

    An advisor is made available first: a request needs one.
    """
    make_available(database_url)
    key = str(uuid.uuid4())
    # The REST webhook's senders live in its caller's namespace.
    external_id = f"{REST_CLIENT}:{key}" if channel == "rest" else key
    with units_of_work(database_url) as new_uow:
        uow: UnitOfWork = new_uow()
        conversation = conversations.get_or_create_conversation(uow, channel, external_id, "fr")
        if name is not None:
            customers.register_customer(
                uow,
                channel=channel,
                external_id=external_id,
                name=name,
                contact=f"{key[:8]}@example.com",
                language="fr",
            )
        for text in messages:
            conversations.record_message(
                uow,
                conversation.id,
                direction="in",
                sender="customer",
                text=text,
                status="answered",
            )
        request = handoff.request_handoff(uow, conversation.id, datetime.now(timezone.utc))
        return request.id


def request_status(database_url: str, request_id: int) -> str:
    with units_of_work(database_url) as new_uow:
        return handoff.get_request(new_uow(), request_id).status
