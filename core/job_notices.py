"""The customer's notice of each repair job change, sent exactly once (issue 16, item 3).

Every job_events row of kind "opened" or "status" is born with `notice = 'pending'`
(core/models/jobs.py). A dispatcher (hub/job_notices.py: the scheduler on the leader every
few seconds, and the web app right after a staff change) takes a row with one conditional
UPDATE, `pending -> sending`, only while no earlier event of the same job is still pending
or being sent: the row count says who won, so a notice goes out once whatever the number of
dispatchers, and a job's notices go out in the order of its changes. A claim older than
CLAIM_TIMEOUT (its sender died) can be taken again: a crash mid-send may repeat a message,
never lose it. `finish_notice` records the outcome (told, skipped, failed) or puts the row
back (the store did not answer) until NOTICE_ATTEMPTS claims have failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from core.estimates import EstimateView, estimate_in
from core.job_views import one_job_view
from core.models import (
    Agency,
    Booking,
    ChannelIdentity,
    Conversation,
    Customer,
    JobEvent,
    RepairJob,
)
from core.reminders import ChannelRecipient
from core.uow import UnitOfWork

CLAIM_TIMEOUT = timedelta(minutes=10)
NOTICE_ATTEMPTS = 5
BATCH = 100
OUTCOMES = ("told", "skipped", "failed", "retry")
_Earlier = aliased(JobEvent)


@dataclass(frozen=True)
class NoticeTask:
    """A claimed notice and everything needed to word and send it."""

    event_id: int
    job_id: int
    status: str  # the status told (the opening tells "received")
    claimed_at: datetime
    vehicle: str
    agency_name: str
    agency_address: str  # "12 rue X, 75018 Paris"
    agency_phone: str
    expected_completion: datetime | None
    customer_name: str
    customer_email: str | None
    customer_phone: str | None
    language: str  # "fr" | "en"
    recipient: ChannelRecipient | None  # the customer's latest conversation on their channel
    # the estimate to decide on, with the notice of estimate_sent (its lines and totals)
    estimate: EstimateView | None = None


def _claimable(now: datetime):  # type: ignore[no-untyped-def]
    return or_(
        JobEvent.notice == "pending",
        and_(JobEvent.notice == "sending", JobEvent.notice_claimed_at <= now - CLAIM_TIMEOUT),
    )


def _first_of_its_job():  # type: ignore[no-untyped-def]
    """No earlier event of the same job still waits for its notice or is being sent."""
    return ~exists().where(
        _Earlier.job_id == JobEvent.job_id,
        _Earlier.id < JobEvent.id,
        _Earlier.notice.in_(("pending", "sending")),
    )


def pending_notices(
    uow: UnitOfWork, now: datetime, *, job_id: int | None = None, limit: int = BATCH
) -> list[int]:
    """Ids of the events whose notice may be claimed now (pending, or a stale claim),
    oldest first; of one job with `job_id`."""
    query = select(JobEvent.id).where(_claimable(now))
    if job_id is not None:
        query = query.where(JobEvent.job_id == job_id)
    with uow:
        return list(uow.session.scalars(query.order_by(JobEvent.id).limit(limit)))


def claim_notice(uow: UnitOfWork, event_id: int, now: datetime) -> NoticeTask | None:
    """Take the event's notice for sending, or None when there is nothing to send (told or
    being told elsewhere, an earlier notice of the job not finished yet). A job without a
    customer (walk-in of nobody, account erased) is finished as 'skipped' in the same
    transaction."""
    with uow:
        session = uow.session
        claimed = session.execute(
            update(JobEvent)
            .where(JobEvent.id == event_id, _claimable(now), _first_of_its_job())
            .values(
                notice="sending",
                notice_claimed_at=now,
                notice_attempts=JobEvent.notice_attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            uow.rollback()
            return None
        task = _task(session, event_id, now)
        if task is None:
            _finish(session, event_id, "skipped", now, now)
        uow.commit()
        return task


def finish_notice(
    uow: UnitOfWork, event_id: int, outcome: str, *, now: datetime, claimed_at: datetime
) -> bool:
    """Record the outcome of the claim taken at `claimed_at`: 'told', 'skipped', 'failed',
    or 'retry' (nothing was stored: pending again, failed after NOTICE_ATTEMPTS claims).
    A claim taken over since is left alone; True when the row changed."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown notice outcome {outcome!r}")
    with uow:
        changed = _finish(uow.session, event_id, outcome, now, claimed_at)
        uow.commit()
        return changed


