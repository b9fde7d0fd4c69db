"""Estimates of repair jobs: lines added while the job is received or diagnosing, sent (the
job moves to estimate_sent and the estimate is frozen), then approved or declined by the
customer exactly once (docs/workshop.md, "Estimates and invoices").

Guarantees held by the database: a line change bumps `estimates.lines_version` by an UPDATE
conditional on status 'draft'; sending is an UPDATE conditional on ('draft', the
lines_version the sender read), in the transaction of the job's conditional move; the
decision is an UPDATE conditional on 'sent', in the transaction of the job's move. Of two
concurrent decisions exactly one matches; the other gets AlreadyDecided."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import money
from core.errors import AlreadyDecided, Forbidden, InvalidTransition, InvalidValue, NotFound
from core.job_views import one_job_view
from core.jobs import acting_staff, apply_move
from core.legal import LegalIdentity, agency_address, default_vat_rate_bp, legal_identity
from core.models import (
    LINE_KINDS,
    Agency,
    Customer,
    Estimate,
    EstimateLine,
    RepairJob,
)
from core.uow import UnitOfWork

EDITABLE_JOB_STATUSES = ("received", "diagnosing")
CUSTOMER_CHANNELS = ("web", "telegram", "whatsapp")
STAFF_CHANNELS = ("counter", "phone")
DECISIONS = {"approve": ("approved", "approved"), "decline": ("declined", "declined")}
LABEL_MAX = 200
# The document kind of an estimate's signed link, the job's id its object (documents/kinds.py).
DOCUMENT_KIND = "estimate"


@dataclass(frozen=True)
class LineView:
    id: int
    kind: str  # part | labour | other
    label: str
    quantity_centi: int
    unit_price_cents: int
    vat_rate_bp: int
    amount_excl_cents: int


@dataclass(frozen=True)
class EstimateView:
    job_id: int
    status: str  # draft | sent | approved | declined
    lines: tuple[LineView, ...]
    totals: money.Totals
    customer_id: int | None
    language: str
    sent_at: datetime | None
    decided_at: datetime | None
    decision_channel: str | None
    decided_by_staff_id: int | None
    # for the document (documents/pdf.py): who, what, where
    customer_name: str | None = None
    vehicle: str | None = None
    agency_name: str = ""
    agency_address: str = ""
    seller: LegalIdentity | None = None  # None while the legal identity is not configured
    # bumped by every line change of the draft: a sender names the one they read
    lines_version: int = 0


def add_line(
    uow: UnitOfWork,
    job_id: int,
    *,
    kind: str,
    label: str,
    quantity_centi: int,
    unit_price_cents: int,
    by_staff_id: int,
    vat_rate_bp: int | None = None,
) -> EstimateView:
    """Add a line (parts: quantity x unit price; labour: hours x hourly rate; VAT rate: the
    `vat_rate_percent` setting unless given) while the job is received or diagnosing."""
    if kind not in LINE_KINDS:
        raise InvalidValue("invalid_line_kind", f"a line is one of {', '.join(LINE_KINDS)}")
    label = (label or "").strip()
    if not label or len(label) > LABEL_MAX:
        raise InvalidValue("invalid_label", f"a label of 1 to {LABEL_MAX} characters")
    with uow:
        session = uow.session
        acting_staff(session, by_staff_id, "estimates")
        rate = default_vat_rate_bp(session) if vat_rate_bp is None else vat_rate_bp
        money.check_line_values(quantity_centi, unit_price_cents, rate)
        _editable(session, job_id)
        session.add(
            EstimateLine(
                job_id=job_id,
                kind=kind,
                label=label,
                quantity_centi=quantity_centi,
                unit_price_cents=unit_price_cents,
                vat_rate_bp=rate,
            )
        )
        session.flush()
        view = _view(session, job_id)
        uow.commit()
    assert view is not None
    return view


def remove_line(uow: UnitOfWork, job_id: int, line_id: int, *, by_staff_id: int) -> EstimateView:
    """Remove a line of a draft estimate (NotFound when the job has no such line)."""
    with uow:
        session = uow.session
        acting_staff(session, by_staff_id, "estimates")
        line = session.get(EstimateLine, line_id)
        if line is None or line.job_id != job_id:
            raise NotFound("unknown_line", f"job {job_id} has no estimate line {line_id}")
        _editable(session, job_id)
        session.delete(line)
        session.flush()
        view = _view(session, job_id)
        uow.commit()
    assert view is not None
    return view


def send_estimate(
    uow: UnitOfWork,
    job_id: int,
    *,
    expected_version: int,
    by_staff_id: int,
    now: datetime,
    expected_lines_version: int | None = None,
) -> EstimateView:
    """Freeze the estimate (its lines and totals stay as sent) and move the job from
    diagnosing to estimate_sent, in one transaction; InvalidValue `estimate_empty` without a
    line; StaleVersion / InvalidTransition from the job's move. With
    `expected_lines_version` (the `lines_version` the sender read): InvalidTransition
    `estimate_changed` when a line was added or removed since."""
    with uow:
        session = uow.session
        acting_staff(session, by_staff_id, "estimates")
        estimate = session.get(Estimate, job_id)
        lines = _lines(session, job_id)
        if estimate is None or not lines:
            _job(session, job_id)
            raise InvalidValue("estimate_empty", "add at least one line before sending")
        if estimate.status != "draft":
            raise InvalidTransition("estimate_already_sent", "the estimate was already sent")
        totals = money.totals((line.amount_excl_cents, line.vat_rate_bp) for line in lines)
        read = estimate.lines_version if expected_lines_version is None else expected_lines_version
        frozen = session.execute(
            update(Estimate)
            .where(
                Estimate.job_id == job_id,
                Estimate.status == "draft",
                Estimate.lines_version == read,
            )
            .values(
                status="sent",
                sent_at=now,
                sent_by_staff_id=by_staff_id,
                total_excl_cents=totals.excl_cents,
                total_vat_cents=totals.vat_cents,
                total_incl_cents=totals.incl_cents,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if frozen != 1:
            raise InvalidTransition(
                "estimate_changed", "the estimate changed meanwhile: read it again"
            )
        apply_move(
            session,
            job_id,
            "estimate_sent",
            expected_version=expected_version,
            by_staff_id=by_staff_id,
            now=now,
        )
        view = _view(session, job_id)
        uow.commit()
    assert view is not None
    return view


def decide(
    uow: UnitOfWork,
    job_id: int,
    *,
    customer_id: int,
    decision: str,
    channel: str,
    now: datetime,
) -> EstimateView:
    """The customer's decision ("approve" | "decline") from their channel: only the job's
    customer, only while the estimate is sent; the job moves to approved / declined and the
    time and channel are recorded, exactly once (AlreadyDecided the second time)."""
    if channel not in CUSTOMER_CHANNELS:
        raise InvalidValue("invalid_channel", f"a customer decides in {CUSTOMER_CHANNELS}")
    return _decide(uow, job_id, customer_id, decision, channel, now, None)


def record_decision(
    uow: UnitOfWork,
    job_id: int,
    *,
    decision: str,
    channel: str,
    by_staff_id: int,
    now: datetime,
) -> EstimateView:
    """A decision the customer made at the counter or on the phone, recorded by staff."""
    if channel not in STAFF_CHANNELS:
        raise InvalidValue("invalid_channel", f"staff record decisions made {STAFF_CHANNELS}")
    with uow:
        acting_staff(uow.session, by_staff_id, "estimates")
        return _decide(uow, job_id, None, decision, channel, now, by_staff_id)


def estimate_of(uow: UnitOfWork, job_id: int) -> EstimateView | None:
    """The job's estimate with its lines and totals (frozen ones once sent); None without any."""
    with uow:
        _job(uow.session, job_id)
        return _view(uow.session, job_id)


