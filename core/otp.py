"""One-time codes: 6 digits, valid 5 minutes, single use; 5 wrong tries lock the
conversation's codes for 15 minutes; a new code no sooner than 60 seconds after the last.

The code itself is never stored: a challenge keeps a pyotp secret and a counter, the code
is HOTP(secret, counter). Every check and counter change happens in one transaction with
conditional updates, so two concurrent tries cannot both pass.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pyotp
from sqlalchemy import case, literal, select, update
from sqlalchemy.orm import Session

from core.customer_merge import merge_chat_into
from core.customers import CustomerView
from core.errors import (
    ChallengeExpired,
    ChallengeLocked,
    Forbidden,
    InvalidValue,
    NoChallenge,
    NotFound,
    ResendTooSoon,
    TooManyAttempts,
    WrongCode,
)
from core.identity import mask_email, mask_phone
from core.models import (
    Conversation,
    Customer,
    OtpChallenge,
    UTCDateTime,
    Vehicle,
)
from core.otp_limits import DEFAULT_LIMITS, Limits, contact_hash, record, retry_after, serialise
from core.uow import UnitOfWork

DIGITS = 6
VALIDITY = timedelta(minutes=5)
MAX_ATTEMPTS = 5
LOCK = timedelta(minutes=15)
RESEND_AFTER = timedelta(seconds=60)
TRANSPORTS = ("sms", "email")
PURPOSES = ("identify", "verify_contact", "signup")


@dataclass(frozen=True)
class ChallengeView:
    id: int
    purpose: str
    transport: str
    masked_destination: str
    expires_at: datetime
    attempts_left: int


def mask_destination(transport: str, destination: str) -> str:
    return mask_phone(destination) if transport == "sms" else mask_email(destination)


def start_challenge(
    uow: UnitOfWork,
    *,
    purpose: str,
    conversation_id: int,
    transport: str,
    destination: str,
    now: datetime,
    customer_id: int | None = None,
    vehicle_id: int | None = None,
    payload: dict[str, Any] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[ChallengeView, str]:
    """A new challenge and its code (to send, never to log); supersedes the previous one.

    Codes sent are limited per vehicle, per destination and per client IP across
    conversations (core/otp_limits.py): TooManyAttempts(seconds) when one must wait."""
    if purpose not in PURPOSES:
        raise InvalidValue("invalid_purpose", f"unknown purpose {purpose!r}")
    if transport not in TRANSPORTS:
        raise InvalidValue("invalid_transport", f"unknown transport {transport!r}")
    with uow:
        session = uow.session
        _lock_conversation(session, conversation_id)
        last = _latest(session, conversation_id)
        if last is not None:
            if last.locked_until is not None and now < last.locked_until:
                raise ChallengeLocked(last.locked_until)
            # the cooldown is for resending: a code to another address or number (the
            # e-mail's, then the phone's) is not held back; the lock above is conversation-wide
            resend = last.destination == destination and last.consumed_at is None
            wait = last.created_at + RESEND_AFTER - now
            if resend and wait > timedelta(0):
                raise ResendTooSoon(max(1, int(wait.total_seconds() + 0.999)))
        conversation = session.get(Conversation, conversation_id)
        keys: dict[str, object] = {
            "vehicle_id": vehicle_id,
            "contact_hash": contact_hash(destination),
            "ip": conversation.client_ip if conversation is not None else None,
        }
        serialise(session, keys)
        seconds = retry_after(session, "send", limits.send, keys, now)
        if seconds > 0:
            raise TooManyAttempts(seconds, "otp_send_throttled")
        secret = pyotp.random_base32()
        counter = int(now.timestamp())
        challenge = OtpChallenge(
            purpose=purpose,
            conversation_id=conversation_id,
            customer_id=customer_id,
            vehicle_id=vehicle_id,
            transport=transport,
            destination=destination,
            secret=secret,
            counter=counter,
            payload=payload,
            created_at=now,
            expires_at=now + VALIDITY,
            attempts=0,
        )
        session.add(challenge)
        session.flush()
        record(session, "send", "sent", now, conversation_id=conversation_id, **keys)
        view = _view(challenge)
        uow.commit()
        return view, _code(secret, counter)


def start_identification(
    uow: UnitOfWork,
    *,
    conversation_id: int,
    vehicle_id: int,
    transport: str,
    now: datetime,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[ChallengeView, str]:
    """A code to the vehicle owner's phone ("sms") or e-mail ("email") on record."""
    with uow:
        vehicle = uow.session.get(Vehicle, vehicle_id)
        owner = None if vehicle is None else uow.session.get(Customer, vehicle.customer_id)
        if vehicle is None or owner is None:
            raise NotFound("unknown_vehicle", f"no vehicle {vehicle_id}")
        destination = owner.phone if transport == "sms" else owner.email
        if not destination:
            raise InvalidValue("no_contact", f"the owner has no {transport} contact")
        return start_challenge(
            uow,
            purpose="identify",
            conversation_id=conversation_id,
            transport=transport,
            destination=destination,
            now=now,
            customer_id=owner.id,
            vehicle_id=vehicle.id,
            limits=limits,
        )


