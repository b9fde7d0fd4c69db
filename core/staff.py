"""Staff accounts: argon2id passwords, rate-limited logins, server-side sessions, API tokens,
and the advisors' availability."""

from __future__ import annotations

import functools
import hashlib
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.customers import clean_name
from core.errors import (
    Conflict,
    Forbidden,
    InvalidCredentials,
    InvalidValue,
    NotFound,
    TooManyAttempts,
)
from core.models import ApiToken, HandoffRequest, LoginAttempt, StaffSession, StaffUser
from core.uow import UnitOfWork

ROLES = ("advisor", "admin")
PASSWORD_MIN = 10
PASSWORD_MAX = 1024  # hashing a megabyte on every login attempt would be a cheap DoS
MAX_CONVERSATIONS_LIMIT = 20
LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_MAX_FAILURES = 5
SESSION_TTL = timedelta(hours=12)
STALE_AFTER = timedelta(minutes=3)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class StaffView:
    id: int
    email: str
    name: str
    role: str
    max_conversations: int
    available: bool
    last_seen_at: datetime | None


@functools.lru_cache(maxsize=1)
def password_hasher() -> PasswordHasher:
    """argon2id with argon2-cffi's current recommended parameters."""
    return PasswordHasher()


def hash_password(password: str) -> str:
    return password_hasher().hash(password)


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # An unknown e-mail is verified against this, so it costs the same time as a known one.
    return hash_password(secrets.token_urlsafe(16))


def create_staff_user(
    uow: UnitOfWork, *, email: str, name: str, role: str, password: str
) -> StaffView:
    """A new advisor or admin; InvalidValue for a bad e-mail, name, role or a weak password."""
    address = clean_email(email)
    try:
        shown_name = clean_name(name)
    except InvalidValue as exc:
        raise InvalidValue("invalid_name", exc.message) from exc
    if role not in ROLES:
        raise InvalidValue("invalid_role", f"role must be one of {', '.join(ROLES)}")
    check_password_strength(password)
    password_hash = hash_password(password)  # before the transaction: it takes a while
    with uow:
        session = uow.session
        if session.scalar(select(StaffUser.id).where(StaffUser.email == address)) is not None:
            raise Conflict("email_taken", f"a staff user {address} already exists")
        user = StaffUser(
            email=address,
            name=shown_name,
            role=role,
            password_hash=password_hash,
            max_conversations=3,
            available=False,
        )
        try:
            with session.begin_nested():
                session.add(user)
        except IntegrityError as exc:  # created meanwhile by someone else
            raise Conflict("email_taken", f"a staff user {address} already exists") from exc
        view = _view(user)
        uow.commit()
        return view


def clean_email(email: str) -> str:
    address = str(email).strip().lower()
    if len(address) > 254 or not _EMAIL.match(address):
        raise InvalidValue("invalid_email", "expected an e-mail address")
    return address


def check_password_strength(password: str) -> None:
    if not isinstance(password, str) or len(password) < PASSWORD_MIN:
        raise InvalidValue("weak_password", f"a password has at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise InvalidValue("invalid_password", f"a password has at most {PASSWORD_MAX} characters")


def authenticate(
    uow: UnitOfWork, *, email: str, password: str, client_ip: str, now: datetime
) -> StaffView:
    """The staff user with that e-mail and password.

    Rate limit, checked before the password: at most 5 failures in 15 minutes per e-mail and
    per client IP, else TooManyAttempts(retry_after_seconds). A failure counts for both keys;
    a success is recorded for the e-mail only and resets that e-mail's count, never the IP's
    (otherwise one valid account would reset the IP limit between guesses). An unknown e-mail
    costs one hash verification too, so timing does not reveal which e-mails exist.
    """
    address = str(email).strip().lower()
    email_key, ip_key = f"email:{address}"[:300], f"ip:{client_ip}"[:300]
    with uow:
        session = uow.session
        retry_after = max(
            _retry_after(session, email_key, now, reset_by_success=True),
            _retry_after(session, ip_key, now, reset_by_success=False),
        )
        if retry_after > 0:
            raise TooManyAttempts(retry_after)
        user = session.scalar(select(StaffUser).where(StaffUser.email == address))
        hasher = password_hasher()
        try:
            hasher.verify(user.password_hash if user else _dummy_hash(), str(password))
            valid = user is not None
        except (VerificationError, InvalidHashError):
            valid = False
        if not valid:
            _forget_old_attempts(session, (email_key, ip_key), now)
            session.add(LoginAttempt(key=email_key, attempted_at=now, succeeded=False))
            session.add(LoginAttempt(key=ip_key, attempted_at=now, succeeded=False))
            uow.commit()
            raise InvalidCredentials("invalid_credentials", "wrong e-mail or password")
        assert user is not None
        if hasher.check_needs_rehash(user.password_hash):  # parameters changed since
            user.password_hash = hasher.hash(str(password))
        session.add(LoginAttempt(key=email_key, attempted_at=now, succeeded=True))
        view = _view(user)
        uow.commit()
        return view


def _retry_after(session: Session, key: str, now: datetime, *, reset_by_success: bool) -> int:
    """Seconds until `key` has fewer than the maximum of failures in the window; 0 if it has."""
    since = now - LOGIN_WINDOW
    if reset_by_success:
        last_success = session.scalar(
            select(func.max(LoginAttempt.attempted_at)).where(
                LoginAttempt.key == key, LoginAttempt.succeeded.is_(True)
            )
        )
        if last_success is not None and last_success > since:
            since = last_success
    failures = list(
        session.scalars(
            select(LoginAttempt.attempted_at)
            .where(
                LoginAttempt.key == key,
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.attempted_at > since,
                LoginAttempt.attempted_at <= now,
            )
            .order_by(LoginAttempt.attempted_at.desc())
            .limit(LOGIN_MAX_FAILURES)
        )
    )
    if len(failures) < LOGIN_MAX_FAILURES:
        return 0
    # blocked until the oldest of the last five failures leaves the window
    return max(1, math.ceil((failures[-1] + LOGIN_WINDOW - now).total_seconds()))


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
            .where(StaffSession.token_hash == token_hash(token), StaffSession.expires_at > now)
        ).first()
        return None if row is None else (_view(row[0]), row[1])


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
            .where(ApiToken.token_hash == token_hash(token), ApiToken.revoked_at.is_(None))
        )
        return None if user is None else _view(user)


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