def estimate_in(session: Session, job_id: int) -> EstimateView | None:
    """The job's estimate read in an open session (core/job_notices.py); None without any."""
    return _view(session, job_id)


def waiting_for(uow: UnitOfWork, customer_id: int) -> list[EstimateView]:
    """The customer's estimates sent and not decided yet, oldest sent first (the chat)."""
    with uow:
        session = uow.session
        job_ids = session.scalars(
            select(Estimate.job_id)
            .join(RepairJob, RepairJob.id == Estimate.job_id)
            .where(RepairJob.customer_id == customer_id, Estimate.status == "sent")
            .order_by(Estimate.sent_at, Estimate.job_id)
        ).all()
        return [view for job_id in job_ids if (view := _view(session, job_id)) is not None]


def default_vat_rate(uow: UnitOfWork) -> int:
    """The VAT rate (basis points) of a new line that names none: the `vat_rate_percent`
    setting."""
    with uow:
        return default_vat_rate_bp(uow.session)


def approved_lines(session: Session, job_id: int) -> tuple[LineView, ...] | None:
    """The lines of the job's approved estimate, None when it has none (core/invoices.py)."""
    estimate = session.get(Estimate, job_id)
    if estimate is None or estimate.status != "approved":
        return None
    return tuple(_lines(session, job_id))


