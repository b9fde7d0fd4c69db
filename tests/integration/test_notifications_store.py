"""Commercial notifications in core (SQLite and PostgreSQL): claiming, audiences, catch-up."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.pool import NullPool

from core import notifications
from core.conversations import get_or_create_conversation
from core.db import make_engine, make_session_factory
from core.errors import InvalidTransition, InvalidValue
from core.uow import uow_factory as make_uow_factory


def test_a_due_notification_is_claimed_by_exactly_one_of_many_replicas(
    migrated_url, uow_factory, now
) -> None:
    created = notifications.create_notification(
        uow_factory(), title="Promo", body="-10 %", send_at=now + timedelta(hours=1), now=now
    )
    engine = make_engine(migrated_url, poolclass=NullPool)
    new_uow = make_uow_factory(make_session_factory(engine))
    barrier = threading.Barrier(10)
    claims: list[list[int]] = []

    def replica() -> None:
        uow = new_uow()
        barrier.wait()
        found = notifications.claim_due_notifications(uow, now + timedelta(hours=1))
        claims.append([v.id for v in found])

    threads = [threading.Thread(target=replica) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    engine.dispose()

    assert created.status == "scheduled"
    assert sorted(i for ids in claims for i in ids) == [created.id]


def test_a_notification_not_yet_due_is_not_claimed_and_can_be_cancelled(uow_factory, now) -> None:
    later = notifications.create_notification(
        uow_factory(), title="Plus tard", body="x", send_at=now + timedelta(days=1), now=now
    )

    assert notifications.claim_due_notifications(uow_factory(), now) == []
    assert notifications.cancel_notification(uow_factory(), later.id).status == "cancelled"
    with pytest.raises(InvalidTransition):
        notifications.cancel_notification(uow_factory(), later.id)


def test_audiences_leave_out_opted_out_customers_and_follow_language_and_consent(
    uow_factory, now
) -> None:
    get_or_create_conversation(uow_factory(), "web", "fr-visitor", "fr")
    get_or_create_conversation(uow_factory(), "telegram", "42", "en")
    get_or_create_conversation(uow_factory(), "whatsapp", "+33600000000", None)
    notifications.set_subscription(uow_factory(), "web", "opted-in", True, now)
    notifications.set_subscription(uow_factory(), "web", "opted-out", False, now)

    everyone = notifications.audience_size(uow_factory(), "all", None)
    english = notifications.audience_size(uow_factory(), "language", "en")
    french = notifications.audience_size(uow_factory(), "language", "fr")
    consenting = notifications.audience_size(uow_factory(), "opted_in", None)

    assert everyone == {"web": 2, "telegram": 1, "whatsapp": 1}
    assert sum(english.values()) == 1
    assert sum(french.values()) == 3  # no language known counts as French
    assert consenting == {"web": 1, "telegram": 0, "whatsapp": 0}


def test_catch_up_gives_what_was_missed_after_the_last_event_id_and_nothing_when_opted_out(
    uow_factory,
) -> None:
    now = datetime.now(timezone.utc)  # the conversation is created on the real clock
    profile = notifications.customer_profile(uow_factory(), "web", "visitor")
    first, second = (
        notifications.create_notification(
            uow_factory(), title=title, body="x", now=now + timedelta(minutes=i + 1)
        )
        for i, title in enumerate(("Un", "Deux"))
    )

    missed = notifications.missed_notifications(uow_factory(), profile, first.id)
    opted_out = notifications.set_subscription(uow_factory(), "web", "visitor", False, now)

    assert [n.id for n in missed] == [second.id]
    assert notifications.missed_notifications(uow_factory(), opted_out, None) == []


def test_links_must_be_web_addresses(uow_factory, now) -> None:
    with pytest.raises(InvalidValue) as refused:
        notifications.create_notification(
            uow_factory(), title="x", body="y", link="javascript:alert(1)", now=now
        )
    assert refused.value.code == "invalid_link"
