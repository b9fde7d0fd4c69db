"""`/api/jobs`: repair jobs and their estimates for the staff (issue 16, item 11).

Mechanics, advisors, managers and admins work on jobs (`JobStaff`); only managers and admins
assign them (`JobAssigner`). Session cookie + X-CSRF-Token on writes. A change names the
version it read: 409 `stale_version` (with the current version and status) when someone was
quicker, 409 `invalid_transition` (with `allowed`) when the state machine does not lead
there. The estimate's own moves (sent, approved, declined) go through its routes only."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from backoffice.api.deps import CoreDep
from backoffice.auth import EstimateDecisionStaff, JobAssigner, JobStaff
from backoffice.job_notices import JobNotices
from core import estimates, jobs
from core.errors import InvalidTransition, InvalidValue, NotFound
from core.estimates import EstimateView
from core.job_states import ESTIMATE_STATUSES
from core.job_views import JobView
from core.models import JOB_STATUSES
from core.money import parse_decimal
from documents import estimate_pdf
from hub.work import off_loop

router = APIRouter(prefix="/api/jobs", tags=["jobs"])

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Status = Literal[JOB_STATUSES]  # type: ignore[valid-type]
# moved only by the estimate's routes: send, the customer's (or counter) decision
ESTIMATE_MOVES = ESTIMATE_STATUSES


class JobEventOut(BaseModel):
    kind: str
    from_status: str | None
    to_status: str
    at: datetime
    by_staff_id: int | None
    by_staff_name: str | None
    mechanic_id: int | None
    note: str | None


class LineOut(BaseModel):
    id: int
    kind: str
    label: str
    quantity: Decimal
    unit_price_cents: int
    vat_rate: Decimal = Field(description="percent")
    amount_excl_cents: int


class VatOut(BaseModel):
    rate: Decimal = Field(description="percent")
    base_cents: int
    vat_cents: int


class EstimateOut(BaseModel):
    job_id: int
    status: str
    lines: list[LineOut]
    total_excl_cents: int
    vat: list[VatOut]
    total_incl_cents: int
    sent_at: datetime | None
    decided_at: datetime | None
    decision_channel: str | None
    decided_by_staff_id: int | None


class JobOut(BaseModel):
    id: int
    agency_code: str
    vehicle_id: int | None
    vehicle: str | None
    customer_id: int | None
    customer_name: str | None
    booking_reference: str | None
    problem: str
    mechanic_id: int | None
    mechanic_name: str | None
    status: str
    next_statuses: list[str]
    expected_completion: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class JobDetailOut(JobOut):
    photo_ids: list[int]
    events: list[JobEventOut]
    estimate: EstimateOut | None


class OpenBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    vehicle_id: int = Field(ge=1, le=2**31 - 1)
    booking_reference: str | None = Field(default=None, max_length=40)
    agency: str | None = Field(default=None, max_length=40, description="a walk-in's agency")
    problem: str | None = Field(default=None, max_length=4000)
    photo_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(
        default_factory=list, max_length=20
    )
    mileage_km: int | None = Field(
        default=None, ge=0, le=1_000_000, description="a check-in's odometer reading"
    )


class MoveBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to_status: Status
    expected_version: int = Field(ge=1, le=2**31 - 1)
    note: str | None = Field(default=None, max_length=2000)


class AssignBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mechanic_id: int | None = Field(ge=1, le=2**31 - 1)
    expected_version: int | None = Field(default=None, ge=1, le=2**31 - 1)


class LineBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["part", "labour", "other"]
    label: str = Field(min_length=1, max_length=200)
    quantity: Decimal | str = Field(description='parts: quantity; labour: hours (1.5 or "1,5")')
    unit_price: Decimal | str = Field(description="euros excl. VAT; labour: the hourly rate")
    vat_rate: Decimal | str | None = Field(
        default=None, description="percent; default: the setting"
    )


class SendBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    expected_version: int = Field(ge=1, le=2**31 - 1)


class DecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["approve", "decline"]
    channel: Literal["counter", "phone"]


def job_out(view: JobView) -> dict:
    return {**view.__dict__, "next_statuses": list(view.next_statuses)}


def estimate_out(view: EstimateView) -> EstimateOut:
    return EstimateOut(
        job_id=view.job_id,
        status=view.status,
        lines=[
            LineOut(
                id=line.id,
                kind=line.kind,
                label=line.label,
                quantity=Decimal(line.quantity_centi) / 100,
                unit_price_cents=line.unit_price_cents,
                vat_rate=Decimal(line.vat_rate_bp) / 100,
                amount_excl_cents=line.amount_excl_cents,
            )
            for line in view.lines
        ],
        total_excl_cents=view.totals.excl_cents,
        vat=[
            VatOut(rate=Decimal(v.rate_bp) / 100, base_cents=v.base_cents, vat_cents=v.vat_cents)
            for v in view.totals.vat
        ],
        total_incl_cents=view.totals.incl_cents,
        sent_at=view.sent_at,
        decided_at=view.decided_at,
        decision_channel=view.decision_channel,
        decided_by_staff_id=view.decided_by_staff_id,
    )


@router.get("", response_model=list[JobOut])
async def list_jobs(
    staff: JobStaff,
    core: CoreDep,
    agency: Annotated[str, Query(max_length=40)],
    status: Annotated[list[Status] | None, Query()] = None,
    mechanic_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[dict]:
    """An agency's jobs, newest first, by status and mechanic, paged."""
    found = await core.run(
        jobs.jobs_for_agency,
        agency,
        statuses=status or (),
        mechanic_id=mechanic_id,
        limit=limit,
        offset=offset,
    )
    return [job_out(view) for view in found]