def set_availability(
    uow: UnitOfWork,
    staff_id: int,
    *,
    available: bool,
    max_conversations: int | None = None,
    now: datetime,
) -> StaffView:
    """Available or away (and the maximum of conversations at once); counts as seen now."""
    values: dict[str, object] = {"available": bool(available), "last_seen_at": now}
    if max_conversations is not None:
        if not 1 <= int(max_conversations) <= MAX_CONVERSATIONS_LIMIT:
            raise InvalidValue(
                "invalid_max_conversations",
                f"between 1 and {MAX_CONVERSATIONS_LIMIT} conversations at once",
            )
        values["max_conversations"] = int(max_conversations)
    with uow:
        _update_staff(uow.session, staff_id, values)
        view = _view(uow.session.get_one(StaffUser, staff_id))
        uow.commit()
        return view


def set_max_conversations(uow: UnitOfWork, staff_id: int, max_conversations: int) -> StaffView:
    """The admin's edit of an advisor's maximum, leaving their availability alone."""
    if not 1 <= int(max_conversations) <= MAX_CONVERSATIONS_LIMIT:
        raise InvalidValue(
            "invalid_max_conversations",
            f"between 1 and {MAX_CONVERSATIONS_LIMIT} conversations at once",
        )
    with uow:
        _update_staff(uow.session, staff_id, {"max_conversations": int(max_conversations)})
        view = _view(uow.session.get_one(StaffUser, staff_id))
        uow.commit()
        return view


def heartbeat(uow: UnitOfWork, staff_id: int, now: datetime) -> None:
    """The console is connected: the advisor was seen now."""
    with uow:
        _update_staff(uow.session, staff_id, {"last_seen_at": now})
        uow.commit()


def advisor_available(uow: UnitOfWork, now: datetime, stale_after: timedelta = STALE_AFTER) -> bool:
    """Some staff user is available, seen within `stale_after` (console still connected),
    and has fewer accepted requests than their maximum."""
    accepted = (
        select(func.count())
        .select_from(HandoffRequest)
        .where(HandoffRequest.advisor_id == StaffUser.id, HandoffRequest.status == "accepted")
        .correlate(StaffUser)
        .scalar_subquery()
    )
    with uow:
        found = uow.session.scalar(
            select(StaffUser.id)
            .where(
                StaffUser.available.is_(True),
                StaffUser.last_seen_at >= now - stale_after,
                accepted < StaffUser.max_conversations,
            )
            .limit(1)
        )
        return found is not None


def get_staff(uow: UnitOfWork, staff_id: int) -> StaffView:
    with uow:
        user = uow.session.get(StaffUser, staff_id)
        if user is None:
            raise NotFound("unknown_staff", f"no staff user {staff_id}")
        return _view(user)


def list_staff(uow: UnitOfWork) -> list[StaffView]:
    with uow:
        users = uow.session.scalars(select(StaffUser).order_by(StaffUser.name, StaffUser.id))
        return [_view(user) for user in users]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _update_staff(session: Session, staff_id: int, values: dict[str, object]) -> None:
    updated = session.execute(
        update(StaffUser)
        .where(StaffUser.id == staff_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if updated.rowcount != 1:
        raise NotFound("unknown_staff", f"no staff user {staff_id}")
    session.expire_all()


def _view(user: StaffUser) -> StaffView:
    return StaffView(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        max_conversations=user.max_conversations,
        available=user.available,
        last_seen_at=user.last_seen_at,
    )
