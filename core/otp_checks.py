"""A code typed in the chat is checked by the hub before the bot sees the text; the action
then reads the outcome by its conversation (the sender id), never from what Rasa was sent.

`check_typed_code` runs the conversation's challenge check (core/otp.py) under the limits
across conversations (core/otp_limits.py) and records the outcome as an `attempt` event;
`take_check` hands that outcome to the action once. After repeated wrong codes for one
contact, one `alert` event per window tells the action to warn the owner (core/notify.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.errors import ChallengeExpired, ChallengeLocked, NoChallenge, WrongCode
from core.models import Conversation, Customer, OtpChallenge, OtpEvent
from core.otp import (
    LOCK,
    ChallengeView,
    challenge_view,
    latest_challenge,
    lock_conversation,
    verify_in,
)
from core.otp_limits import (
    DEFAULT_LIMITS,
    FAILURES,
    WINDOW,
    Limits,
    contact_hash,
    count,
    record,
    retry_after,
    serialise,
)
from core.uow import UnitOfWork

OUTCOMES = ("ok", "wrong", "wrong_locked", "locked", "expired", "none", "throttled")
FRESH = timedelta(minutes=10)  # an outcome not read by then is stale


@dataclass(frozen=True)
class OwnerAlert:
    """Where to warn the owner that wrong codes were tried (the destination, never shown)."""

    transport: str
    destination: str
    language: str | None  # the owner's, when the contact is a customer's


@dataclass(frozen=True)
class CodeCheck:
    """What came of the last code typed in a conversation.

    `outcome`: "ok" (then `challenge`), "wrong" (`attempts_left`), "locked" (this try or an
    earlier one locked the challenge), "expired", "none" (no code pending) or "throttled"
    (`retry_after` seconds, the code was not even compared)."""

    outcome: str
    attempts_left: int | None = None
    retry_after: int | None = None
    challenge: ChallengeView | None = None
    alert: OwnerAlert | None = None


def check_typed_code(
    uow: UnitOfWork,
    *,
    conversation_id: int,
    code: str,
    now: datetime,
    limits: Limits = DEFAULT_LIMITS,
) -> str:
    """Check `code` against the conversation's challenge, within the limits; the outcome is
    recorded for `take_check` and returned."""
    with uow:
        session = uow.session
        lock_conversation(session, conversation_id)
        conversation = session.get(Conversation, conversation_id)
        challenge = latest_challenge(session, conversation_id)
        keys: dict[str, object] = {
            "vehicle_id": challenge.vehicle_id if challenge else None,
            "contact_hash": contact_hash(challenge.destination) if challenge else None,
            "ip": conversation.client_ip if conversation else None,
        }
        serialise(session, keys)
        fields = {
            **keys,
            "conversation_id": conversation_id,
            "challenge_id": challenge.id if challenge else None,
        }
        wait = retry_after(session, "attempt", limits.attempt, keys, now, FAILURES)
        if wait > 0:
            record(session, "attempt", "throttled", now, detail=wait, **fields)
            uow.commit()
            return "throttled"
        detail = None
        try:
            verify_in(session, conversation_id, code, now)
            outcome = "ok"
        except WrongCode as error:
            outcome, detail = "wrong", error.attempts_left
        except ChallengeLocked:
            assert challenge is not None
            outcome = "wrong_locked" if _just_locked(challenge, now) else "locked"
        except ChallengeExpired:
            outcome = "expired"
        except NoChallenge:
            outcome = "none"
        record(session, "attempt", outcome, now, detail=detail, **fields)
        if outcome in FAILURES and keys["contact_hash"] is not None:
            _alert_once(session, limits, fields, now)
        uow.commit()
        return outcome


def _just_locked(challenge: OtpChallenge, now: datetime) -> bool:
    """This very try locked the challenge (its lock started now)."""
    return challenge.locked_until is not None and challenge.locked_until == now + LOCK


def _alert_once(session: Session, limits: Limits, fields: dict[str, object], now: datetime) -> None:
    """An `alert` event when the contact's wrong codes reach the threshold, once a window."""
    key = fields["contact_hash"]
    failures = count(session, "attempt", "contact_hash", key, now, FAILURES)
    if failures < limits.alert_after:
        return
    if count(session, "alert", "contact_hash", key, now, ("due", "sent")) > 0:
        return
    record(session, "alert", "due", now, **fields)


def take_check(uow: UnitOfWork, *, conversation_id: int, now: datetime) -> CodeCheck | None:
    """The outcome of the conversation's last typed code, once (None: no fresh one).

    With it, an owner alert due from this conversation (also handed over once)."""
    with uow:
        session = uow.session
        event = session.scalar(
            select(OtpEvent)
            .where(
                OtpEvent.conversation_id == conversation_id,
                OtpEvent.kind == "attempt",
                OtpEvent.at > now - FRESH,
            )
            .order_by(OtpEvent.id.desc())
            .limit(1)
        )
        if event is None or event.taken_at is not None or not _take(session, event.id, now):
            return None
        challenge = session.get(OtpChallenge, event.challenge_id) if event.challenge_id else None
        outcome = "locked" if event.outcome == "wrong_locked" else event.outcome
        check = CodeCheck(
            outcome=outcome,
            attempts_left=event.detail if outcome == "wrong" else None,
            retry_after=event.detail if outcome == "throttled" else None,
            challenge=challenge_view(challenge) if outcome == "ok" and challenge else None,
            alert=_take_alert(session, conversation_id, now),
        )
        uow.commit()
        return check


def _take(session: Session, event_id: int, now: datetime) -> bool:
    done = session.execute(
        update(OtpEvent)
        .where(OtpEvent.id == event_id, OtpEvent.taken_at.is_(None))
        .values(taken_at=now)
    )
    return done.rowcount == 1


def _take_alert(session: Session, conversation_id: int, now: datetime) -> OwnerAlert | None:
    alert = session.scalar(
        select(OtpEvent).where(
            OtpEvent.conversation_id == conversation_id,
            OtpEvent.kind == "alert",
            OtpEvent.taken_at.is_(None),
            OtpEvent.at > now - WINDOW,
        )
    )
    if alert is None or not _take(session, alert.id, now):
        return None
    challenge = session.get(OtpChallenge, alert.challenge_id) if alert.challenge_id else None
    if challenge is None:
        return None
    owner = session.get(Customer, challenge.customer_id) if challenge.customer_id else None
    return OwnerAlert(challenge.transport, challenge.destination, owner.language if owner else None)
