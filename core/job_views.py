"""Reading repair jobs: one job with its photos and history, a mechanic's planning, an
agency's jobs, a vehicle's jobs (core/jobs.py changes them)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session, aliased

from core.errors import InvalidValue, NotFound
from core.job_states import CLOSED, next_statuses
from core.models import (
    JOB_STATUSES,
    Agency,
    Booking,
    Customer,
    JobEvent,
    JobPhoto,
    RepairJob,
    StaffUser,
    Vehicle,
)
from core.uow import UnitOfWork

MAX_LIST = 500


@dataclass(frozen=True)
class JobEventView:
    kind: str  # "opened" | "status" | "assigned" | "note" | "expected"
    from_status: str | None
    to_status: str
    at: datetime
    by_staff_id: int | None
    by_staff_name: str | None
    mechanic_id: int | None
    note: str | None
    expected_at: datetime | None = None  # kind "expected": the new expected completion


@dataclass(frozen=True)
class JobView:
    id: int
    agency_code: str
    agency_name: str
    vehicle_id: int | None
    vehicle: str | None  # "Yamaha MT-07 (AB-123-CD)"
    customer_id: int | None
    customer_name: str | None
    booking_reference: str | None  # None for a walk-in
    problem: str
    mechanic_id: int | None
    mechanic_name: str | None
    status: str
    next_statuses: tuple[str, ...]
    expected_completion: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    photo_ids: tuple[int, ...] = ()
    events: tuple[JobEventView, ...] = ()  # filled by get_job only


_Mechanic = aliased(StaffUser)


def _query() -> Select:
    return (
        select(
            RepairJob,
            Agency.code,
            Agency.name,
            Vehicle,
            Customer.name,
            Booking.reference,
            _Mechanic.name,
        )
        .join(Agency, Agency.id == RepairJob.agency_id)
        .outerjoin(Vehicle, Vehicle.id == RepairJob.vehicle_id)
        .outerjoin(Customer, Customer.id == RepairJob.customer_id)
        .outerjoin(Booking, Booking.id == RepairJob.booking_id)
        .outerjoin(_Mechanic, _Mechanic.id == RepairJob.mechanic_id)
    )


def _vehicle_label(vehicle: Vehicle | None) -> str | None:
    if vehicle is None:
        return None
    label = f"{vehicle.brand} {vehicle.model}"
    return f"{label} ({vehicle.plate})" if vehicle.plate else label


def _views(session: Session, query: Select) -> list[JobView]:
    views = []
    for job, agency_code, agency_name, vehicle, customer, booking, mechanic in session.execute(
        query
    ):
        views.append(
            JobView(
                id=job.id,
                agency_code=agency_code,
                agency_name=agency_name,
                vehicle_id=job.vehicle_id,
                vehicle=_vehicle_label(vehicle),
                customer_id=job.customer_id,
                customer_name=customer,
                booking_reference=booking,
                problem=job.problem,
                mechanic_id=job.mechanic_id,
                mechanic_name=mechanic,
                status=job.status,
                next_statuses=next_statuses(job.status),
                expected_completion=job.expected_completion,
                created_at=job.created_at,
                updated_at=job.updated_at,
                version=job.version,
                photo_ids=_photo_ids(session, job.id),
            )
        )
    return views


def _photo_ids(session: Session, job_id: int) -> tuple[int, ...]:
    return tuple(
        session.scalars(
            select(JobPhoto.attachment_id)
            .where(JobPhoto.job_id == job_id)
            .order_by(JobPhoto.attachment_id)
        )
    )


def job_events(session: Session, job_id: int) -> tuple[JobEventView, ...]:
    """The job's history, oldest first."""
    rows = session.execute(
        select(JobEvent, StaffUser.name)
        .outerjoin(StaffUser, StaffUser.id == JobEvent.by_staff_id)
        .where(JobEvent.job_id == job_id)
        .order_by(JobEvent.id)
    )
    return tuple(
        JobEventView(
            kind=event.kind,
            from_status=event.from_status,
            to_status=event.to_status,
            at=event.at,
            by_staff_id=event.by_staff_id,
            by_staff_name=name,
            mechanic_id=event.mechanic_id,
            note=event.note,
            expected_at=event.expected_at,
        )
        for event, name in rows
    )