def verify_code(
    uow: UnitOfWork, *, conversation_id: int, code: str, now: datetime
) -> ChallengeView:
    """Consume the conversation's open challenge when `code` is right.

    WrongCode(attempts_left), ChallengeLocked(until) on the fifth wrong try and while
    locked, ChallengeExpired, NoChallenge (none, or already used).
    """
    with uow:
        try:
            view = verify_in(uow.session, conversation_id, code, now)
        except (WrongCode, ChallengeLocked):
            uow.commit()  # the wrong try counts
            raise
        uow.commit()
        return view


def verify_in(session: Session, conversation_id: int, code: str, now: datetime) -> ChallengeView:
    """verify_code in the caller's transaction (a wrong try is counted, to commit)."""
    given = "".join(str(code).split())
    challenge = _latest(session, conversation_id)
    if challenge is None or challenge.consumed_at is not None:
        raise NoChallenge()
    if challenge.locked_until is not None and now < challenge.locked_until:
        raise ChallengeLocked(challenge.locked_until)
    if now >= challenge.expires_at:
        raise ChallengeExpired()
    open_now = (
        (OtpChallenge.id == challenge.id)
        & OtpChallenge.consumed_at.is_(None)
        & (OtpChallenge.locked_until.is_(None) | (OtpChallenge.locked_until <= now))
        & (OtpChallenge.expires_at > now)
    )
    if hmac.compare_digest(given.encode(), _code(challenge.secret, challenge.counter).encode()):
        done = session.execute(update(OtpChallenge).where(open_now).values(consumed_at=now))
        if done.rowcount != 1:  # another try won the race
            raise NoChallenge()
        session.refresh(challenge)
        return _view(challenge)
    # A wrong code: count it, and lock on the last allowed try, in one statement.
    tries = OtpChallenge.attempts + 1
    session.execute(
        update(OtpChallenge)
        .where(open_now)
        .values(
            attempts=tries,
            locked_until=case(
                (tries >= MAX_ATTEMPTS, literal(now + LOCK, UTCDateTime())),
                else_=OtpChallenge.locked_until,
            ),
        )
    )
    session.refresh(challenge)
    if challenge.locked_until is not None and now < challenge.locked_until:
        raise ChallengeLocked(challenge.locked_until)
    raise WrongCode(max(0, MAX_ATTEMPTS - challenge.attempts))


def awaiting_code(uow: UnitOfWork, conversation_id: int, now: datetime) -> bool:
    """The conversation has an open, unexpired, unlocked challenge: a code is expected."""
    with uow:
        challenge = _latest(uow.session, conversation_id)
        return (
            challenge is not None
            and challenge.consumed_at is None
            and now < challenge.expires_at
            and (challenge.locked_until is None or challenge.locked_until <= now)
        )


