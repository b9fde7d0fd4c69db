"""Staff authentication: rate-limited logins, server-side sessions and API tokens; only the
sha256 of a session or API token is stored."""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import datetime, timedelta

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from core.errors import Forbidden, InvalidCredentials, InvalidValue, NotFound, TooManyAttempts
from core.models import ApiToken, LoginAttempt, StaffSession, StaffUser
from core.staff_accounts import StaffView, dummy_hash, password_hasher, staff_view
from core.uow import UnitOfWork

LOGIN_WINDOW = timedelta(minutes=15)  # failures older than this are forgotten
LOGIN_MAX_FAILURES = 5  # failures without delay, per key
LOGIN_FIRST_DELAY = timedelta(seconds=30)  # after that, doubled at each failure...
LOGIN_MAX_DELAY = LOGIN_WINDOW  # ...up to this
SESSION_TTL = timedelta(hours=12)


def authenticate(
    uow: UnitOfWork, *, email: str, password: str, client_ip: str, now: datetime
) -> StaffView:
    """The staff user with that e-mail and password.

    Throttle, checked before the password, per client IP and per (e-mail, IP): after 5
    failures in 15 minutes each further attempt waits 30 s, then 60 s, 120 s... (at most
    15 minutes) after the last failure, else TooManyAttempts(retry_after_seconds). There is
    no limit per e-mail alone: an attacker hammering an account slows down themselves, never
    the rightful staff member signing in from another address. Each attempt is written (as a
    failure) and committed before its password is checked and before the count, so concurrent
    attempts always count each other. A success resets its (e-mail, IP) count, never the
    IP's (otherwise one valid account would reset the IP limit between guesses). An unknown
    e-mail costs one hash verification too, so timing does not reveal which e-mails exist.
    """
    address = str(email).strip().lower()
    ip_key = f"ip:{client_ip}"[:300]
    pair_key = f"email-ip:{address}|{client_ip}"[:300]
    with uow:
        session = uow.session
        _forget_old_attempts(session, (ip_key, pair_key), now)
        mine = [
            LoginAttempt(key=key, attempted_at=now, succeeded=False) for key in (ip_key, pair_key)
        ]
        session.add_all(mine)
        uow.commit()  # counted before anything else happens
        others = [attempt.id for attempt in mine]
        retry_after = max(
            _retry_after(session, ip_key, others, now, reset_by_success=False),
            _retry_after(session, pair_key, others, now, reset_by_success=True),
        )
        if retry_after > 0:  # not tried: the attempt does not count as a failure
            for attempt in mine:
                session.delete(attempt)
            uow.commit()
            raise TooManyAttempts(retry_after)
        user = session.scalar(select(StaffUser).where(StaffUser.email == address))
        hasher = password_hasher()
        try:
            hasher.verify(user.password_hash if user else dummy_hash(), str(password))
            valid = user is not None and bool(user.active)  # deactivated: like a wrong password
        except (VerificationError, InvalidHashError):
            valid = False
        if not valid:
            raise InvalidCredentials("invalid_credentials", "wrong e-mail or password")
        assert user is not None
        if hasher.check_needs_rehash(user.password_hash):  # parameters changed since
            user.password_hash = hasher.hash(str(password))
        mine[1].succeeded = True  # resets this (e-mail, IP) count
        session.delete(mine[0])  # a success is no failure of the IP (and resets nothing there)
        view = staff_view(user)
        uow.commit()
        return view


def login_delay(failures: int) -> timedelta:
    """How long after the last failure the next attempt waits, given the failures so far."""
    if failures < LOGIN_MAX_FAILURES:
        return timedelta(0)
    return min(LOGIN_FIRST_DELAY * 2 ** min(failures - LOGIN_MAX_FAILURES, 16), LOGIN_MAX_DELAY)


