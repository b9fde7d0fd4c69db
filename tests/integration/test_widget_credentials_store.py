"""Revoking the widget's credential in core (core/widget_credentials.py), SQLite and PostgreSQL:
a revoked token verifies nothing, gets no ticket and spends no ticket issued before; an erased
customer's widget tokens are all revoked, nobody else's."""

from __future__ import annotations

from datetime import datetime, timedelta

from core import customers, profile
from core import widget_credentials as credentials
from core.conversations import get_or_create_conversation
from tests.conftest import UowFactory


def test_a_revoked_token_opens_nothing_and_is_revoked_once(
    uow_factory: UowFactory, now: datetime
) -> None:
    mine = credentials.issue(uow_factory(), now)
    other = credentials.issue(uow_factory(), now)
    ticket = credentials.issue_ticket(uow_factory(), mine.token, now)

    first = credentials.revoke(uow_factory(), mine.token, now)
    again = credentials.revoke(uow_factory(), mine.token, now + timedelta(seconds=1))

    assert (first, again) == (True, False)
    later = now + timedelta(seconds=1)
    assert credentials.verify(uow_factory(), mine.token, later) is None
    assert credentials.issue_ticket(uow_factory(), mine.token, later) is None
    assert credentials.consume_ticket(uow_factory(), ticket, later) is None  # issued before
    assert credentials.verify(uow_factory(), other.token, later) == other.external_id


def test_revoking_a_malformed_or_unknown_token_changes_nothing(
    uow_factory: UowFactory, now: datetime
) -> None:
    mine = credentials.issue(uow_factory(), now)

    assert credentials.revoke(uow_factory(), "", now) is False
    assert credentials.revoke(uow_factory(), "x" * 500, now) is False
    assert credentials.revoke(uow_factory(), "unknown-token-0123456789abcdef", now) is False
    assert credentials.verify(uow_factory(), mine.token, now) == mine.external_id


def test_erasing_a_customer_revokes_their_widget_tokens_and_no_one_elses(
    uow_factory: UowFactory, now: datetime
) -> None:
    theirs = credentials.issue(uow_factory(), now)
    someone = credentials.issue(uow_factory(), now)
    for identity in (theirs, someone):
        get_or_create_conversation(uow_factory(), "web", identity.external_id, "fr")
    customer = customers.register_customer(
        uow_factory(),
        channel="web",
        external_id=theirs.external_id,
        name="Camille Martin",
        contact="camille@example.com",
        language="fr",
    )

    profile.erase_customer(uow_factory(), customer.id, now)

    assert credentials.verify(uow_factory(), theirs.token, now) is None
    assert credentials.issue_ticket(uow_factory(), theirs.token, now) is None
    assert credentials.verify(uow_factory(), someone.token, now) == someone.external_id
