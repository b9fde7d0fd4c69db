"""A scripted customer for end-to-end tests: talks to the hub's REST webhook like any Rasa
REST client, clicks buttons by payload, and reads the bookings API."""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass, field

import httpx
from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool

from core.models import OutboxMessage

REFERENCE = re.compile(r"\bPL-[A-Z2-9]{6}\b")
CODE = re.compile(r"\b\d{6}\b")


# The e2e stack's REST webhook credential (tests/e2e/conftest.py gives it to the stack):
# the hub stores this caller's senders as "e2e:<sender>".
REST_CLIENT, REST_TOKEN = "e2e", secrets.token_hex(24)


@dataclass
class Chat:
    base_url: str
    sender: str = field(default_factory=lambda: f"e2e-{uuid.uuid4().hex[:12]}")
    language: str | None = None
    replies: list[dict] = field(default_factory=list)

    def say(self, text: str) -> list[dict]:
        """Send one message; the hub's replies become `self.replies`."""
        body = {"sender": self.sender, "message": text}
        if self.language:
            body["metadata"] = {"language": self.language}
        response = httpx.post(
            f"{self.base_url}/webhooks/rest/webhook", json=body, headers=self.auth, timeout=60
        )
        assert response.status_code == 200, response.text
        self.replies = response.json()
        assert self.replies, f"no answer to {text!r}"
        for reply in self.replies:
            assert reply["recipient_id"] == self.sender
        return self.replies

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {REST_TOKEN}"}

    @property
    def external_id(self) -> str:
        """The id the hub stores; Rasa's sender id is "rest:" + this."""
        return f"{REST_CLIENT}:{self.sender}"

    @property
    def text(self) -> str:
        return "\n".join(r.get("text") or "" for r in self.replies)

    @property
    def payloads(self) -> list[str]:
        return [b["payload"] for r in self.replies for b in r.get("buttons") or []]

    def click(self, prefix: str) -> list[dict]:
        """Send the payload of the first button whose payload starts with `prefix`."""
        matching = [p for p in self.payloads if p.startswith(prefix)]
        assert matching, f"no button starting with {prefix!r} in {self.payloads} / {self.text!r}"
        return self.say(matching[0])

    def reference(self) -> str | None:
        found = REFERENCE.search(self.text)
        return found.group(0) if found else None

    def book_offered_slot(self, name: str = "Camille Martin", contact: str = "0612345678") -> str:
        """Pick the agency (when asked) and the first slot offered, confirm its summary, give
        a name and a contact when asked, and return the booking reference from the
        confirmation."""
        if any(p.startswith('/choose{"agency"') for p in self.payloads):
            self.click('/choose{"agency"')
        self.click('/choose{"slot_choice"')
        assert self.reference() is None, "nothing is booked before the summary is confirmed"
        self.click("/affirm")
        if self.reference() is None:  # unknown customer: name, then phone or e-mail
            self.say(name)
            self.say(contact)
        reference = self.reference()
        assert reference, f"no booking reference in {self.text!r}"
        return reference


def booking(base_url: str, token: str, reference: str) -> dict:
    response = httpx.get(
        f"{base_url}/api/bookings", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert response.status_code == 200, response.text
    found = [b for b in response.json() if b["reference"] == reference]
    assert len(found) == 1, f"{reference} not in the bookings API"
    return found[0]


def last_code_sent_to(database_url: str, destination_part: str) -> str:
    """The newest code of the outbox for a destination containing `destination_part`."""
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(OutboxMessage.destination, OutboxMessage.body).order_by(
                    OutboxMessage.id.desc()
                )
            ).all()
    finally:
        engine.dispose()
    for destination, body in rows:
        found = CODE.search(body)
        if destination_part in destination.replace(" ", "") and found:
            return found.group(0)
    raise AssertionError(f"no code sent to {destination_part} in the outbox")
