"""Advisor handoff requests: a small state machine whose transitions are conditional updates.

pending -> accepted -> closed; pending -> refused | expired | cancelled. Every transition is
one `UPDATE ... WHERE id = :id AND status = :current`: when two people act at once, the
database lets exactly one through and the other sees 0 rows.

Reading the queue lives in core/handoff_queue.py, re-exported here."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import (
    AdvisorFull,
    AlreadyOpen,
    AlreadyTaken,
    Forbidden,
    InvalidTransition,
    NoAdvisorAvailable,
    NotFound,
)
from core.handoff_queue import (
    DEFAULT_PER_PLACE,
    OPEN_STATUSES,
    RECENT_CLOSED,
    HandoffView,
    accepted_count,
    advisor_conversations,
    closed_requests,
    estimated_wait,
    get_request,
    handoff_views,
    one_handoff_view,
    open_request_for,
    pending_queue,
    queue_position,
    request_row,
)
from core.models import HANDOFF_STATUSES, Conversation, HandoffRequest, StaffUser
from core.staff import advisor_available
from core.uow import UnitOfWork

__all__ = [
    "DEFAULT_PER_PLACE",
    "DEFAULT_WAIT",
    "HandoffView",
    "OPEN_STATUSES",
    "RECENT_CLOSED",
    "TRANSITIONS",
    "accept",
    "advisor_conversations",
    "cancel",
    "check_transition",
    "close",
    "closed_requests",
    "end_for_customer",
    "estimated_wait",
    "expire_due",
    "get_request",
    "open_request_for",
    "pending_queue",
    "queue_position",
    "refuse",
    "request_handoff",
]


TRANSITIONS: dict[str, set[str]] = {
    "pending": {"accepted", "refused", "expired", "cancelled"},
    "accepted": {"closed"},
}


DEFAULT_WAIT = timedelta(minutes=10)


def check_transition(current: str, new: str) -> None:
    """InvalidTransition unless `current -> new` is an edge of the state machine."""
    for status in (current, new):
        if status not in HANDOFF_STATUSES:
            raise InvalidTransition("invalid_transition", f"unknown handoff status {status!r}")
    if new not in TRANSITIONS.get(current, set()):
        raise InvalidTransition(
            "invalid_transition", f"a handoff request cannot go from {current} to {new}"
        )


def request_handoff(
    uow: UnitOfWork, conversation_id: int, now: datetime, wait: timedelta = DEFAULT_WAIT
) -> HandoffView:
    """A new pending request, expiring after `wait`.

    AlreadyOpen (with `request_id`) when the conversation has a pending or accepted request;
    NoAdvisorAvailable when no advisor has room. The partial unique index on open requests
    is the guarantee under concurrency; the lookup before it only gives the early answer.
    """
    with uow:
        session = uow.session
        if session.get(Conversation, conversation_id) is None:
            raise NotFound("unknown_conversation", f"no conversation {conversation_id}")
        _refuse_if_open(session, conversation_id)
        if not advisor_available(uow, now):
            raise NoAdvisorAvailable("no_advisor_available", "no advisor is available now")
        request = HandoffRequest(
            conversation_id=conversation_id,
            status="pending",
            created_at=now,
            expires_at=now + wait,
        )
        try:
            with session.begin_nested():
                session.add(request)
        except IntegrityError:  # opened meanwhile by a concurrent request
            _refuse_if_open(session, conversation_id)
            raise
        view = one_handoff_view(session, request.id)
        uow.commit()
        return view


def _refuse_if_open(session: Session, conversation_id: int) -> None:
    open_id = session.scalar(
        select(HandoffRequest.id).where(
            HandoffRequest.conversation_id == conversation_id,
            HandoffRequest.status.in_(OPEN_STATUSES),
        )
    )
    if open_id is not None:
        raise AlreadyOpen(
            "already_open",
            f"conversation {conversation_id} already has an open request",
            request_id=open_id,
        )


def accept(uow: UnitOfWork, request_id: int, advisor_id: int, now: datetime) -> HandoffView:
    """The advisor takes a pending request: AlreadyTaken (409) when someone was quicker or it
    is no longer pending, AdvisorFull when they already have their maximum.

    Capacity is race-safe by locking the advisor's row first: SELECT ... FOR UPDATE on
    PostgreSQL (two accepts by the same advisor queue there, and the second counts the first
    one's committed request), while SQLite already serialises writers with BEGIN IMMEDIATE
    (FOR UPDATE is not rendered there). The request itself is taken by one conditional
    UPDATE, so two advisors accepting at once cannot both win.
    """
    with uow:
        session = uow.session
        request_row(session, request_id)
        advisor = session.execute(
            select(StaffUser.id, StaffUser.max_conversations)
            .where(StaffUser.id == advisor_id)
            .with_for_update()
        ).first()
        if advisor is None:
            raise NotFound("unknown_staff", f"no staff user {advisor_id}")
        if accepted_count(session, advisor_id) >= advisor.max_conversations:
            raise AdvisorFull(
                "advisor_full", f"already {advisor.max_conversations} conversations at once"
            )
        taken = _transition(
            session,
            request_id,
            "pending",
            status="accepted",
            advisor_id=advisor_id,
            accepted_at=now,
        )
        if not taken:
            current = request_row(session, request_id).status
            raise AlreadyTaken(
                "already_taken", f"request {request_id} is no longer pending ({current})"
            )
        view = one_handoff_view(session, request_id)
        uow.commit()
        return view


def refuse(
    uow: UnitOfWork, request_id: int, advisor_id: int, now: datetime, reason: str | None = None
) -> HandoffView:
    """An advisor declines a pending request; the customer goes on with the bot."""
    with uow:
        if uow.session.get(StaffUser, advisor_id) is None:
            raise NotFound("unknown_staff", f"no staff user {advisor_id}")
        text = " ".join(reason.split())[:500] if reason else None
        return _move(
            uow,
            request_id,
            "pending",
            "refused",
            advisor_id=advisor_id,
            ended_at=now,
            reason=text or None,
        )


def cancel(uow: UnitOfWork, request_id: int, now: datetime) -> HandoffView:
    """The customer withdraws a pending request."""
    return _move(uow, request_id, "pending", "cancelled", ended_at=now)


def close(uow: UnitOfWork, request_id: int, advisor_id: int, now: datetime) -> HandoffView:
    """The advisor ends the conversation (theirs, or any when they are an admin)."""
    with uow:
        session = uow.session
        staff = session.get(StaffUser, advisor_id)
        if staff is None:
            raise NotFound("unknown_staff", f"no staff user {advisor_id}")
        request = request_row(session, request_id)
        theirs = request.advisor_id == advisor_id or staff.role == "admin"
        if request.status == "accepted" and not theirs:
            raise Forbidden("not_your_conversation", "another advisor has this conversation")
        return _move(uow, request_id, "accepted", "closed", ended_at=now, ended_by="advisor")


def end_for_customer(uow: UnitOfWork, conversation_id: int, now: datetime) -> HandoffView | None:
    """The customer ends the human chat ("Terminer la conversation"): the conversation's
    accepted request is closed; None when there is none (already closed meanwhile)."""
    with uow:
        session = uow.session
        request_id = session.scalar(
            select(HandoffRequest.id).where(
                HandoffRequest.conversation_id == conversation_id,
                HandoffRequest.status == "accepted",
            )
        )
        if request_id is None:
            return None
        closed = _transition(
            session, request_id, "accepted", status="closed", ended_at=now, ended_by="customer"
        )
        view = one_handoff_view(session, request_id) if closed else None
        uow.commit()
        return view


def expire_due(uow: UnitOfWork, now: datetime) -> list[HandoffView]:
    """Pending requests whose `expires_at` is past become expired; returns those it expired."""
    with uow:
        session = uow.session
        due = session.scalars(
            select(HandoffRequest.id)
            .where(HandoffRequest.status == "pending", HandoffRequest.expires_at <= now)
            .order_by(HandoffRequest.id)
        ).all()
        expired = [
            request_id
            for request_id in due
            if _transition(session, request_id, "pending", status="expired", ended_at=now)
        ]
        views = handoff_views(session, HandoffRequest.id.in_(expired)) if expired else []
        uow.commit()
        return views


def _move(uow: UnitOfWork, request_id: int, current: str, new: str, **values: Any) -> HandoffView:
    """`current -> new` as one conditional update; InvalidTransition naming both states."""
    check_transition(current, new)
    with uow:
        session = uow.session
        request_row(session, request_id)
        if not _transition(session, request_id, current, status=new, **values):
            actual = request_row(session, request_id).status
            check_transition(actual, new)  # raises: `actual` is not `current`
            raise InvalidTransition(  # unreachable unless the machine changes
                "invalid_transition", f"a handoff request cannot go from {actual} to {new}"
            )
        view = one_handoff_view(session, request_id)
        uow.commit()
        return view


def _transition(session: Session, request_id: int, current: str, **values: Any) -> bool:
    result = session.execute(
        update(HandoffRequest)
        .where(HandoffRequest.id == request_id, HandoffRequest.status == current)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    return result.rowcount == 1