def _retry_after(
    session: Session, key: str, mine: list[int], now: datetime, *, reset_by_success: bool
) -> int:
    """Seconds the attempt must still wait given the other failures of `key`; 0 if none."""
    since = now - LOGIN_WINDOW
    if reset_by_success:
        last_success = session.scalar(
            select(func.max(LoginAttempt.attempted_at)).where(
                LoginAttempt.key == key, LoginAttempt.succeeded.is_(True)
            )
        )
        if last_success is not None and last_success >= since:
            since = last_success
    failures = list(
        session.scalars(
            select(LoginAttempt.attempted_at).where(
                LoginAttempt.key == key,
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.attempted_at > since,
                LoginAttempt.attempted_at <= now,
                LoginAttempt.id.not_in(mine),
            )
        )
    )
    if not failures:
        return 0
    wait_until = max(failures) + login_delay(len(failures))
    return max(0, math.ceil((wait_until - now).total_seconds()))


def _forget_old_attempts(session: Session, keys: tuple[str, str], now: datetime) -> None:
    session.execute(
        delete(LoginAttempt)
        .where(LoginAttempt.key.in_(keys), LoginAttempt.attempted_at < now - LOGIN_WINDOW)
        .execution_options(synchronize_session=False)
    )


def open_session(
    uow: UnitOfWork, staff_id: int, now: datetime, ttl: timedelta = SESSION_TTL
) -> tuple[str, str]:
    """A new session: (session token for the cookie, csrf token); only a hash is stored."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with uow:
        session = uow.session
        if session.get(StaffUser, staff_id) is None:
            raise NotFound("unknown_staff", f"no staff user {staff_id}")
        session.execute(  # housekeeping: this user's expired sessions
            delete(StaffSession)
            .where(StaffSession.staff_id == staff_id, StaffSession.expires_at <= now)
            .execution_options(synchronize_session=False)
        )
        session.add(
            StaffSession(
                token_hash=token_hash(token),
                staff_id=staff_id,
                csrf_token=csrf,
                created_at=now,
                expires_at=now + ttl,
            )
        )
        uow.commit()
    return token, csrf


def session_staff(uow: UnitOfWork, token: str, now: datetime) -> tuple[StaffView, str] | None:
    """(staff, csrf token) of a live session; None when the token is unknown or expired."""
    if not token:
        return None
    with uow:
        row = uow.session.execute(
            select(StaffUser, StaffSession.csrf_token)
            .join(StaffSession, StaffSession.staff_id == StaffUser.id)
            .where(
                StaffSession.token_hash == token_hash(token),
                StaffSession.expires_at > now,
                StaffUser.active.is_(True),
            )
        ).first()
        return None if row is None else (staff_view(row[0]), row[1])


def close_session(uow: UnitOfWork, token: str) -> None:
    """Log out: the session is deleted (closing an unknown session does nothing)."""
    with uow:
        uow.session.execute(
            delete(StaffSession)
            .where(StaffSession.token_hash == token_hash(token or ""))
            .execution_options(synchronize_session=False)
        )
        uow.commit()


def create_api_token(uow: UnitOfWork, *, name: str, created_by: int) -> str:
    """A new API token for scripts, created by an admin; the token is returned once."""
    label = " ".join(str(name).split())
    if not label or len(label) > 100:
        raise InvalidValue("invalid_token_name", "a token name has 1 to 100 characters")
    token = secrets.token_urlsafe(32)
    with uow:
        creator = uow.session.get(StaffUser, created_by)
        if creator is None:
            raise NotFound("unknown_staff", f"no staff user {created_by}")
        if creator.role != "admin":
            raise Forbidden("admin_only", "only an admin creates API tokens")
        uow.session.add(ApiToken(name=label, token_hash=token_hash(token), created_by=creator.id))
        uow.commit()
    return token


def api_token_staff(uow: UnitOfWork, token: str) -> StaffView | None:
    """The admin who created this token; None when it is unknown or revoked."""
    if not token:
        return None
    with uow:
        user = uow.session.scalar(
            select(StaffUser)
            .join(ApiToken, ApiToken.created_by == StaffUser.id)
            .where(
                ApiToken.token_hash == token_hash(token),
                ApiToken.revoked_at.is_(None),
                StaffUser.active.is_(True),
            )
        )
        return None if user is None else staff_view(user)


def revoke_api_token(uow: UnitOfWork, token: str, now: datetime) -> bool:
    """Revoke a token; False when it was unknown or already revoked."""
    with uow:
        revoked = uow.session.execute(
            update(ApiToken)
            .where(ApiToken.token_hash == token_hash(token), ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )
        uow.commit()
        return revoked.rowcount == 1


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
