"""Advisor handoff requests: a small state machine whose transitions are conditional updates.

pending -> accepted -> closed; pending -> refused | expired | cancelled. Every transition is
one `UPDATE ... WHERE id = :id AND status = :current`: when two people act at once, the
database lets exactly one through and the other sees 0 rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from core.errors import (
    AdvisorFull,
    AlreadyOpen,
    AlreadyTaken,
    Forbidden,
    InvalidTransition,
    NoAdvisorAvailable,
    NotFound,
)
from core.models import (
    HANDOFF_STATUSES,
    ChannelIdentity,
    Conversation,
    Customer,
    HandoffRequest,
    StaffUser,
)
from core.staff import advisor_available
from core.uow import UnitOfWork

TRANSITIONS: dict[str, set[str]] = {
    "pending": {"accepted", "refused", "expired", "cancelled"},
    "accepted": {"closed"},
}
OPEN_STATUSES = ("pending", "accepted")
DEFAULT_WAIT = timedelta(minutes=10)
# estimated_wait: minutes per place in the queue when no request was closed recently
DEFAULT_PER_PLACE = timedelta(minutes=3)
RECENT_CLOSED = 20


@dataclass(frozen=True)
class HandoffView:
    id: int
    conversation_id: int
    channel: str
    external_id: str
    customer_name: str | None
    language: str | None
    status: str
    advisor_id: int | None
    advisor_name: str | None
    created_at: datetime
    accepted_at: datetime | None
    ended_at: datetime | None
    expires_at: datetime
    reason: str | None


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
        view = _one_view(session, request.id)
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


def queue_position(uow: UnitOfWork, request_id: int) -> int:
    """1-based place among pending requests, oldest first; 0 when the request is not pending."""
    with uow:
        request = _get(uow.session, request_id)
        if request.status != "pending":
            return 0
        return uow.session.scalar(
            select(func.count())
            .select_from(HandoffRequest)
            .where(
                HandoffRequest.status == "pending",
                or_(
                    HandoffRequest.created_at < request.created_at,
                    and_(
                        HandoffRequest.created_at == request.created_at,
                        HandoffRequest.id <= request.id,
                    ),
                ),
            )
        )


def estimated_wait(uow: UnitOfWork, request_id: int, now: datetime) -> timedelta:
    """Place in the queue x the average length of the last 20 closed conversations (3 minutes
    when there are none), whole seconds; zero when the request is not pending.

    Deliberately simple: it ignores how many advisors are free, so it errs on the long side.
    """
    position = queue_position(uow, request_id)
    if position == 0:
        return timedelta(0)
    with uow:
        rows = uow.session.execute(
            select(HandoffRequest.accepted_at, HandoffRequest.ended_at)
            .where(HandoffRequest.status == "closed", HandoffRequest.accepted_at.is_not(None))
            .order_by(HandoffRequest.ended_at.desc(), HandoffRequest.id.desc())
            .limit(RECENT_CLOSED)
        ).all()
    lengths = [ended - accepted for accepted, ended in rows if ended and ended > accepted]
    per_place = sum(lengths, timedelta(0)) / len(lengths) if lengths else DEFAULT_PER_PLACE
    return timedelta(seconds=round((per_place * position).total_seconds()))


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
        _get(session, request_id)
        advisor = session.execute(
            select(StaffUser.id, StaffUser.max_conversations)
            .where(StaffUser.id == advisor_id)
            .with_for_update()
        ).first()
        if advisor is None:
            raise NotFound("unknown_staff", f"no staff user {advisor_id}")
        if _accepted_count(session, advisor_id) >= advisor.max_conversations:
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
            current = _get(session, request_id).status
            raise AlreadyTaken(
                "already_taken", f"request {request_id} is no longer pending ({current})"
            )
        view = _one_view(session, request_id)
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
        request = _get(session, request_id)
        theirs = request.advisor_id == advisor_id or staff.role == "admin"
        if request.status == "accepted" and not theirs:
            raise Forbidden("not_your_conversation", "another advisor has this conversation")
        return _move(uow, request_id, "accepted", "closed", ended_at=now)


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
        views = _views(session, HandoffRequest.id.in_(expired)) if expired else []
        uow.commit()
        return views


def open_request_for(uow: UnitOfWork, conversation_id: int) -> HandoffView | None:
    """The pending or accepted request of a conversation, if any."""
    with uow:
        views = _views(
            uow.session,
            HandoffRequest.conversation_id == conversation_id,
            HandoffRequest.status.in_(OPEN_STATUSES),
        )
        return views[0] if views else None


def pending_queue(uow: UnitOfWork) -> list[HandoffView]:
    """Pending requests, oldest first."""
    with uow:
        return _views(uow.session, HandoffRequest.status == "pending")


def advisor_conversations(uow: UnitOfWork, advisor_id: int) -> list[HandoffView]:
    """The advisor's accepted requests, oldest accepted first."""
    with uow:
        return _views(
            uow.session,
            HandoffRequest.advisor_id == advisor_id,
            HandoffRequest.status == "accepted",
            order=(HandoffRequest.accepted_at, HandoffRequest.id),
        )


