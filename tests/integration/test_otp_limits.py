"""Codes sent, wrong codes and vehicle lookups are limited across conversations (per vehicle,
per owner contact, per client IP, per sender), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from core import identity, otp
from core.errors import TooManyAttempts
from core.otp_limits import Limits, Rule, contact_hash
from core.uow import UnitOfWork
from tests.integration.otp_support import (
    CAMILLE_PHONE,
    CAMILLE_PLATE,
    CAMILLE_VIN,
    chat,
    events,
    send_identification,
    taken,
    typed,
    wrong_for,
)

SECOND = timedelta(seconds=1)


def test_a_second_sender_gets_no_fresh_tries_beyond_the_vehicle_limit(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    uow = seeded_uow_factory
    first = chat(uow, "farmer-1", "203.0.113.1")
    code = send_identification(uow, first, now)
    outcomes = [typed(uow, first, wrong_for(code), now) for _ in range(5)]
    assert outcomes == ["wrong"] * 4 + ["wrong_locked"]  # this conversation is locked

    second = chat(uow, "farmer-2", "198.51.100.2")  # another sender, another address
    later = now + timedelta(minutes=1)
    code = send_identification(uow, second, later)
    assert [typed(uow, second, wrong_for(code), later) for _ in range(3)] == ["wrong"] * 3
    # 8 wrong codes for the vehicle and its owner's phone: the next waits, even the right one
    assert typed(uow, second, code, later) == "throttled"
    check = taken(uow, second, later)
    assert check is not None and check.outcome == "throttled" and check.retry_after == 30
    # a delay, not a lock: once it has passed, the right code goes through
    assert typed(uow, second, code, later + 31 * SECOND) == "ok"


def test_codes_sent_for_one_vehicle_across_conversations_are_spaced_out(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    uow = seeded_uow_factory
    for n in range(3):
        send_identification(uow, chat(uow, f"sender-{n}", f"203.0.113.{n}"), now)
    fourth = chat(uow, "sender-3", "203.0.113.3")
    with pytest.raises(TooManyAttempts) as refused:
        send_identification(uow, fourth, now)
    assert refused.value.code == "otp_send_throttled"
    assert refused.value.retry_after_seconds == 120
    send_identification(uow, fourth, now + 120 * SECOND)  # then one more...
    with pytest.raises(TooManyAttempts) as refused:
        send_identification(uow, chat(uow, "sender-4"), now + 121 * SECOND)
    assert refused.value.retry_after_seconds == 239  # ...and the next waits twice as long
    sends = events(uow, "send")
    assert len(sends) == 4 and {e["contact_hash"] for e in sends} == {contact_hash(CAMILLE_PHONE)}


def test_codes_sent_from_one_address_to_many_contacts_are_limited(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    uow = seeded_uow_factory

    def signup(n: int) -> None:
        otp.start_challenge(
            uow(),
            purpose="signup",
            conversation_id=chat(uow, f"spammer-{n}", "192.0.2.7"),
            transport="email",
            destination=f"victim-{n}@example.org",
            now=now,
        )

    for n in range(6):
        signup(n)
    with pytest.raises(TooManyAttempts):
        signup(6)
    otp.start_challenge(  # another address is not slowed
        uow(),
        purpose="signup",
        conversation_id=chat(uow, "someone-else", "192.0.2.8"),
        transport="email",
        destination="victim-7@example.org",
        now=now,
    )


def test_wrong_codes_from_one_address_are_limited_whatever_the_contact(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    uow = seeded_uow_factory
    limits = Limits(
        send={"ip": Rule(100, SECOND, SECOND)},
        attempt={"ip": Rule(3, timedelta(seconds=30), timedelta(minutes=15))},
    )
    outcomes = []
    for n in range(5):
        conversation_id = chat(uow, f"guesser-{n}", "192.0.2.9")
        _, code = otp.start_challenge(
            uow(),
            purpose="signup",
            conversation_id=conversation_id,
            transport="email",
            destination=f"someone-{n}@example.org",
            now=now,
            limits=limits,
        )
        outcomes.append(typed(uow, conversation_id, wrong_for(code), now, limits))
    assert outcomes == ["wrong"] * 3 + ["throttled"] * 2


def test_the_owner_is_told_once_after_repeated_wrong_codes(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    uow = seeded_uow_factory
    first = chat(uow, "alert-1", "203.0.113.1")
    code = send_identification(uow, first, now)
    alerts = []
    for _ in range(5):
        typed(uow, first, wrong_for(code), now)
        check = taken(uow, first, now)
        alerts.append(check.alert if check else None)
    assert alerts[:4] == [None] * 4
    assert alerts[4] is not None
    assert (alerts[4].transport, alerts[4].destination, alerts[4].language) == (
        "sms",
        CAMILLE_PHONE,
        "fr",
    )

    second = chat(uow, "alert-2", "203.0.113.2")
    later = now + timedelta(minutes=1)
    code = send_identification(uow, second, later)
    typed(uow, second, wrong_for(code), later)
    check = taken(uow, second, later)
    assert check is not None and check.outcome == "wrong" and check.alert is None  # once
    assert len(events(uow, "alert")) == 1


def test_an_outcome_is_handed_to_the_action_once(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    uow = seeded_uow_factory
    conversation_id = chat(uow, "once")
    code = send_identification(uow, conversation_id, now)
    assert typed(uow, conversation_id, code, now) == "ok"
    check = taken(uow, conversation_id, now)
    assert check is not None and check.outcome == "ok" and check.challenge is not None
    assert taken(uow, conversation_id, now) is None
    assert taken(uow, chat(uow, "another"), now) is None  # nothing for another conversation


def test_vehicle_lookups_are_limited_per_sender(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    uow = seeded_uow_factory
    conversation_id = chat(uow, "prober")
    for n in range(8):  # eight unknown vehicles, one sender
        found = identity.look_up_vehicle(
            uow(), f"XY-{100 + n}-ZZ", "VF1AB000000000001", conversation_id=conversation_id, now=now
        )
        assert found.outcome == "unknown"
    with pytest.raises(TooManyAttempts) as refused:
        identity.look_up_vehicle(
            uow(), CAMILLE_PLATE, CAMILLE_VIN, conversation_id=conversation_id, now=now
        )
    assert refused.value.code == "lookup_throttled" and refused.value.retry_after_seconds == 30


def test_lookups_of_one_vehicle_are_limited_across_senders_and_keep_the_two_answers(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    uow = seeded_uow_factory
    outcomes = []
    for n in range(8):
        vin = "VF1AB000000000001" if n % 2 else CAMILLE_VIN
        plate = CAMILLE_PLATE if n % 2 else "XY-999-ZZ"
        found = identity.look_up_vehicle(
            uow(), plate, vin, conversation_id=chat(uow, f"p-{n}", f"198.51.100.{n}"), now=now
        )
        outcomes.append(found.outcome)
    assert outcomes == ["plate_wrong", "vin_wrong"] * 4  # the seed's two answers stay
    with pytest.raises(TooManyAttempts):
        identity.look_up_vehicle(
            uow(), CAMILLE_PLATE, CAMILLE_VIN, conversation_id=chat(uow, "p-9", "10.0.0.9"), now=now
        )
    found = identity.look_up_vehicle(  # another vehicle is not slowed
        uow(), "XY-999-ZZ", "VF1AB000000000002", conversation_id=chat(uow, "p-10"), now=now
    )
    assert found.outcome == "unknown"