def one_job_view(session: Session, job_id: int) -> JobView:
    """The job with its history; NotFound("unknown_job")."""
    found = _views(session, _query().where(RepairJob.id == job_id))
    if not found:
        raise NotFound("unknown_job", f"no repair job {job_id}")
    view = found[0]
    return JobView(**{**view.__dict__, "events": job_events(session, job_id)})


def get_job(uow: UnitOfWork, job_id: int) -> JobView:
    with uow:
        return one_job_view(uow.session, job_id)


def period_bounds(day: date, span: str, tz: str) -> tuple[datetime, datetime]:
    """The UTC bounds [start, end) of the local `day` ("day") or of its Monday-Sunday week
    ("week"); InvalidValue("invalid_span") otherwise."""
    if span == "day":
        first, days = day, 1
    elif span == "week":
        first, days = day - timedelta(days=day.weekday()), 7
    else:
        raise InvalidValue("invalid_span", "span must be day or week")
    zone = ZoneInfo(tz)
    start = datetime.combine(first, time(0), zone)
    end = datetime.combine(first + timedelta(days=days), time(0), zone)
    return start, end


def _held_during(start: datetime, end: datetime) -> ColumnElement[bool]:
    # A job is on a planning while it is in the workshop: opened before the period ends, and
    # still open or closed (last changed) after the period starts.
    return and_(
        RepairJob.created_at < end,
        or_(RepairJob.status.not_in(CLOSED), RepairJob.updated_at >= start),
    )


def _planning_order(query: Select) -> Select:
    return query.order_by(
        RepairJob.expected_completion.is_(None),
        RepairJob.expected_completion,
        RepairJob.created_at,
        RepairJob.id,
    )


def jobs_for_mechanic(
    uow: UnitOfWork, mechanic_id: int, day: date, span: str = "day"
) -> list[JobView]:
    """The mechanic's planning: the jobs assigned to them that are in the workshop during the
    local `day` or its week (`span` "day" | "week"), soonest expected completion first."""
    with uow:
        start, end = period_bounds(day, span, uow.timezone)
        query = _query().where(RepairJob.mechanic_id == mechanic_id, _held_during(start, end))
        return _views(uow.session, _planning_order(query))


def jobs_for_agency(
    uow: UnitOfWork,
    agency_code: str,
    *,
    statuses: Collection[str] = (),
    mechanic_id: int | None = None,
    unassigned: bool = False,
    open_only: bool = False,
    limit: int = 100,
    offset: int = 0,
    during: tuple[datetime, datetime] | None = None,
) -> list[JobView]:
    """An agency's jobs, newest first, filtered by status, mechanic, unassigned or still open,
    or (`during`: UTC bounds [start, end)) in the workshop during a period, as a mechanic's
    planning counts them; InvalidValue for an unknown status or a limit outside 1..500."""
    unknown = set(statuses) - set(JOB_STATUSES)
    if unknown:
        raise InvalidValue("invalid_status", f"unknown job status {sorted(unknown)}")
    if not 1 <= limit <= MAX_LIST or offset < 0:
        raise InvalidValue("invalid_page", f"limit 1..{MAX_LIST}, offset >= 0")
    query = _query().where(Agency.code == agency_code)
    if statuses:
        query = query.where(RepairJob.status.in_(set(statuses)))
    if mechanic_id is not None:
        query = query.where(RepairJob.mechanic_id == mechanic_id)
    if unassigned:
        query = query.where(RepairJob.mechanic_id.is_(None))
    if open_only:
        query = query.where(RepairJob.status.not_in(CLOSED))
    if during is not None:
        query = query.where(_held_during(*during))
    query = query.order_by(RepairJob.created_at.desc(), RepairJob.id.desc())
    with uow:
        if uow.session.scalar(select(Agency.id).where(Agency.code == agency_code)) is None:
            raise NotFound("unknown_agency", f"no agency {agency_code}")
        return _views(uow.session, query.limit(limit).offset(offset))


def vehicle_jobs(uow: UnitOfWork, vehicle_id: int) -> list[JobView]:
    """Every job of the vehicle, newest first (its workshop history)."""
    with uow:
        query = _query().where(RepairJob.vehicle_id == vehicle_id)
        return _views(uow.session, query.order_by(RepairJob.created_at.desc(), RepairJob.id.desc()))
