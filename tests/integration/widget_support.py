"""The widget's credential in tests (imported, not a conftest): issue a session through the app,
open an authenticated socket, find the customer key a token stands for."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool

from core.models import WidgetCredential


def issue_token(client: Any, legacy_client_id: str | None = None) -> str:
    """A new widget token from `POST /api/widget/session` (upgrading `legacy_client_id`)."""
    body = {"legacy_client_id": legacy_client_id} if legacy_client_id else None
    response = client.post("/api/widget/session", json=body)
    assert response.status_code == 201, response.text
    return response.json()["token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def authenticated_socket(client: Any, path: str, token: str, lang: str = "fr") -> Iterator[Any]:
    """A TestClient WebSocket on `path` (/ws/chat, /ws/rooms) that sent its auth frame."""
    with client.websocket_connect(f"{path}?lang={lang}") as socket:
        socket.send_json({"type": "auth", "token": token})
        yield socket


def customer_key(database_url: str, token: str) -> str:
    """The customer key (external id of the "web" conversation) a token stands for."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.execute(
                select(WidgetCredential.external_id).where(WidgetCredential.token_hash == digest)
            ).scalar_one()
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Visitor:
    """One widget: a TestClient and the token the app issued it."""

    client: Any
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)

    def chat(self, lang: str = "fr") -> Any:
        return authenticated_socket(self.client, "/ws/chat", self.token, lang)

    def rooms(self, lang: str = "fr") -> Any:
        return authenticated_socket(self.client, "/ws/rooms", self.token, lang)


def new_visitor(client: Any, legacy_client_id: str | None = None) -> Visitor:
    return Visitor(client, issue_token(client, legacy_client_id))