def notice_state(uow: UnitOfWork, event_id: int) -> tuple[str | None, int, datetime | None]:
    """(notice, attempts, told_at) of one event (staff pages, tests)."""
    with uow:
        row = uow.session.execute(
            select(JobEvent.notice, JobEvent.notice_attempts, JobEvent.told_at).where(
                JobEvent.id == event_id
            )
        ).first()
        if row is None:
            raise LookupError(event_id)
        return row.notice, row.notice_attempts, row.told_at


def _finish(
    session: Session, event_id: int, outcome: str, now: datetime, claimed_at: datetime
) -> bool:
    mine = [
        JobEvent.id == event_id,
        JobEvent.notice == "sending",
        JobEvent.notice_claimed_at == claimed_at,
    ]
    if outcome == "retry":
        changed = session.execute(
            update(JobEvent)
            .where(*mine, JobEvent.notice_attempts < NOTICE_ATTEMPTS)
            .values(notice="pending", notice_claimed_at=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed:
            return True
        outcome = "failed"
    return (
        session.execute(
            update(JobEvent)
            .where(*mine)
            .values(notice=outcome, told_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def _task(session: Session, event_id: int, claimed_at: datetime) -> NoticeTask | None:
    event = session.get(JobEvent, event_id)
    assert event is not None  # just claimed
    job = session.get(RepairJob, event.job_id)
    assert job is not None  # events go with their job
    customer = session.get(Customer, job.customer_id) if job.customer_id is not None else None
    if customer is None or customer.erased_at is not None:
        return None
    view = one_job_view(session, job.id)
    agency = session.get(Agency, job.agency_id)
    assert agency is not None  # a foreign key
    recipient = _latest_conversation(session, customer.id, _channel_of(session, job))
    return NoticeTask(
        event_id=event.id,
        job_id=job.id,
        status=event.to_status,
        claimed_at=claimed_at,
        vehicle=view.vehicle or "-",
        agency_name=agency.name,
        agency_address=f"{agency.address}, {agency.postcode} {agency.city}",
        agency_phone=agency.phone,
        expected_completion=job.expected_completion,
        customer_name=customer.name,
        customer_email=customer.email,
        customer_phone=customer.phone,
        language=_language(session, customer, recipient),
        recipient=recipient,
        estimate=estimate_in(session, job.id) if event.to_status == "estimate_sent" else None,
    )


def _channel_of(session: Session, job: RepairJob) -> str | None:
    """The channel the job's booking was made on (None for a walk-in)."""
    if job.booking_id is None:
        return None
    return session.scalar(select(Booking.channel).where(Booking.id == job.booking_id))


def _latest_conversation(
    session: Session, customer_id: int, channel: str | None
) -> ChannelRecipient | None:
    """The customer's most recent conversation on `channel` (their booking's), else on any
    channel; None when they have none."""
    query = (
        select(Conversation)
        .join(
            ChannelIdentity,
            and_(
                ChannelIdentity.channel == Conversation.channel,
                ChannelIdentity.external_id == Conversation.external_id,
            ),
        )
        .where(ChannelIdentity.customer_id == customer_id)
        .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
        .limit(1)
    )
    found = None
    if channel is not None:
        found = session.scalar(query.where(Conversation.channel == channel))
    found = found or session.scalar(query)
    if found is None:
        return None
    return ChannelRecipient(
        found.id, found.channel, found.external_id, found.opted_out_at is not None
    )


def _language(session: Session, customer: Customer, recipient: ChannelRecipient | None) -> str:
    if customer.language in ("fr", "en"):
        return customer.language
    if recipient is not None:
        language = session.scalar(
            select(Conversation.language).where(Conversation.id == recipient.conversation_id)
        )
        if language in ("fr", "en"):
            return language
    return "fr"
