"""Two-factor authentication of staff with TOTP (RFC 6238, pyotp) and recovery codes
(issue 14, item 8).

Enrolment: a secret is drawn (`start_enrolment`), shown as a QR code, and confirmed with a
code (`confirm_enrolment`), which also gives ten recovery codes, shown once and stored as
sha256, each single use. Sign-in: after the password, `open_challenge` keeps the pending
sign-in (5 minutes); `complete_challenge` checks a TOTP code or a recovery code. A TOTP code
is accepted within one 30 s step either side, and only if its step is later than the last
accepted one (one conditional UPDATE of `totp_last_counter`): a code cannot be replayed.
Second-factor attempts are throttled per account like passwords (core.staff_auth): after 5
failures each further attempt waits 30 s, 60 s... The secret itself is kept in the database
in clear: a TOTP verifier needs it (docs/security.md).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from core.errors import (
    Conflict,
    Forbidden,
    InvalidCredentials,
    InvalidValue,
    NotFound,
    TooManyAttempts,
)
from core.models import LoginAttempt, LoginChallenge, RecoveryCode, StaffUser
from core.staff_accounts import StaffView, staff_view
from core.staff_auth import LOGIN_WINDOW, _retry_after, token_hash
from core.staff_lifecycle import end_sessions
from core.uow import UnitOfWork

ISSUER = "Pitlane"
STEP_SECONDS = 30
RECOVERY_CODES = 10
CHALLENGE_TTL = timedelta(minutes=5)
_TOTP = re.compile(r"^\d{6}$")
_RECOVERY = re.compile(r"^[0-9a-f]{12}$")


@dataclass(frozen=True)
class Enrolment:
    """A secret drawn but not yet confirmed, and what the authenticator app shows."""

    secret: str
    uri: str


def start_enrolment(uow: UnitOfWork, staff_id: int) -> Enrolment:
    """Draw a new secret (replacing an unconfirmed one); Conflict when TOTP is already on."""
    secret = pyotp.random_base32()
    with uow:
        user = _user(uow.session, staff_id)
        if user.totp_confirmed_at is not None:
            raise Conflict("totp_enrolled", "two-factor authentication is already on")
        user.totp_secret = secret
        user.totp_last_counter = None
        enrolment = Enrolment(secret, _uri(secret, user.email))
        uow.commit()
        return enrolment


def pending_enrolment(uow: UnitOfWork, staff_id: int) -> Enrolment | None:
    """The drawn, unconfirmed secret of the staff user, if any."""
    with uow:
        user = _user(uow.session, staff_id)
        if user.totp_confirmed_at is not None or not user.totp_secret:
            return None
        return Enrolment(user.totp_secret, _uri(user.totp_secret, user.email))


def confirm_enrolment(uow: UnitOfWork, staff_id: int, code: str, now: datetime) -> list[str]:
    """Turn TOTP on with a first code; the ten recovery codes, to show once.

    InvalidValue `invalid_code` (wrong code, or no enrolment started)."""
    with uow:
        session = uow.session
        user = _user(session, staff_id)
        if user.totp_confirmed_at is not None or not user.totp_secret:
            raise InvalidValue("invalid_code", "start the enrolment again")
        counter = _matching_counter(user.totp_secret, code, now)
        if counter is None:
            raise InvalidValue("invalid_code", "wrong code: try the one shown now")
        user.totp_confirmed_at = now
        user.totp_last_counter = counter
        codes = _new_recovery_codes(session, staff_id)
        uow.commit()
        return codes


def reset_totp(uow: UnitOfWork, staff_id: int, *, by: int) -> StaffView:
    """An admin turns off another staff member's TOTP (lost phone); their sessions end and
    they enrol again. Forbidden `cannot_reset_self`, `admin_only`."""
    if staff_id == by:
        raise Forbidden("cannot_reset_self", "another admin resets your two-factor authentication")
    with uow:
        session = uow.session
        actor = session.get(StaffUser, by)
        if actor is None or actor.role != "admin" or not actor.active:
            raise Forbidden("admin_only", "only an active admin resets two-factor authentication")
        user = _user(session, staff_id)
        user.totp_secret = None
        user.totp_confirmed_at = None
        user.totp_last_counter = None
        session.execute(
            delete(RecoveryCode)
            .where(RecoveryCode.staff_id == staff_id)
            .execution_options(synchronize_session=False)
        )
        end_sessions(session, staff_id)
        view = staff_view(user)
        uow.commit()
        return view


def open_challenge(uow: UnitOfWork, staff_id: int, now: datetime) -> str:
    """The password was right: a pending sign-in's token (for a cookie); only its hash is kept."""
    token = secrets.token_urlsafe(32)
    with uow:
        session = uow.session
        session.execute(
            delete(LoginChallenge)
            .where(or_(LoginChallenge.staff_id == staff_id, LoginChallenge.expires_at <= now))
            .execution_options(synchronize_session=False)
        )
        session.add(
            LoginChallenge(
                token_hash=token_hash(token),
                staff_id=staff_id,
                created_at=now,
                expires_at=now + CHALLENGE_TTL,
            )
        )
        uow.commit()
    return token


