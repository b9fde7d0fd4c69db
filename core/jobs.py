"""Repair jobs (work orders): opened at check-in from a workshop booking or for a walk-in,
assigned to a mechanic, and moved through the state machine of core/job_states.py.

Every change is one conditional UPDATE on (id, version, status) that bumps `version`, plus
its row in job_events, in one transaction: of two staff changing the same job at once,
exactly one wins and the other gets StaleVersion (who changed it, to what). Reading jobs:
core/job_views.py, re-exported here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.booking_views import find_booking
from core.errors import (
    Forbidden,
    InvalidTransition,
    InvalidValue,
    JobAlreadyOpen,
    NotFound,
    StaleVersion,
)
from core.job_states import CLOSED, can_move, next_statuses
from core.job_views import (
    JobEventView,
    JobView,
    get_job,
    jobs_for_agency,
    jobs_for_mechanic,
    one_job_view,
    vehicle_jobs,
)
from core.mileage import add_reading
from core.models import (
    JOB_STATUSES,
    Agency,
    Attachment,
    Booking,
    Calendar,
    ChannelIdentity,
    Conversation,
    JobEvent,
    JobPhoto,
    Message,
    RepairJob,
    Service,
    StaffUser,
    Vehicle,
)
from core.uow import UnitOfWork

__all__ = [
    "JobEventView",
    "JobView",
    "acting_staff",
    "apply_move",
    "add_note",
    "assign_mechanic",
    "get_job",
    "jobs_for_agency",
    "jobs_for_mechanic",
    "move",
    "open_from_booking",
    "open_walk_in",
    "set_expected_completion",
    "vehicle_jobs",
]

PROBLEM_MAX = 4000
NOTE_MAX = 2000


def open_from_booking(
    uow: UnitOfWork,
    booking_reference: str,
    *,
    vehicle_id: int,
    by_staff_id: int,
    now: datetime,
    problem: str | None = None,
    expected_completion: datetime | None = None,
    mileage_km: int | None = None,
) -> JobView:
    """Check-in: the job of a workshop booking, with the problem and photos the customer gave
    when booking (unless `problem` is given), and the odometer read at the counter
    (`mileage_km`: a reading of source check_in, in the same transaction). One job per
    booking, held by a unique constraint: JobAlreadyOpen (with its id) the second time.
    InvalidValue `not_a_workshop_booking`, `booking_cancelled`, `vehicle_not_customers`, and
    the reading's (`mileage_below_previous`...: nothing is opened); NotFound."""
    with uow:
        session = uow.session
        acting_staff(session, by_staff_id)
        booking = find_booking(session, booking_reference, None)
        details = _check_in_details(session, booking)
        vehicle = _vehicle(session, vehicle_id)
        if booking.customer_id is not None and vehicle.customer_id != booking.customer_id:
            raise InvalidValue("vehicle_not_customers", "the vehicle is not the customer's")
        existing = _job_of_booking(session, booking.id)
        if existing is not None:
            raise JobAlreadyOpen(existing)
        calendar = session.get(Calendar, booking.calendar_id)
        assert calendar is not None  # a foreign key
        job = RepairJob(
            agency_id=calendar.agency_id,
            vehicle_id=vehicle.id,
            customer_id=vehicle.customer_id,
            booking_id=booking.id,
            problem=_clean_problem(problem or details.get("description") or details["service"]),
            expected_completion=expected_completion,
            created_at=now,
            updated_at=now,
        )
        photos = details.get("attachment_ids") or []
        try:
            view = _add_job(session, job, photos, by_staff_id, now)
            if mileage_km is not None:
                add_reading(
                    session,
                    vehicle.id,
                    mileage_km,
                    source="check_in",
                    read_at=now,
                    booking_id=booking.id,
                    job_id=view.id,
                    staff_id=by_staff_id,
                )
            uow.commit()
        except IntegrityError:  # another check-in of the same booking was quicker
            uow.rollback()
            raise JobAlreadyOpen(_job_of_booking(session, booking.id)) from None
        return view