@router.post("", response_model=JobOut, status_code=201)
async def open_job(body: OpenBody, staff: JobStaff, core: CoreDep, notices: JobNotices) -> dict:
    """Open a job: check-in of a booking (`booking_reference`) or a walk-in (`agency`)."""
    if body.booking_reference:
        view = await core.run(
            jobs.open_from_booking,
            body.booking_reference,
            vehicle_id=body.vehicle_id,
            by_staff_id=staff.id,
            now=core.now(),
            problem=body.problem,
            mileage_km=body.mileage_km,
        )
    elif body.agency:
        view = await core.run(
            jobs.open_walk_in,
            agency_code=body.agency,
            vehicle_id=body.vehicle_id,
            problem=body.problem or "",
            by_staff_id=staff.id,
            now=core.now(),
            photo_ids=body.photo_ids,
        )
    else:
        raise InvalidValue("booking_or_agency", "give a booking_reference or an agency")
    notices.after_commit(view.id)
    return job_out(view)


@router.get("/{job_id}", response_model=JobDetailOut)
async def read_job(job_id: Id, staff: JobStaff, core: CoreDep) -> dict:
    """One job with its history, photos and estimate."""
    view = await core.run(jobs.get_job, job_id)
    estimate = await core.run(estimates.estimate_of, job_id)
    return {
        **job_out(view),
        "photo_ids": list(view.photo_ids),
        "events": [event.__dict__ for event in view.events],
        "estimate": estimate_out(estimate) if estimate else None,
    }


@router.post("/{job_id}/move", response_model=JobOut)
async def move_job(
    job_id: Id, body: MoveBody, staff: JobStaff, core: CoreDep, notices: JobNotices
) -> dict:
    """Move the job to another status (not the estimate's: send it, record the decision)."""
    if body.to_status in ESTIMATE_MOVES:
        raise InvalidTransition(
            "use_estimate_routes", f"{body.to_status}: send the estimate or record the decision"
        )
    view = await core.run(
        jobs.move,
        job_id,
        body.to_status,
        expected_version=body.expected_version,
        by_staff_id=staff.id,
        now=core.now(),
        note=body.note,
    )
    notices.after_commit(view.id)
    return job_out(view)


@router.post("/{job_id}/assign", response_model=JobOut)
async def assign_job(job_id: Id, body: AssignBody, staff: JobAssigner, core: CoreDep) -> dict:
    """Give the job to a mechanic (null: nobody); managers and admins."""
    view = await core.run(
        jobs.assign_mechanic,
        job_id,
        body.mechanic_id,
        by_staff_id=staff.id,
        now=core.now(),
        expected_version=body.expected_version,
    )
    return job_out(view)


@router.post("/{job_id}/estimate/lines", response_model=EstimateOut, status_code=201)
async def add_estimate_line(
    job_id: Id, body: LineBody, staff: JobStaff, core: CoreDep
) -> EstimateOut:
    """Add a line to the job's estimate (while the job is received or diagnosing)."""
    view = await core.run(
        estimates.add_line,
        job_id,
        kind=body.kind,
        label=body.label,
        quantity_centi=parse_decimal(body.quantity, 100, "quantity"),
        unit_price_cents=parse_decimal(body.unit_price, 100, "price"),
        vat_rate_bp=None if body.vat_rate is None else parse_decimal(body.vat_rate, 100, "vat"),
        by_staff_id=staff.id,
    )
    return estimate_out(view)


@router.delete("/{job_id}/estimate/lines/{line_id}", response_model=EstimateOut)
async def delete_estimate_line(
    job_id: Id, line_id: Id, staff: JobStaff, core: CoreDep
) -> EstimateOut:
    """Remove a line of the job's draft estimate."""
    view = await core.run(estimates.remove_line, job_id, line_id, by_staff_id=staff.id)
    return estimate_out(view)


@router.post("/{job_id}/estimate/send", response_model=EstimateOut)
async def send_job_estimate(
    job_id: Id, body: SendBody, staff: JobStaff, core: CoreDep, notices: JobNotices
) -> EstimateOut:
    """Send the estimate: frozen, and the job moves to estimate_sent."""
    view = await core.run(
        estimates.send_estimate,
        job_id,
        expected_version=body.expected_version,
        by_staff_id=staff.id,
        now=core.now(),
    )
    notices.after_commit(job_id)
    return estimate_out(view)


@router.post("/{job_id}/estimate/decision", response_model=EstimateOut)
async def record_estimate_decision(
    job_id: Id,
    body: DecisionBody,
    staff: EstimateDecisionStaff,
    core: CoreDep,
    notices: JobNotices,
) -> EstimateOut:
    """Record the customer's decision made at the counter or on the phone (the counter's
    roles: advisors, managers, admins)."""
    view = await core.run(
        estimates.record_decision,
        job_id,
        decision=body.decision,
        channel=body.channel,
        by_staff_id=staff.id,
        now=core.now(),
    )
    notices.after_commit(job_id)
    return estimate_out(view)


@router.get(
    "/{job_id}/estimate/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def read_estimate_pdf(job_id: Id, staff: JobStaff, core: CoreDep) -> Response:
    """The estimate as a PDF, in the customer's language."""
    view = await core.run(estimates.estimate_of, job_id)
    if view is None:
        raise NotFound("unknown_estimate", f"job {job_id} has no estimate")
    return Response(
        await off_loop(estimate_pdf, view),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="estimate-{job_id}.pdf"',
            "Cache-Control": "no-store",
        },
    )