def closed_requests(
    uow: UnitOfWork, search: str | None = None, limit: int = 50
) -> list[HandoffView]:
    """Closed conversations (status closed), latest first; `search` matches part of the
    customer's name or of the channel's external id, case-insensitively."""
    conditions: list[Any] = [HandoffRequest.status == "closed"]
    term = " ".join((search or "").split())
    if term:
        conditions.append(
            or_(
                func.lower(Customer.name).contains(term.lower(), autoescape=True),
                func.lower(Conversation.external_id).contains(term.lower(), autoescape=True),
            )
        )
    with uow:
        return _views(
            uow.session,
            *conditions,
            order=(HandoffRequest.ended_at.desc(), HandoffRequest.id.desc()),
            limit=limit,
        )


def get_request(uow: UnitOfWork, request_id: int) -> HandoffView:
    with uow:
        return _one_view(uow.session, request_id)


def _move(uow: UnitOfWork, request_id: int, current: str, new: str, **values: Any) -> HandoffView:
    """`current -> new` as one conditional update; InvalidTransition naming both states."""
    check_transition(current, new)
    with uow:
        session = uow.session
        _get(session, request_id)
        if not _transition(session, request_id, current, status=new, **values):
            actual = _get(session, request_id).status
            check_transition(actual, new)  # raises: `actual` is not `current`
            raise InvalidTransition(  # unreachable unless the machine changes
                "invalid_transition", f"a handoff request cannot go from {actual} to {new}"
            )
        view = _one_view(session, request_id)
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


def _accepted_count(session: Session, advisor_id: int) -> int:
    return session.scalar(
        select(func.count())
        .select_from(HandoffRequest)
        .where(HandoffRequest.advisor_id == advisor_id, HandoffRequest.status == "accepted")
    )


def _get(session: Session, request_id: int) -> HandoffRequest:
    request = session.get(HandoffRequest, request_id, populate_existing=True)
    if request is None:
        raise NotFound("unknown_handoff", f"no handoff request {request_id}")
    return request


_Advisor = aliased(StaffUser)


def _view_query() -> Select:
    return (
        select(
            HandoffRequest,
            Conversation.channel,
            Conversation.external_id,
            Conversation.language,
            Customer.name,
            _Advisor.name,
        )
        .join(Conversation, Conversation.id == HandoffRequest.conversation_id)
        .outerjoin(
            ChannelIdentity,
            and_(
                ChannelIdentity.channel == Conversation.channel,
                ChannelIdentity.external_id == Conversation.external_id,
            ),
        )
        .outerjoin(Customer, Customer.id == ChannelIdentity.customer_id)
        .outerjoin(_Advisor, _Advisor.id == HandoffRequest.advisor_id)
    )


def _views(
    session: Session,
    *conditions: Any,
    order: tuple[Any, ...] | None = None,
    limit: int | None = None,
) -> list[HandoffView]:
    stmt = _view_query().where(*conditions)
    stmt = stmt.order_by(*(order or (HandoffRequest.created_at, HandoffRequest.id)))
    if limit is not None:
        stmt = stmt.limit(limit)
    return [_view(row) for row in session.execute(stmt)]


def _one_view(session: Session, request_id: int) -> HandoffView:
    views = _views(session, HandoffRequest.id == request_id)
    if not views:
        raise NotFound("unknown_handoff", f"no handoff request {request_id}")
    return views[0]


def _view(row: Row) -> HandoffView:
    request, channel, external_id, language, customer_name, advisor_name = row
    return HandoffView(
        id=request.id,
        conversation_id=request.conversation_id,
        channel=channel,
        external_id=external_id,
        customer_name=customer_name,
        language=language,
        status=request.status,
        advisor_id=request.advisor_id,
        advisor_name=advisor_name,
        created_at=request.created_at,
        accepted_at=request.accepted_at,
        ended_at=request.ended_at,
        expires_at=request.expires_at,
        reason=request.reason,
    )