def open_walk_in(
    uow: UnitOfWork,
    *,
    agency_code: str,
    vehicle_id: int,
    problem: str,
    by_staff_id: int,
    now: datetime,
    photo_ids: Iterable[int] = (),
    expected_completion: datetime | None = None,
) -> JobView:
    """A job for a vehicle brought in without a booking; `photo_ids` are kept only when they
    are images the vehicle's owner sent in one of their conversations."""
    with uow:
        session = uow.session
        acting_staff(session, by_staff_id)
        agency_id = session.scalar(select(Agency.id).where(Agency.code == agency_code))
        if agency_id is None:
            raise NotFound("unknown_agency", f"no agency {agency_code}")
        vehicle = _vehicle(session, vehicle_id)
        job = RepairJob(
            agency_id=agency_id,
            vehicle_id=vehicle.id,
            customer_id=vehicle.customer_id,
            problem=_clean_problem(problem),
            expected_completion=expected_completion,
            created_at=now,
            updated_at=now,
        )
        view = _add_job(session, job, list(photo_ids), by_staff_id, now)
        uow.commit()
        return view


def move(
    uow: UnitOfWork,
    job_id: int,
    to_status: str,
    *,
    expected_version: int,
    by_staff_id: int,
    now: datetime,
    note: str | None = None,
) -> JobView:
    """Move the job to `to_status` if it is still at `expected_version`: StaleVersion when
    someone changed it meanwhile, InvalidTransition (with `allowed`) when the state machine
    does not lead there from its status."""
    if to_status not in JOB_STATUSES:
        raise InvalidValue("invalid_status", f"unknown job status {to_status!r}")
    with uow:
        session = uow.session
        acting_staff(session, by_staff_id)
        apply_move(
            session,
            job_id,
            to_status,
            expected_version=expected_version,
            by_staff_id=by_staff_id,
            now=now,
            note=note,
        )
        view = one_job_view(session, job_id)
        uow.commit()
        return view


def apply_move(
    session: Session,
    job_id: int,
    to_status: str,
    *,
    expected_version: int,
    by_staff_id: int | None,
    now: datetime,
    note: str | None = None,
    told: bool = False,
) -> None:
    """`move` inside the caller's transaction (the caller commits): the same conditional
    UPDATE and job_events row. `by_staff_id` None: the customer's own move (their decision
    on the estimate, core/estimates.py); `told`: the customer is answered there and then
    (in the chat), so no notice of this change is sent to them again."""
    if to_status not in JOB_STATUSES:
        raise InvalidValue("invalid_status", f"unknown job status {to_status!r}")
    status, version = _status_and_version(session, job_id)
    if version != expected_version:
        raise _stale(session, job_id, expected_version)
    if not can_move(status, to_status):
        allowed = next_statuses(status)
        raise InvalidTransition(
            "invalid_transition",
            f"a job cannot go from {status} to {to_status}; "
            f"allowed: {', '.join(allowed) or 'none'}",
            allowed=allowed,
        )
    _change(session, job_id, (status, version), now, status=to_status)
    session.add(
        JobEvent(
            job_id=job_id,
            kind="status",
            from_status=status,
            to_status=to_status,
            at=now,
            by_staff_id=by_staff_id,
            note=_clean_note(note),
            **({"notice": "told", "told_at": now} if told else {}),
        )
    )
    session.flush()


def assign_mechanic(
    uow: UnitOfWork,
    job_id: int,
    mechanic_id: int | None,
    *,
    by_staff_id: int,
    now: datetime,
    expected_version: int | None = None,
) -> JobView:
    """Give the job to an active mechanic (None: nobody); refused on a returned or cancelled
    job (InvalidTransition `job_closed`), or for staff who is no active mechanic
    (InvalidValue `not_a_mechanic`). With `expected_version`, StaleVersion as in move."""
    with uow:
        session = uow.session
        acting_staff(session, by_staff_id)
        if mechanic_id is not None:
            _mechanic(session, mechanic_id)
        status, version = _status_and_version(session, job_id)
        if expected_version is not None and version != expected_version:
            raise _stale(session, job_id, expected_version)
        if status in CLOSED:
            raise InvalidTransition("job_closed", f"the job is {status}: nothing to assign")
        _change(session, job_id, (status, version), now, mechanic_id=mechanic_id)
        session.add(
            JobEvent(
                job_id=job_id,
                kind="assigned",
                from_status=status,
                to_status=status,
                at=now,
                by_staff_id=by_staff_id,
                mechanic_id=mechanic_id,
            )
        )
        view = one_job_view(session, job_id)
        uow.commit()
        return view


