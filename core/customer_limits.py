"""Customers' rate limits: how many messages, uploads and subscription changes one sender
and one IP address may make per window, counted atomically in the database so that every
web replica shares the same counts (docs/security.md, "Customer rate limits").

One row per limiter key (`<action>:sender:<channel>:<external id>`, `<action>:ip:<address>`):
a single INSERT ... ON CONFLICT DO UPDATE ... RETURNING starts a new window or adds one to
the current one, on SQLite and PostgreSQL alike; concurrent requests queue on the row, so
exactly `limit` of them pass in a window. Refused actions are counted too: the first one
over the limit (count == limit + 1) is the window's `first_refusal`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, bindparam, text
from sqlalchemy.orm import Session

from core.errors import CustomerOverLimit
from core.models import CustomerRateWindow, UTCDateTime
from core.uow import UnitOfWork

ACTIONS = ("message", "upload", "subscription")


@dataclass(frozen=True)
class CustomerLimits:
    """How many of each action one sender and one IP may make per `window_seconds`."""

    window_seconds: int = 60
    messages_per_sender: int = 20
    messages_per_ip: int = 120
    uploads_per_sender: int = 5
    uploads_per_ip: int = 20
    subscription_changes_per_sender: int = 5
    subscription_changes_per_ip: int = 30
    # New widget credentials (POST /api/widget/session) per IP: a browser needs one.
    sessions_per_ip: int = 30

    def of(self, action: str) -> tuple[int, int]:
        """(per sender, per IP) of `action`."""
        if action == "message":
            return self.messages_per_sender, self.messages_per_ip
        if action == "upload":
            return self.uploads_per_sender, self.uploads_per_ip
        if action == "subscription":
            return self.subscription_changes_per_sender, self.subscription_changes_per_ip
        if action == "session":  # counted per IP only: a new visitor has no sender yet
            return self.sessions_per_ip, self.sessions_per_ip
        raise ValueError(f"unknown action {action!r}")


@dataclass(frozen=True)
class Counted:
    """One key's count in its window after this action, and when the window began."""

    count: int
    window_start: datetime


def count_action(
    uow: UnitOfWork,
    limits: CustomerLimits,
    action: str,
    now: datetime,
    *,
    sender: tuple[str, str] | None = None,
    ip: str | None = None,
) -> None:
    """Count one `action` of `sender` ((channel, external id)) and of `ip`, committed at
    once; CustomerOverLimit when either is over its limit (the action must not be done)."""
    per_sender, per_ip = limits.of(action)
    checks: list[tuple[str, str, int]] = []
    if ip:
        checks.append(("ip", f"{action}:ip:{ip}", per_ip))
    if sender is not None:
        channel, external_id = sender
        checks.append(("sender", f"{action}:sender:{channel}:{external_id}", per_sender))
    window = timedelta(seconds=limits.window_seconds)
    refused: CustomerOverLimit | None = None
    with uow:
        for scope, key, limit in checks:
            counted = _count(uow.session, key, now, window)
            if counted.count > limit and refused is None:
                wait = (counted.window_start + window - now).total_seconds()
                refused = CustomerOverLimit(
                    max(1, math.ceil(wait)), action, scope, counted.count == limit + 1
                )
        uow.commit()
    if refused is not None:
        raise refused


# Start a key's window at :now or add one to it: one statement, one row lock. Written once
# as SQL (the same on SQLite 3.35+ and PostgreSQL): building SQLAlchemy's construct again
# at every message cost more CPU than the statement itself. On conflict, every expression of
# SET reads the row as it was, so `count` sees the old window_start.
_COUNT = (
    text(
        f'INSERT INTO {CustomerRateWindow.__tablename__} ("key", window_start, count) '
        "VALUES (:key, :now, 1) "
        'ON CONFLICT ("key") DO UPDATE SET '
        f"window_start = CASE WHEN {CustomerRateWindow.__tablename__}.window_start <= :expired "
        f"THEN :now ELSE {CustomerRateWindow.__tablename__}.window_start END, "
        f"count = CASE WHEN {CustomerRateWindow.__tablename__}.window_start <= :expired "
        f"THEN 1 ELSE {CustomerRateWindow.__tablename__}.count + 1 END "
        "RETURNING count, window_start"
    )
    .bindparams(
        bindparam("key", type_=String()),
        bindparam("now", type_=UTCDateTime()),
        bindparam("expired", type_=UTCDateTime()),
    )
    .columns(count=Integer(), window_start=UTCDateTime())
)


def _count(session: Session, key: str, now: datetime, window: timedelta) -> Counted:
    """Start `key`'s window at `now` or add one to it: one statement, one row lock."""
    row = session.execute(_COUNT, {"key": key, "now": now, "expired": now - window}).one()
    return Counted(int(row.count), row.window_start)


def prune_windows(uow: UnitOfWork, now: datetime, older_than: timedelta) -> int:
    """Delete windows that began before `now - older_than` (they would restart anyway)."""
    with uow:
        deleted = (
            uow.session.query(CustomerRateWindow)
            .filter(CustomerRateWindow.window_start < now - older_than)
            .delete(synchronize_session=False)
        )
        uow.commit()
    return int(deleted)
