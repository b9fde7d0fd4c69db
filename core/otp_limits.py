"""Limits of one-time codes across conversations: codes sent, wrong codes tried and vehicles
looked up are counted per vehicle, per owner contact, per client IP (and lookups per sender),
whatever the conversation. The first few in an hour are free; each further one waits after
the previous one, twice as long each time (capped): an attacker slows down, the owner is
never locked out for long (the cap of a wrong-code delay is the validity of a code).

Counting is atomic: the caller's transaction holds, for each counted key, a PostgreSQL
advisory lock (SQLite transactions start with BEGIN IMMEDIATE: one writer at a time), so two
concurrent attempts never both see the count before the other.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core.models import OtpEvent

WINDOW = timedelta(hours=1)  # events older than this are not counted
KEEP = timedelta(days=1)  # ...and forgotten after this
FAILURES = ("wrong", "wrong_locked")  # attempt outcomes that count


@dataclass(frozen=True)
class Rule:
    """`free` events per window, then `first` after the last one, doubled each time."""

    free: int
    first: timedelta
    cap: timedelta

    def delay(self, count: int) -> timedelta:
        if count < self.free:
            return timedelta(0)
        return min(self.first * 2 ** min(count - self.free, 20), self.cap)


@dataclass(frozen=True)
class Limits:
    """Every limit; `scaled(n)` multiplies the free allowances (test stacks, load tests)."""

    send: dict[str, Rule] = field(
        default_factory=lambda: {
            "vehicle_id": Rule(3, timedelta(minutes=2), timedelta(minutes=30)),
            "contact_hash": Rule(3, timedelta(minutes=2), timedelta(minutes=30)),
            "ip": Rule(6, timedelta(minutes=1), timedelta(minutes=30)),
        }
    )
    attempt: dict[str, Rule] = field(
        default_factory=lambda: {
            "vehicle_id": Rule(8, timedelta(seconds=30), timedelta(minutes=5)),
            "contact_hash": Rule(8, timedelta(seconds=30), timedelta(minutes=5)),
            "ip": Rule(10, timedelta(seconds=30), timedelta(minutes=15)),
        }
    )
    lookup: dict[str, Rule] = field(
        default_factory=lambda: {
            "sender": Rule(8, timedelta(seconds=30), timedelta(minutes=15)),
            "ip": Rule(15, timedelta(seconds=30), timedelta(minutes=15)),
            "vehicle_id": Rule(8, timedelta(seconds=30), timedelta(minutes=15)),
        }
    )
    alert_after: int = 5  # wrong codes for one contact in the window before its owner is told

    def scaled(self, scale: float) -> Limits:
        """Free allowances (and the alert threshold) multiplied by `scale` (>= 1)."""
        if scale == 1:
            return self

        def grow(rules: dict[str, Rule]) -> dict[str, Rule]:
            return {k: replace(r, free=math.ceil(r.free * scale)) for k, r in rules.items()}

        return Limits(
            send=grow(self.send),
            attempt=grow(self.attempt),
            lookup=grow(self.lookup),
            alert_after=math.ceil(self.alert_after * scale),
        )


DEFAULT_LIMITS = Limits()


def contact_hash(destination: str | None) -> str | None:
    """The sha256 of a phone number or e-mail, as counted (never the contact itself)."""
    if not destination:
        return None
    return hashlib.sha256(destination.strip().lower().encode()).hexdigest()


def serialise(session: Session, keys: dict[str, object]) -> None:
    """Hold the counting lock of each key until the transaction ends (PostgreSQL advisory
    locks, taken in a fixed order; SQLite's BEGIN IMMEDIATE already serialises writers)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    names = sorted(f"otp:{k}:{v}" for k, v in keys.items() if v is not None)
    for name in names:
        number = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        session.execute(select(func.pg_advisory_xact_lock(number)))


def retry_after(
    session: Session,
    kind: str,
    rules: dict[str, Rule],
    keys: dict[str, object],
    now: datetime,
    outcomes: Iterable[str] | None = None,
) -> int:
    """Seconds before one more event of `kind` is allowed for these keys (0: now)."""
    wait = 0
    for name, value in keys.items():
        rule = rules.get(name)
        if rule is None or value is None:
            continue
        query = select(OtpEvent.at).where(
            OtpEvent.kind == kind,
            getattr(OtpEvent, name) == value,
            OtpEvent.at > now - WINDOW,
            OtpEvent.at <= now,
        )
        if outcomes is not None:
            query = query.where(OtpEvent.outcome.in_(tuple(outcomes)))
        times = list(session.scalars(query))
        if len(times) < rule.free:
            continue
        until = max(times) + rule.delay(len(times))
        wait = max(wait, math.ceil((until - now).total_seconds()))
    return wait


def count(
    session: Session, kind: str, name: str, value: object, now: datetime, outcomes: Iterable[str]
) -> int:
    """Events of `kind` for one key in the window, with one of `outcomes`."""
    return session.scalar(
        select(func.count(OtpEvent.id)).where(
            OtpEvent.kind == kind,
            getattr(OtpEvent, name) == value,
            OtpEvent.at > now - WINDOW,
            OtpEvent.outcome.in_(tuple(outcomes)),
        )
    )


def record(session: Session, kind: str, outcome: str, now: datetime, **fields: object) -> OtpEvent:
    """One event (in the caller's transaction); a day's old events are forgotten meanwhile."""
    session.execute(
        delete(OtpEvent)
        .where(OtpEvent.at < now - KEEP)
        .execution_options(synchronize_session=False)
    )
    event = OtpEvent(kind=kind, outcome=outcome, at=now, **fields)
    session.add(event)
    session.flush()
    return event
