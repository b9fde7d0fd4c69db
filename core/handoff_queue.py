"""The handoff queue as advisors and customers read it: the requests, a request's place in the
queue and the wait it can expect (the state machine: core/handoff.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, and_, bindparam, func, or_, select, text
from sqlalchemy.orm import Session, aliased

from core.errors import NotFound
from core.models import ChannelIdentity, Conversation, Customer, HandoffRequest, StaffUser
from core.models.handoff import OPEN_HANDOFF
from core.uow import UnitOfWork

OPEN_STATUSES = ("pending", "accepted")


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
    ended_by: str | None = None  # advisor | customer, once closed
    rating: int | None = None  # the customer's 1-5, once rated


def queue_position(uow: UnitOfWork, request_id: int) -> int:
    """1-based place among pending requests, oldest first; 0 when the request is not pending."""
    with uow:
        request = request_row(uow.session, request_id)
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
    return wait_for_place(position, rows)


def wait_for_place(position: int, recent: Sequence[tuple[datetime, datetime | None]]) -> timedelta:
    """`position` x the average length of the `recent` (accepted, ended) conversations, whole
    seconds; DEFAULT_PER_PLACE a place when none of them has a length."""
    lengths = [ended - accepted for accepted, ended in recent if ended and ended > accepted]
    per_place = sum(lengths, timedelta(0)) / len(lengths) if lengths else DEFAULT_PER_PLACE
    return timedelta(seconds=round((per_place * position).total_seconds()))


# Asked at every customer message, so built once, on the index of open requests (its very
# condition, as literal SQL: with a bound status list, SQLite searched every open request by
# status instead).
_OPEN_REQUEST = select(HandoffRequest.__table__.c.id).where(
    HandoffRequest.__table__.c.conversation_id == bindparam("conversation_id"), text(OPEN_HANDOFF)
)


def open_request_for(uow: UnitOfWork, conversation_id: int) -> HandoffView | None:
    """The pending or accepted request of a conversation, if any."""
    with uow:
        found = uow.session.execute(_OPEN_REQUEST, {"conversation_id": conversation_id}).scalar()
        return None if found is None else one_handoff_view(uow.session, found)


def pending_queue(uow: UnitOfWork) -> list[HandoffView]:
    """Pending requests, oldest first."""
    with uow:
        return handoff_views(uow.session, HandoffRequest.status == "pending")


def advisor_conversations(uow: UnitOfWork, advisor_id: int) -> list[HandoffView]:
    """The advisor's accepted requests, oldest accepted first."""
    with uow:
        return handoff_views(
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
        return handoff_views(
            uow.session,
            *conditions,
            order=(HandoffRequest.ended_at.desc(), HandoffRequest.id.desc()),
            limit=limit,
        )


def get_request(uow: UnitOfWork, request_id: int) -> HandoffView:
    with uow:
        return one_handoff_view(uow.session, request_id)


def request_row(session: Session, request_id: int) -> HandoffRequest:
    request = session.get(HandoffRequest, request_id, populate_existing=True)
    if request is None:
        raise NotFound("unknown_handoff", f"no handoff request {request_id}")
    return request


_Advisor = aliased(StaffUser)


def handoff_view_query() -> Select:
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


def handoff_views(
    session: Session,
    *conditions: Any,
    order: tuple[Any, ...] | None = None,
    limit: int | None = None,
) -> list[HandoffView]:
    stmt = handoff_view_query().where(*conditions)
    stmt = stmt.order_by(*(order or (HandoffRequest.created_at, HandoffRequest.id)))
    if limit is not None:
        stmt = stmt.limit(limit)
    return [handoff_view(row) for row in session.execute(stmt)]


def one_handoff_view(session: Session, request_id: int) -> HandoffView:
    views = handoff_views(session, HandoffRequest.id == request_id)
    if not views:
        raise NotFound("unknown_handoff", f"no handoff request {request_id}")
    return views[0]


def handoff_view(row: Row) -> HandoffView:
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
        ended_by=request.ended_by,
        rating=request.rating,
    )


def accepted_count(session: Session, advisor_id: int) -> int:
    """How many conversations the advisor holds now."""
    return session.scalar(
        select(func.count())
        .select_from(HandoffRequest)
        .where(HandoffRequest.advisor_id == advisor_id, HandoffRequest.status == "accepted")
    )
