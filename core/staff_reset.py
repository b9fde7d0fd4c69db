"""Password reset by e-mail link (issue 14, item 8).

Asking for a link always gets the same answer, whether the e-mail is known or not; asks are
counted per client IP (429 past `RESET_PER_IP` in `RESET_WINDOW`) and per account (past
`RESET_PER_ACCOUNT`, no more e-mails, silently). The link's token is random, stored as a
sha256, valid `RESET_TTL`, and consumed by one conditional UPDATE: of two concurrent uses,
one wins. A new password ends every session of the account.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from core.errors import InvalidValue, TooManyAttempts
from core.models import LoginAttempt, PasswordReset, StaffUser
from core.staff_accounts import StaffView, check_password_strength, hash_password, staff_view
from core.staff_auth import token_hash
from core.staff_lifecycle import end_sessions
from core.uow import UnitOfWork

RESET_TTL = timedelta(minutes=30)
RESET_WINDOW = timedelta(hours=1)
RESET_PER_IP = 10
RESET_PER_ACCOUNT = 3


@dataclass(frozen=True)
class ResetLink:
    """Who gets the e-mail, and the token of its link (shown nowhere else)."""

    email: str
    name: str
    token: str


def request_password_reset(
    uow: UnitOfWork, *, email: str, client_ip: str, now: datetime
) -> ResetLink | None:
    """A new link for the active account with that e-mail; None when there is none (or it
    had enough e-mails this hour). TooManyAttempts when this IP asked too often."""
    address = str(email).strip().lower()[:254]
    ip_key = f"reset-ip:{client_ip}"[:300]
    with uow:
        session = uow.session
        asked = _count(uow, ip_key, now)  # counted (and committed) before anything else
        if asked > RESET_PER_IP:
            oldest = session.scalar(
                select(func.min(LoginAttempt.attempted_at)).where(
                    LoginAttempt.key == ip_key, LoginAttempt.attempted_at > now - RESET_WINDOW
                )
            )
            wait = (oldest or now) + RESET_WINDOW - now
            raise TooManyAttempts(max(1, math.ceil(wait.total_seconds())))
        user = session.scalar(
            select(StaffUser).where(StaffUser.email == address, StaffUser.active.is_(True))
        )
        if user is None:
            return None
        if _count(uow, f"reset-account:{user.id}", now) > RESET_PER_ACCOUNT:
            return None
        session.execute(  # one live link per account: the newest
            delete(PasswordReset)
            .where(PasswordReset.staff_id == user.id, PasswordReset.used_at.is_(None))
            .execution_options(synchronize_session=False)
        )
        token = secrets.token_urlsafe(32)
        session.add(
            PasswordReset(
                token_hash=token_hash(token),
                staff_id=user.id,
                created_at=now,
                expires_at=now + RESET_TTL,
            )
        )
        link = ResetLink(user.email, user.name, token)
        uow.commit()
        return link


def reset_link_valid(uow: UnitOfWork, token: str, now: datetime) -> bool:
    """The link is unused and not expired (the page then shows the new-password form)."""
    if not token or len(token) > 200:
        return False
    with uow:
        found = uow.session.scalar(
            select(PasswordReset.id).where(
                PasswordReset.token_hash == token_hash(token),
                PasswordReset.used_at.is_(None),
                PasswordReset.expires_at > now,
            )
        )
        return found is not None


def reset_password(uow: UnitOfWork, *, token: str, password: str, now: datetime) -> StaffView:
    """Set a new password with a link's token (once); every session of the account ends.

    InvalidValue `invalid_reset_link` (unknown, used or expired), `weak_password`.
    """
    check_password_strength(password)
    if not token or len(token) > 200:
        raise InvalidValue("invalid_reset_link", "this link is invalid, used or expired")
    new_hash = hash_password(password)  # before the transaction: it takes a while
    digest = token_hash(token)
    with uow:
        session = uow.session
        consumed = session.execute(
            update(PasswordReset)
            .where(
                PasswordReset.token_hash == digest,
                PasswordReset.used_at.is_(None),
                PasswordReset.expires_at > now,
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        staff_id = session.scalar(
            select(PasswordReset.staff_id).where(PasswordReset.token_hash == digest)
        )
        user = session.get(StaffUser, staff_id) if staff_id is not None else None
        if consumed.rowcount != 1 or user is None or not user.active:
            raise InvalidValue("invalid_reset_link", "this link is invalid, used or expired")
        user.password_hash = new_hash
        end_sessions(session, user.id)
        view = staff_view(user)
        uow.commit()
        return view


def _count(uow: UnitOfWork, key: str, now: datetime) -> int:
    """Record one ask under `key`, commit it, and count the asks of the window (mine too)."""
    session = uow.session
    session.execute(
        delete(LoginAttempt)
        .where(LoginAttempt.key == key, LoginAttempt.attempted_at < now - RESET_WINDOW)
        .execution_options(synchronize_session=False)
    )
    session.add(LoginAttempt(key=key, attempted_at=now, succeeded=False))
    uow.commit()
    counted = session.scalar(
        select(func.count()).where(
            LoginAttempt.key == key, LoginAttempt.attempted_at > now - RESET_WINDOW
        )
    )
    return int(counted or 0)