def add_note(
    uow: UnitOfWork, job_id: int, text: str, *, by_staff_id: int, now: datetime
) -> JobView:
    """A remark on the job's history without changing it (kind "note"): no version check,
    nothing else moves, so a note never makes someone else's open form stale. Refused when
    empty or longer than NOTE_MAX (InvalidValue `missing_note`, `note_too_long`)."""
    note = _clean_note(text)
    if note is None:
        raise InvalidValue("missing_note", "write the note first")
    with uow:
        session = uow.session
        acting_staff(session, by_staff_id)
        status, _ = _status_and_version(session, job_id)
        session.add(
            JobEvent(
                job_id=job_id,
                kind="note",
                from_status=status,
                to_status=status,
                at=now,
                by_staff_id=by_staff_id,
                note=note,
            )
        )
        session.flush()
        view = one_job_view(session, job_id)
        uow.commit()
        return view


def set_expected_completion(
    uow: UnitOfWork,
    job_id: int,
    when: datetime | None,
    *,
    expected_version: int,
    by_staff_id: int,
    now: datetime,
) -> JobView:
    """Set (or clear, with None) when the job should be done, if it is still at
    `expected_version` (StaleVersion as in move); recorded as an event of kind "expected".
    Refused on a returned or cancelled job (InvalidTransition `job_closed`) and for a time
    already past or without a time zone (InvalidValue `expected_in_past`, `naive_time`)."""
    if when is not None:
        if when.tzinfo is None:
            raise InvalidValue("naive_time", "the expected completion needs a time zone")
        if when <= now:
            raise InvalidValue("expected_in_past", "the expected completion is already past")
    with uow:
        session = uow.session
        acting_staff(session, by_staff_id)
        status, version = _status_and_version(session, job_id)
        if version != expected_version:
            raise _stale(session, job_id, expected_version)
        if status in CLOSED:
            raise InvalidTransition("job_closed", f"the job is {status}: nothing to plan")
        _change(session, job_id, (status, version), now, expected_completion=when)
        session.add(
            JobEvent(
                job_id=job_id,
                kind="expected",
                from_status=status,
                to_status=status,
                at=now,
                by_staff_id=by_staff_id,
                expected_at=when,
            )
        )
        view = one_job_view(session, job_id)
        uow.commit()
        return view


