"""Concurrent codes from many conversations for one contact: the database counts every one,
so exactly the free allowance gets through (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.pool import NullPool

from core import otp
from core.db import make_engine, make_session_factory
from core.errors import TooManyAttempts
from core.otp_limits import Limits, Rule
from core.uow import UnitOfWork
from core.uow import uow_factory as make_uow_factory
from tests.integration.otp_support import chat, typed, wrong_for

RACERS = 20
FREE = 4
VICTIM = "victim@example.org"
SLOW = Rule(FREE, timedelta(seconds=30), timedelta(minutes=5))
LIMITS = Limits(
    send={"contact_hash": Rule(1000, timedelta(seconds=1), timedelta(seconds=1))},
    attempt={"contact_hash": SLOW},
)


def race(migrated_url: str, work: Callable[[Callable[[], UnitOfWork], int], str]) -> list[str]:
    """`work(uow, index)` run by every racer at once, each on its own connection."""
    engine = make_engine(migrated_url, poolclass=NullPool)
    new_uow = make_uow_factory(make_session_factory(engine), timezone="Europe/Paris")
    barrier = threading.Barrier(RACERS)
    results: list[str] = []
    failures: list[BaseException] = []

    def racer(index: int) -> None:
        barrier.wait()
        try:
            results.append(work(new_uow, index))
        except BaseException as exc:  # fails the test below, with its cause
            failures.append(exc)

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    engine.dispose()
    assert failures == []
    return results


def signup_code(uow: Callable[[], UnitOfWork], conversation_id: int, now: datetime) -> str:
    _, code = otp.start_challenge(
        uow(),
        purpose="signup",
        conversation_id=conversation_id,
        transport="email",
        destination=VICTIM,
        now=now,
        limits=LIMITS,
    )
    return code


def test_twenty_concurrent_wrong_codes_for_one_contact_let_exactly_the_free_ones_be_tried(
    migrated_url: str, uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    chats = [chat(uow_factory, f"racer-{n}", f"203.0.113.{n}") for n in range(RACERS)]
    codes = [signup_code(uow_factory, c, now) for c in chats]
    outcomes = race(
        migrated_url,
        lambda uow, i: typed(uow, chats[i], wrong_for(codes[i]), now, LIMITS),
    )
    assert sorted(outcomes) == sorted(["wrong"] * FREE + ["throttled"] * (RACERS - FREE))


def test_twenty_concurrent_sends_to_one_contact_let_exactly_the_free_ones_out(
    migrated_url: str, uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    limits = Limits(send={"contact_hash": SLOW})
    chats = [chat(uow_factory, f"sender-{n}", f"198.51.100.{n}") for n in range(RACERS)]

    def send(uow: Callable[[], UnitOfWork], index: int) -> str:
        try:
            otp.start_challenge(
                uow(),
                purpose="signup",
                conversation_id=chats[index],
                transport="email",
                destination=VICTIM,
                now=now,
                limits=limits,
            )
        except TooManyAttempts:
            return "throttled"
        return "sent"

    outcomes = race(migrated_url, send)
    assert sorted(outcomes) == sorted(["sent"] * FREE + ["throttled"] * (RACERS - FREE))
