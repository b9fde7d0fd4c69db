"""The web widget's credential: a random token issued by the server, kept by the browser, and
standing for one customer key (the external id of the widget's "web" conversation).

Only the token's sha256 is stored. The token is never the sender id (sender ids are written in
Rasa's trackers and in the logs): the external id is a separate random UUID. A browser of the
old widget, which made up its own UUID (`client_id`) and used it as the external id, upgrades
once: the first claim of that UUID gets its conversation (a unique constraint decides a race),
any later claim gets a fresh identity. The notification stream (EventSource sends no header)
opens with a short-lived ticket, single use, consumed by one conditional UPDATE.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.models import Conversation, WidgetCredential, WidgetStreamTicket
from core.uow import UnitOfWork

CHANNEL = "web"
TICKET_SECONDS = 60
SEEN_EVERY = timedelta(minutes=5)  # last_seen_at is refreshed at most this often
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")


@dataclass(frozen=True)
class WidgetIdentity:
    token: str  # given to the browser once, never stored
    external_id: str  # the customer key: external id of the "web" conversation
    upgraded: bool = False  # True when a legacy client id was taken over


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _well_formed(secret: str | None) -> bool:
    return secret is not None and _TOKEN.fullmatch(secret) is not None


def _insert(uow: UnitOfWork, external_id: str, legacy: str | None, now: datetime) -> str | None:
    """Insert a credential; its token, or None when the unique constraints refused it."""
    token = secrets.token_urlsafe(32)
    row = WidgetCredential(
        token_hash=_hash(token),
        external_id=external_id,
        legacy_client_id=legacy,
        created_at=now,
        last_seen_at=now,
    )
    try:
        with uow.session.begin_nested():
            uow.session.add(row)
    except IntegrityError:
        return None
    return token


def issue(uow: UnitOfWork, now: datetime) -> WidgetIdentity:
    """A new token for a new customer key."""
    with uow:
        while True:  # a uuid4 collision is astronomically unlikely; the constraint says so
            external_id = str(uuid.uuid4())
            token = _insert(uow, external_id, None, now)
            if token is not None:
                uow.commit()
                return WidgetIdentity(token, external_id)


def upgrade_legacy(uow: UnitOfWork, legacy_client_id: str, now: datetime) -> WidgetIdentity:
    """The old widget's conversation under a new token, for the first claim of that UUID only;
    a fresh identity for any later claim, or when no conversation has that id."""
    with uow:
        known = uow.session.scalar(
            select(Conversation.id).where(
                Conversation.channel == CHANNEL, Conversation.external_id == legacy_client_id
            )
        )
        if known is not None:
            token = _insert(uow, legacy_client_id, legacy_client_id, now)
            if token is not None:
                uow.commit()
                return WidgetIdentity(token, legacy_client_id, upgraded=True)
    return issue(uow, now)


def _credential(uow: UnitOfWork, token: str | None) -> WidgetCredential | None:
    if not _well_formed(token):
        return None
    assert token is not None
    return uow.session.scalar(
        select(WidgetCredential).where(
            WidgetCredential.token_hash == _hash(token), WidgetCredential.revoked_at.is_(None)
        )
    )


def verify(uow: UnitOfWork, token: str | None, now: datetime) -> str | None:
    """The customer key of a valid, unrevoked token; None for anything else."""
    with uow:
        found = _credential(uow, token)
        if found is None:
            return None
        if found.last_seen_at < now - SEEN_EVERY:
            found.last_seen_at = now
            uow.commit()
        return found.external_id


def revoke(uow: UnitOfWork, token: str, now: datetime) -> bool:
    """Revoke a token (the widget's "forget this device"); False when it was not valid. One
    conditional UPDATE: of concurrent revocations of one token, one says True."""
    if not _well_formed(token):
        return False
    with uow:
        done = uow.session.execute(
            update(WidgetCredential)
            .where(
                WidgetCredential.token_hash == _hash(token), WidgetCredential.revoked_at.is_(None)
            )
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )
        uow.commit()
        return done.rowcount == 1


def revoke_customer_keys(session: Session, external_ids: Iterable[str], now: datetime) -> int:
    """Revoke every credential standing for one of these customer keys (a customer erased:
    their widgets' tokens open nothing any more); in the caller's transaction. How many."""
    keys = set(external_ids)
    if not keys:
        return 0
    done = session.execute(
        update(WidgetCredential)
        .where(WidgetCredential.external_id.in_(keys), WidgetCredential.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return done.rowcount


def issue_ticket(
    uow: UnitOfWork, token: str | None, now: datetime, seconds: int = TICKET_SECONDS
) -> str | None:
    """A single-use ticket for the notification stream, valid `seconds`; None when the token
    is not valid. The credential's spent and expired tickets are removed on the way."""
    with uow:
        found = _credential(uow, token)
        if found is None:
            return None
        uow.session.execute(
            delete(WidgetStreamTicket).where(
                WidgetStreamTicket.credential_id == found.id,
                (WidgetStreamTicket.used_at.is_not(None)) | (WidgetStreamTicket.expires_at < now),
            )
        )
        ticket = secrets.token_urlsafe(24)
        uow.session.add(
            WidgetStreamTicket(
                ticket_hash=_hash(ticket),
                credential_id=found.id,
                expires_at=now + timedelta(seconds=seconds),
            )
        )
        uow.commit()
        return ticket


def consume_ticket(uow: UnitOfWork, ticket: str | None, now: datetime) -> str | None:
    """The customer key of an unused, unexpired ticket, spending it (one UPDATE ... WHERE
    used_at IS NULL: of two concurrent uses, one wins); None otherwise."""
    if not _well_formed(ticket):
        return None
    assert ticket is not None
    with uow:
        spent = uow.session.execute(
            update(WidgetStreamTicket)
            .where(
                WidgetStreamTicket.ticket_hash == _hash(ticket),
                WidgetStreamTicket.used_at.is_(None),
                WidgetStreamTicket.expires_at > now,
            )
            .values(used_at=now)
            .returning(WidgetStreamTicket.credential_id)
        ).scalar_one_or_none()
        if spent is None:
            return None
        external_id = uow.session.scalar(
            select(WidgetCredential.external_id).where(
                WidgetCredential.id == spent, WidgetCredential.revoked_at.is_(None)
            )
        )
        uow.commit()
        return external_id