def _change(
    session: Session, job_id: int, read: tuple[str, int], now: datetime, **values: Any
) -> None:
    """The conditional UPDATE every change goes through; StaleVersion when it changed no row
    (another transaction changed the job after it was read as `read`: status, version)."""
    status, version = read
    changed = session.execute(
        update(RepairJob)
        .where(RepairJob.id == job_id, RepairJob.version == version, RepairJob.status == status)
        .values(version=RepairJob.version + 1, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise _stale(session, job_id, version)


def _stale(session: Session, job_id: int, expected: int) -> StaleVersion:
    status, current = _status_and_version(session, job_id)
    last = session.execute(
        select(JobEvent.by_staff_id, JobEvent.at)
        .where(JobEvent.job_id == job_id)
        .order_by(JobEvent.id.desc())
        .limit(1)
    ).first()
    return StaleVersion(
        expected=expected,
        current=current,
        status=status,
        changed_by=last.by_staff_id if last else None,
        changed_at=last.at if last else None,
    )


def _status_and_version(session: Session, job_id: int) -> tuple[str, int]:
    row = session.execute(
        select(RepairJob.status, RepairJob.version).where(RepairJob.id == job_id)
    ).first()
    if row is None:
        raise NotFound("unknown_job", f"no repair job {job_id}")
    return row.status, row.version


def _add_job(
    session: Session, job: RepairJob, photo_ids: list[int], by_staff_id: int, now: datetime
) -> JobView:
    session.add(job)
    session.flush()
    for attachment_id in _customer_images(session, job.customer_id, photo_ids):
        session.add(JobPhoto(job_id=job.id, attachment_id=attachment_id))
    session.add(
        JobEvent(
            job_id=job.id,
            kind="opened",
            to_status=job.status,
            at=now,
            by_staff_id=by_staff_id,
        )
    )
    session.flush()
    return one_job_view(session, job.id)


def _customer_images(session: Session, customer_id: int | None, ids: list[int]) -> list[int]:
    """The ids among `ids` that are images the customer sent in one of their conversations
    (an id of someone else's file is left out)."""
    wanted = {i for i in ids if isinstance(i, int)}
    if customer_id is None or not wanted:
        return []
    owned = session.scalars(
        select(Attachment.id)
        .join(Message, Message.id == Attachment.message_id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(
            ChannelIdentity,
            (ChannelIdentity.channel == Conversation.channel)
            & (ChannelIdentity.external_id == Conversation.external_id),
        )
        .where(
            Attachment.id.in_(wanted),
            Attachment.kind == "image",
            Message.direction == "in",
            ChannelIdentity.customer_id == customer_id,
        )
    )
    return sorted(set(owned))


def _check_in_details(session: Session, booking: Booking) -> dict[str, Any]:
    """The booking's details, with its service's name under "service"; refuses a cancelled
    booking or one of another kind than the workshop."""
    if booking.status == "cancelled":
        raise InvalidValue("booking_cancelled", f"booking {booking.reference} is cancelled")
    service = session.scalar(
        select(Service)
        .join(Calendar, Calendar.service_code == Service.code)
        .where(Calendar.id == booking.calendar_id)
    )
    if service is None or service.kind != "workshop":
        raise InvalidValue(
            "not_a_workshop_booking", f"booking {booking.reference} is not for the workshop"
        )
    return {**(booking.details or {}), "service": service.name_fr}


def _job_of_booking(session: Session, booking_id: int) -> int | None:
    return session.scalar(select(RepairJob.id).where(RepairJob.booking_id == booking_id))


def _vehicle(session: Session, vehicle_id: int) -> Vehicle:
    vehicle = session.get(Vehicle, vehicle_id)
    if vehicle is None:
        raise NotFound("unknown_vehicle", f"no vehicle {vehicle_id}")
    return vehicle


def acting_staff(session: Session, staff_id: int, changing: str = "jobs") -> StaffUser:
    """The staff member behind a workshop change (jobs, estimates, invoices): NotFound for
    an unknown id, Forbidden for a deactivated account."""
    staff = session.get(StaffUser, staff_id)
    if staff is None:
        raise NotFound("unknown_staff", f"no staff user {staff_id}")
    if not staff.active:
        raise Forbidden("inactive_staff", f"a deactivated account cannot change {changing}")
    return staff


def _mechanic(session: Session, staff_id: int) -> StaffUser:
    staff = session.get(StaffUser, staff_id)
    if staff is None:
        raise NotFound("unknown_staff", f"no staff user {staff_id}")
    if staff.role != "mechanic" or not staff.active:
        raise InvalidValue("not_a_mechanic", f"staff user {staff_id} is no active mechanic")
    return staff


def _clean_problem(text: str) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise InvalidValue("missing_problem", "say what the problem is")
    if len(cleaned) > PROBLEM_MAX:
        raise InvalidValue("problem_too_long", f"at most {PROBLEM_MAX} characters")
    return cleaned


def _clean_note(text: str | None) -> str | None:
    cleaned = (text or "").strip()
    if len(cleaned) > NOTE_MAX:
        raise InvalidValue("note_too_long", f"at most {NOTE_MAX} characters")
    return cleaned or None