def expects_code(uow: UnitOfWork, conversation_id: int, now: datetime) -> bool:
    """A code typed now would be one of ours: the conversation's last challenge is unused and
    still open, locked, or expired less than a lock ago (such codes are masked too)."""
    with uow:
        challenge = _latest(uow.session, conversation_id)
        if challenge is None or challenge.consumed_at is not None:
            return False
        locked = challenge.locked_until is not None and now < challenge.locked_until
        return locked or now < challenge.expires_at + LOCK


def latest_challenge(session: Session, conversation_id: int) -> OtpChallenge | None:
    """The conversation's most recent challenge (in the caller's transaction)."""
    return _latest(session, conversation_id)


def challenge_view(challenge: OtpChallenge) -> ChallengeView:
    return _view(challenge)


def lock_conversation(session: Session, conversation_id: int) -> None:
    """Serialise the code steps of one conversation (see _lock_conversation)."""
    _lock_conversation(session, conversation_id)


def consumed_challenge(uow: UnitOfWork, challenge_id: int, purpose: str) -> OtpChallenge:
    """A challenge of `purpose` whose code was verified (in the caller's unit of work)."""
    challenge = uow.session.get(OtpChallenge, challenge_id)
    if challenge is None or challenge.purpose != purpose or challenge.consumed_at is None:
        raise NoChallenge("challenge_not_verified", "this code was not verified")
    return challenge


def complete_identification(
    uow: UnitOfWork, *, challenge_id: int, channel: str, external_id: str, now: datetime
) -> CustomerView:
    """After verify_code: this chat becomes the owner's, identified with the vehicle.

    The chat's own provisional record (a visitor who gave a name and booked before
    identifying) is merged into the owner in the same transaction: its bookings and other
    records become the owner's (core/customer_merge.py). Running it again changes nothing.
    """
    with uow:
        session = uow.session
        challenge = consumed_challenge(uow, challenge_id, "identify")
        conversation = session.get(Conversation, challenge.conversation_id)
        if conversation is None or (conversation.channel, conversation.external_id) != (
            channel,
            external_id,
        ):
            raise Forbidden("other_conversation", "this code belongs to another conversation")
        if challenge.customer_id is None or challenge.vehicle_id is None:
            raise NotFound("unknown_customer", "the vehicle owner no longer exists")
        merge_chat_into(
            session,
            customer_id=challenge.customer_id,
            channel=channel,
            external_id=external_id,
            conversation_id=conversation.id,
        )
        owner = session.get(Customer, challenge.customer_id)
        assert owner is not None  # locked by the merge
        owner.identified_vehicle_id = challenge.vehicle_id
        session.flush()
        view = CustomerView(owner.id, owner.name, owner.email, owner.phone, owner.language)
        uow.commit()
        return view


def _code(secret: str, counter: int) -> str:
    return pyotp.HOTP(secret, digits=DIGITS).at(counter)


def _latest(session: Session, conversation_id: int) -> OtpChallenge | None:
    return session.scalar(
        select(OtpChallenge)
        .where(OtpChallenge.conversation_id == conversation_id)
        .order_by(OtpChallenge.id.desc())
        .limit(1)
    )


def _lock_conversation(session: Session, conversation_id: int) -> None:
    """Serialise code requests of one conversation (row lock; SQLite locks the database)."""
    done = session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(updated_at=Conversation.updated_at)
    )
    if done.rowcount != 1:
        raise NotFound("unknown_conversation", f"no conversation {conversation_id}")


def _view(challenge: OtpChallenge) -> ChallengeView:
    return ChallengeView(
        id=challenge.id,
        purpose=challenge.purpose,
        transport=challenge.transport,
        masked_destination=mask_destination(challenge.transport, challenge.destination),
        expires_at=challenge.expires_at,
        attempts_left=max(0, MAX_ATTEMPTS - challenge.attempts),
    )


def challenge_destination(uow: UnitOfWork, challenge_id: int) -> str:
    """The full destination of a challenge, to hand to core.notify.send_code (never shown)."""
    with uow:
        challenge = uow.session.get(OtpChallenge, challenge_id)
        if challenge is None:
            raise NoChallenge()
        return challenge.destination
