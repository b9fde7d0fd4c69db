"""One-time codes with a controlled clock: expiry, single use, lock, resend cooldown."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import otp
from core.errors import ChallengeExpired, ChallengeLocked, NoChallenge, ResendTooSoon, WrongCode


@pytest.fixture
def start(uow_factory, add_conversation, now):
    conversation_id = add_conversation("web", "otp-visitor")

    def begin(at=None):
        return otp.start_challenge(
            uow_factory(),
            purpose="signup",
            conversation_id=conversation_id,
            transport="email",
            destination="jean@gmail.com",
            now=at or now,
        )

    begin.conversation_id = conversation_id
    return begin


def verify(uow_factory, start, code, at):
    return otp.verify_code(uow_factory(), conversation_id=start.conversation_id, code=code, now=at)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_the_right_code_verifies_once(uow_factory, start, now) -> None:
    view, code = start()
    assert len(code) == 6 and code.isdigit()
    assert view.masked_destination == "j•••@gmail.com" and view.attempts_left == 5
    assert otp.awaiting_code(uow_factory(), start.conversation_id, now)
    done = verify(uow_factory, start, f" {code[:3]} {code[3:]} ", now + timedelta(seconds=30))
    assert done.id == view.id
    assert not otp.awaiting_code(uow_factory(), start.conversation_id, now)
    with pytest.raises(NoChallenge):
        verify(uow_factory, start, code, now + timedelta(seconds=40))


def test_a_code_expires_after_five_minutes(uow_factory, start, now) -> None:
    view, code = start()
    assert view.expires_at == now + timedelta(minutes=5)
    assert verify(uow_factory, start, code, now + timedelta(minutes=4, seconds=59)).id == view.id
    view, code = start(now + timedelta(minutes=10))
    later = now + timedelta(minutes=15)
    assert not otp.awaiting_code(uow_factory(), start.conversation_id, later)
    with pytest.raises(ChallengeExpired):
        verify(uow_factory, start, code, later)


def test_five_wrong_codes_lock_for_fifteen_minutes(uow_factory, start, now) -> None:
    _, code = start()
    for left in (4, 3, 2, 1):
        with pytest.raises(WrongCode) as error:
            verify(uow_factory, start, wrong(code), now)
        assert error.value.attempts_left == left
    with pytest.raises(ChallengeLocked) as locked:
        verify(uow_factory, start, wrong(code), now)
    assert locked.value.until == now + timedelta(minutes=15)
    # Locked: even the right code is refused, and no new code is sent.
    with pytest.raises(ChallengeLocked):
        verify(uow_factory, start, code, now + timedelta(minutes=1))
    with pytest.raises(ChallengeLocked):
        start(now + timedelta(minutes=14, seconds=59))
    assert not otp.awaiting_code(uow_factory(), start.conversation_id, now + timedelta(minutes=1))
    # Unlocked after 15 minutes: a new code can be asked for and works.
    view, fresh = start(now + timedelta(minutes=15))
    assert verify(uow_factory, start, fresh, now + timedelta(minutes=16)).id == view.id


def test_a_new_code_waits_sixty_seconds_and_replaces_the_old_one(uow_factory, start, now) -> None:
    _, first = start()
    with pytest.raises(ResendTooSoon) as error:
        start(now + timedelta(seconds=45))
    assert error.value.seconds == 15
    view, second = start(now + timedelta(seconds=60))
    at = now + timedelta(seconds=61)
    if first != second:
        with pytest.raises(WrongCode):
            verify(uow_factory, start, first, at)
    assert verify(uow_factory, start, second, at).id == view.id


def test_no_challenge_means_no_code_expected(uow_factory, add_conversation, now) -> None:
    conversation_id = add_conversation("web", "nobody")
    assert not otp.awaiting_code(uow_factory(), conversation_id, now)
    with pytest.raises(NoChallenge):
        otp.verify_code(uow_factory(), conversation_id=conversation_id, code="123456", now=now)


def test_a_code_for_another_contact_is_not_held_back_by_the_cooldown(
    uow_factory, start, now
) -> None:
    start()  # to the e-mail
    view, code = otp.start_challenge(
        uow_factory(),
        purpose="signup",
        conversation_id=start.conversation_id,
        transport="sms",
        destination="+33612345642",
        now=now + timedelta(seconds=5),
    )
    assert view.transport == "sms"
    assert verify(uow_factory, start, code, now + timedelta(seconds=6)).id == view.id
