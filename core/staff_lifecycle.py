"""Staff accounts' lifecycle (issue 14, item 8): admins deactivate and reactivate accounts.

A deactivated account ends at once: in the same transaction it is marked inactive and away,
and its sessions, pending sign-ins and unused password-reset links are deleted; its API
tokens stop working (core.staff_auth checks `active`). An admin cannot deactivate themselves
nor the last active admin: on PostgreSQL the active admins' rows are locked (FOR UPDATE)
before the conditional UPDATE, on SQLite the transaction holds the write lock from its start
(BEGIN IMMEDIATE), so two admins deactivating each other cannot both succeed.
"""

from __future__ import annotations

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from core.errors import Conflict, Forbidden, NotFound
from core.models import LoginChallenge, PasswordReset, StaffSession, StaffUser
from core.staff_accounts import StaffView, staff_view
from core.uow import UnitOfWork


def deactivate_staff(uow: UnitOfWork, staff_id: int, *, by: int) -> StaffView:
    """Deactivate `staff_id` on behalf of the admin `by`; its sessions end now.

    Forbidden `cannot_deactivate_self`; Conflict `last_admin`; NotFound `unknown_staff`.
    """
    if staff_id == by:
        raise Forbidden("cannot_deactivate_self", "an admin cannot deactivate their own account")
    with uow:
        session = uow.session
        _require_admin(session, by)
        target = session.get(StaffUser, staff_id)
        if target is None:
            raise NotFound("unknown_staff", f"no staff user {staff_id}")
        # Lock every active admin (PostgreSQL; SQLite already holds the write lock).
        session.execute(
            select(StaffUser.id)
            .where(StaffUser.role == "admin", StaffUser.active.is_(True))
            .with_for_update()
        ).all()
        other = aliased(StaffUser)
        other_admins = (
            select(func.count())
            .select_from(other)
            .where(other.role == "admin", other.active.is_(True), other.id != staff_id)
            .scalar_subquery()
        )
        done = session.execute(
            update(StaffUser)
            .where(
                StaffUser.id == staff_id,
                or_(StaffUser.role != "admin", StaffUser.active.is_(False), other_admins > 0),
            )
            .values(active=False, available=False)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:
            raise Conflict("last_admin", "the last active admin cannot be deactivated")
        _end_access(session, staff_id)
        session.expire_all()
        view = staff_view(session.get_one(StaffUser, staff_id))
        uow.commit()
        return view


def reactivate_staff(uow: UnitOfWork, staff_id: int, *, by: int) -> StaffView:
    """Reactivate `staff_id` (they sign in again with their password)."""
    with uow:
        session = uow.session
        _require_admin(session, by)
        done = session.execute(
            update(StaffUser)
            .where(StaffUser.id == staff_id)
            .values(active=True)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:
            raise NotFound("unknown_staff", f"no staff user {staff_id}")
        session.expire_all()
        view = staff_view(session.get_one(StaffUser, staff_id))
        uow.commit()
        return view


def end_sessions(session: Session, staff_id: int, *, keep_token_hash: str | None = None) -> None:
    """Delete the staff user's sessions (but `keep_token_hash`'s) and pending sign-ins."""
    sessions = delete(StaffSession).where(StaffSession.staff_id == staff_id)
    if keep_token_hash is not None:
        sessions = sessions.where(StaffSession.token_hash != keep_token_hash)
    session.execute(sessions.execution_options(synchronize_session=False))
    session.execute(
        delete(LoginChallenge)
        .where(LoginChallenge.staff_id == staff_id)
        .execution_options(synchronize_session=False)
    )


def _end_access(session: Session, staff_id: int) -> None:
    end_sessions(session, staff_id)
    session.execute(
        delete(PasswordReset)
        .where(PasswordReset.staff_id == staff_id, PasswordReset.used_at.is_(None))
        .execution_options(synchronize_session=False)
    )


def _require_admin(session: Session, staff_id: int) -> None:
    actor = session.get(StaffUser, staff_id)
    if actor is None or actor.role != "admin" or not actor.active:
        raise Forbidden("admin_only", "only an active admin manages staff accounts")
