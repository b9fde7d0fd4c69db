"""Staff accounts: creating advisors and admins with argon2id passwords, and the advisors'
availability (logins, sessions and API tokens: core/staff_auth.py)."""

from __future__ import annotations

import functools
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.customers import clean_name
from core.errors import Conflict, InvalidValue, NotFound
from core.models import HandoffRequest, StaffUser
from core.uow import UnitOfWork

ROLES = ("advisor", "mechanic", "manager", "admin")
# Who answers customers (the console, handoffs, callbacks, complaints): the others never
# count as an available advisor (backoffice/auth.py holds every route's roles).
CONVERSATION_ROLES = ("advisor", "admin")
PASSWORD_MIN = 10
PASSWORD_MAX = 1024  # hashing a megabyte on every login attempt would be a cheap DoS
MAX_CONVERSATIONS_LIMIT = 20
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
    active: bool = True
    totp_enabled: bool = False


@functools.lru_cache(maxsize=1)
def password_hasher() -> PasswordHasher:
    """argon2id with argon2-cffi's current recommended parameters."""
    return PasswordHasher()


def hash_password(password: str) -> str:
    return password_hasher().hash(password)


@functools.lru_cache(maxsize=1)
def dummy_hash() -> str:
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
        view = staff_view(user)
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
        view = staff_view(uow.session.get_one(StaffUser, staff_id))
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
        view = staff_view(uow.session.get_one(StaffUser, staff_id))
        uow.commit()
        return view


def heartbeat(uow: UnitOfWork, staff_id: int, now: datetime) -> None:
    """The console is connected: the advisor was seen now."""
    with uow:
        _update_staff(uow.session, staff_id, {"last_seen_at": now})
        uow.commit()


def advisor_available(uow: UnitOfWork, now: datetime, stale_after: timedelta = STALE_AFTER) -> bool:
    """Some advisor or admin is available, seen within `stale_after` (console still
    connected), and has fewer accepted requests than their maximum."""
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
                StaffUser.active.is_(True),
                StaffUser.role.in_(CONVERSATION_ROLES),
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
        return staff_view(user)


def list_staff(uow: UnitOfWork) -> list[StaffView]:
    with uow:
        users = uow.session.scalars(select(StaffUser).order_by(StaffUser.name, StaffUser.id))
        return [staff_view(user) for user in users]


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


def staff_view(user: StaffUser) -> StaffView:
    return StaffView(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        max_conversations=user.max_conversations,
        available=user.available,
        last_seen_at=user.last_seen_at,
        active=bool(user.active),
        totp_enabled=user.totp_confirmed_at is not None,
    )