def challenge_staff(uow: UnitOfWork, token: str, now: datetime) -> StaffView | None:
    """The active staff user of a live pending sign-in, or None."""
    if not token or len(token) > 200:
        return None
    with uow:
        user = uow.session.scalar(
            select(StaffUser)
            .join(LoginChallenge, LoginChallenge.staff_id == StaffUser.id)
            .where(
                LoginChallenge.token_hash == token_hash(token),
                LoginChallenge.expires_at > now,
                StaffUser.active.is_(True),
            )
        )
        return None if user is None else staff_view(user)


def complete_challenge(uow: UnitOfWork, token: str, code: str, now: datetime) -> StaffView:
    """Check the code of a pending sign-in and consume it (once).

    InvalidValue `sign_in_expired`; InvalidCredentials `invalid_code`; TooManyAttempts."""
    staff = challenge_staff(uow, token, now)
    if staff is None:
        raise InvalidValue("sign_in_expired", "sign in again")
    check_second_factor(uow, staff.id, code, now)
    with uow:
        consumed = uow.session.execute(
            delete(LoginChallenge)
            .where(LoginChallenge.token_hash == token_hash(token), LoginChallenge.expires_at > now)
            .execution_options(synchronize_session=False)
        )
        uow.commit()
    if consumed.rowcount != 1:
        raise InvalidValue("sign_in_expired", "sign in again")
    return staff


def check_second_factor(uow: UnitOfWork, staff_id: int, code: str, now: datetime) -> str:
    """ "totp" or "recovery" when `code` is a fresh TOTP code or an unused recovery code of
    the staff user (it is then used up). InvalidCredentials `invalid_code`; TooManyAttempts
    after repeated failures (counted before the check, as passwords are)."""
    key = f"factor:{staff_id}"
    with uow:
        session = uow.session
        session.execute(
            delete(LoginAttempt)
            .where(LoginAttempt.key == key, LoginAttempt.attempted_at < now - LOGIN_WINDOW)
            .execution_options(synchronize_session=False)
        )
        attempt = LoginAttempt(key=key, attempted_at=now, succeeded=False)
        session.add(attempt)
        uow.commit()
        retry_after = _retry_after(session, key, [attempt.id], now, reset_by_success=True)
        if retry_after > 0:
            session.delete(attempt)
            uow.commit()
            raise TooManyAttempts(retry_after)
        kind = _use_code(session, _user(session, staff_id), str(code or ""), now)
        if kind is None:
            raise InvalidCredentials("invalid_code", "wrong or already used code")
        attempt.succeeded = True
        uow.commit()
        return kind


def recovery_codes_left(uow: UnitOfWork, staff_id: int) -> int:
    with uow:
        return len(
            uow.session.scalars(
                select(RecoveryCode.id).where(
                    RecoveryCode.staff_id == staff_id, RecoveryCode.used_at.is_(None)
                )
            ).all()
        )


def _use_code(session: Session, user: StaffUser, code: str, now: datetime) -> str | None:
    if user.totp_confirmed_at is None or not user.totp_secret:
        return None
    given = re.sub(r"[\s.-]", "", code).lower()[:40]
    if _TOTP.match(given):
        counter = _matching_counter(user.totp_secret, given, now)
        if counter is None:
            return None
        taken = session.execute(  # later than the last accepted step: no replay
            update(StaffUser)
            .where(
                StaffUser.id == user.id,
                or_(StaffUser.totp_last_counter.is_(None), StaffUser.totp_last_counter < counter),
            )
            .values(totp_last_counter=counter)
            .execution_options(synchronize_session=False)
        )
        return "totp" if taken.rowcount == 1 else None
    if _RECOVERY.match(given):
        used = session.execute(
            update(RecoveryCode)
            .where(
                RecoveryCode.staff_id == user.id,
                RecoveryCode.code_hash == _code_hash(given),
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return "recovery" if used.rowcount == 1 else None
    return None


def _matching_counter(secret: str, code: str, now: datetime) -> int | None:
    """The time step (now, one before or one after) whose code is `code`, or None."""
    given = re.sub(r"[\s.-]", "", str(code or ""))
    if not _TOTP.match(given):
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int(now.timestamp()) // STEP_SECONDS
    found = None
    for counter in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(counter), given):
            found = counter
    return found


def _new_recovery_codes(session: Session, staff_id: int) -> list[str]:
    session.execute(
        delete(RecoveryCode)
        .where(RecoveryCode.staff_id == staff_id)
        .execution_options(synchronize_session=False)
    )
    codes = [secrets.token_hex(6) for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(staff_id=staff_id, code_hash=_code_hash(c)) for c in codes)
    return [f"{c[:4]}-{c[4:8]}-{c[8:]}" for c in codes]


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def _uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(
        name=email, issuer_name=ISSUER
    )


def _user(session: Session, staff_id: int) -> StaffUser:
    user = session.get(StaffUser, staff_id)
    if user is None:
        raise NotFound("unknown_staff", f"no staff user {staff_id}")
    return user