def _decide(
    uow: UnitOfWork,
    job_id: int,
    customer_id: int | None,
    decision: str,
    channel: str,
    now: datetime,
    by_staff_id: int | None,
) -> EstimateView:
    if decision not in DECISIONS:
        raise InvalidValue("invalid_decision", "the decision is approve or decline")
    estimate_status, job_status = DECISIONS[decision]
    with uow:
        session = uow.session
        job = _job(session, job_id)
        if customer_id is not None and job.customer_id != customer_id:
            raise Forbidden("not_your_job", "this repair is not yours")
        version = job.version
        decided = session.execute(
            update(Estimate)
            .where(Estimate.job_id == job_id, Estimate.status == "sent")
            .values(
                status=estimate_status,
                decided_at=now,
                decision_channel=channel,
                decided_by_staff_id=by_staff_id,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if decided != 1:
            raise _not_open(session, job_id)
        apply_move(
            session,
            job_id,
            job_status,
            expected_version=version,
            by_staff_id=by_staff_id,
            now=now,
            note=f"decision: {decision} ({channel})",
            told=customer_id is not None,  # the chat answers the customer's own decision
        )
        view = _view(session, job_id)
        uow.commit()
    assert view is not None
    return view


def _not_open(session: Session, job_id: int) -> AlreadyDecided:
    session.expire_all()
    estimate = session.get(Estimate, job_id)
    if estimate is None or estimate.status == "draft":
        return AlreadyDecided("estimate_not_sent", "the estimate has not been sent")
    when = estimate.decided_at.isoformat() if estimate.decided_at else "?"
    return AlreadyDecided(
        None, f"the estimate was already {estimate.status} ({estimate.decision_channel}, {when})"
    )


def _editable(session: Session, job_id: int) -> None:
    """Bump the draft's lines_version (creating the draft on the first line), refusing once
    the estimate is sent or the job past diagnosing."""
    job = _job(session, job_id)
    if job.status not in EDITABLE_JOB_STATUSES:
        raise InvalidTransition(
            "estimate_locked", f"the job is {job.status}: its estimate can no longer change"
        )
    if session.get(Estimate, job_id) is None:
        try:
            with session.begin_nested():
                session.add(Estimate(job_id=job_id, status="draft", lines_version=1))
        except IntegrityError:  # another first line was quicker: its draft is ours too
            pass
    bumped = session.execute(
        update(Estimate)
        .where(Estimate.job_id == job_id, Estimate.status == "draft")
        .values(lines_version=Estimate.lines_version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if bumped != 1:
        raise InvalidTransition("estimate_locked", "the estimate was sent: it can no longer change")


def _lines(session: Session, job_id: int) -> list[LineView]:
    rows = session.scalars(
        select(EstimateLine).where(EstimateLine.job_id == job_id).order_by(EstimateLine.id)
    )
    return [
        LineView(
            id=row.id,
            kind=row.kind,
            label=row.label,
            quantity_centi=row.quantity_centi,
            unit_price_cents=row.unit_price_cents,
            vat_rate_bp=row.vat_rate_bp,
            amount_excl_cents=money.line_amount(row.quantity_centi, row.unit_price_cents),
        )
        for row in rows
    ]


def _view(session: Session, job_id: int) -> EstimateView | None:
    session.expire_all()
    estimate = session.get(Estimate, job_id)
    if estimate is None:
        return None
    job = _job(session, job_id)
    customer = session.get(Customer, job.customer_id) if job.customer_id else None
    agency = session.get(Agency, job.agency_id)
    assert agency is not None  # a foreign key
    lines = tuple(_lines(session, job_id))
    # once sent, the lines cannot change: these are the totals frozen on the estimate row
    totals = money.totals((line.amount_excl_cents, line.vat_rate_bp) for line in lines)
    return EstimateView(
        job_id=job_id,
        status=estimate.status,
        lines=lines,
        totals=totals,
        customer_id=job.customer_id,
        language=customer.language if customer else "fr",
        sent_at=estimate.sent_at,
        decided_at=estimate.decided_at,
        decision_channel=estimate.decision_channel,
        decided_by_staff_id=estimate.decided_by_staff_id,
        customer_name=customer.name if customer else None,
        vehicle=one_job_view(session, job_id).vehicle,
        agency_name=agency.name,
        agency_address=agency_address(agency),
        seller=_seller(session),
        lines_version=estimate.lines_version,
    )


def _seller(session: Session) -> LegalIdentity | None:
    try:
        return legal_identity(session)
    except InvalidValue:
        return None


def _job(session: Session, job_id: int) -> RepairJob:
    job = session.get(RepairJob, job_id)
    if job is None:
        raise NotFound("unknown_job", f"no repair job {job_id}")
    return job
