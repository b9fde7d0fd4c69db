"""The Rasa trackers an erasure still owes (table `tracker_erasures`).

`record_tracker_erasures` runs inside the customer erasure's transaction (core/profile.py):
the database rows go and the tracker erasures are owed in one commit, so a Rasa that is down
delays the erasure of the trackers but never loses it. The web app's scheduler
(hub/tracker_erasure.py) takes the due ones, asks Rasa, and marks each done; a failure is
retried later, waiting longer after each one (at most an hour).

Several replicas may run the job: `claim` is a conditional UPDATE, so one attempt of a row
belongs to one replica; a replica that dies mid-attempt leaves a row whose `next_attempt_at`
passes and another one takes it again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.models import TrackerErasure
from core.uow import UnitOfWork

FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
BATCH = 50


def record_tracker_erasures(session: Session, sender_ids: Iterable[str], now: datetime) -> int:
    """Owe the erasure of these trackers, in the caller's transaction; returns how many."""
    senders = sorted(set(sender_ids))
    for sender in senders:
        session.add(TrackerErasure(sender_id=sender, requested_at=now, next_attempt_at=now))
    return len(senders)


def due_tracker_erasures(uow: UnitOfWork, now: datetime, limit: int = BATCH) -> list[int]:
    """Ids of the erasures not done whose time to try has come, oldest first."""
    with uow:
        return list(
            uow.session.scalars(
                select(TrackerErasure.id)
                .where(TrackerErasure.done_at.is_(None), TrackerErasure.next_attempt_at <= now)
                .order_by(TrackerErasure.next_attempt_at, TrackerErasure.id)
                .limit(limit)
            )
        )


def retry_wait(attempts: int) -> timedelta:
    """How long after attempt number `attempts` (1, 2, ...) the next one may start."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def claim_tracker_erasure(uow: UnitOfWork, erasure_id: int, now: datetime) -> str | None:
    """This attempt at an erasure, for this caller only: the sender id to erase, or None
    when it is done, not due, or another replica claimed it first (one conditional UPDATE).
    Until `mark_tracker_erased` or `mark_tracker_erasure_failed`, the row waits as if the
    attempt had failed."""
    with uow:
        session = uow.session
        attempts = session.scalar(
            select(TrackerErasure.attempts).where(TrackerErasure.id == erasure_id)
        )
        if attempts is None:
            return None
        claimed = session.execute(
            update(TrackerErasure)
            .where(
                TrackerErasure.id == erasure_id,
                TrackerErasure.done_at.is_(None),
                TrackerErasure.next_attempt_at <= now,
                TrackerErasure.attempts == attempts,
            )
            .values(attempts=attempts + 1, next_attempt_at=now + retry_wait(attempts + 1))
        )
        if claimed.rowcount != 1:
            uow.rollback()
            return None
        sender = session.scalar(
            select(TrackerErasure.sender_id).where(TrackerErasure.id == erasure_id)
        )
        uow.commit()
        return sender


def mark_tracker_erased(uow: UnitOfWork, erasure_id: int, now: datetime) -> None:
    """Rasa erased it: done, and the sender id (a phone number on WhatsApp) is kept only as
    its SHA-256, the proof of what was erased."""
    with uow:
        row = uow.session.get(TrackerErasure, erasure_id)
        if row is None or row.done_at is not None:
            return
        row.done_at = now
        row.last_error = None
        row.sender_id = sender_digest(row.sender_id)
        uow.commit()


def mark_tracker_erasure_failed(uow: UnitOfWork, erasure_id: int, error: str) -> None:
    """Rasa did not erase it this time: the reason is kept; the claim already set the next
    attempt's time."""
    with uow:
        uow.session.execute(
            update(TrackerErasure)
            .where(TrackerErasure.id == erasure_id, TrackerErasure.done_at.is_(None))
            .values(last_error=error[:200])
        )
        uow.commit()


def sender_digest(sender_id: str) -> str:
    return "sha256:" + hashlib.sha256(sender_id.encode("utf-8")).hexdigest()
