"""The manager's planning (issue 16, item 7): one calendar's day or week with its bookings
per slot and free places, the agency's repair jobs in the workshop and each mechanic's load,
and the incoming requests (bookings nobody has looked at yet) to mark seen or to move.

Free places come from the capacity guard (core/slot_places.py `free_places`), slots from
core/calendars.py, moves from core/bookings.py `move_booking`: nothing is recomputed here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.booking_views import BookingView, booking_view, booking_view_query, find_booking
from core.bookings import move_booking
from core.calendars import day_slots, effective_capacity, local_day, parse_opening_hours
from core.errors import Forbidden
from core.job_views import JobView, jobs_for_agency, period_bounds
from core.models import Agency, Booking, BookingAcknowledgement, Calendar, Customer, StaffUser
from core.slot_places import closed_days, free_places, get_calendar
from core.staff_agencies import agency_mechanics
from core.uow import UnitOfWork

SHOWN_STATUSES = ("confirmed", "no_show")  # cancelled bookings hold no place


@dataclass(frozen=True)
class PlannedBooking:
    reference: str
    first_name: str | None  # None: no customer (erased or anonymous)
    status: str  # confirmed | no_show
    start_utc: datetime


@dataclass(frozen=True)
class PlanSlot:
    start_utc: datetime
    end_utc: datetime
    places: int  # min(capacity, staff_count)
    free: int  # places left (free_places); 0 when full
    past: bool  # started: nobody can book or move into it
    bookings: tuple[PlannedBooking, ...]


@dataclass(frozen=True)
class PlanDay:
    day: date
    closed: bool
    slots: tuple[PlanSlot, ...]
    off_grid: tuple[PlannedBooking, ...]  # bookings kept at a time that is no slot any more


@dataclass(frozen=True)
class MechanicLoad:
    id: int
    name: str
    jobs: int  # jobs assigned to them in the workshop during the period


@dataclass(frozen=True)
class Planning:
    agency: str
    service: str
    span: str  # day | week
    first_day: date
    days: tuple[PlanDay, ...]
    jobs: tuple[JobView, ...]
    mechanics: tuple[MechanicLoad, ...]
    unassigned: int  # jobs of the period nobody is assigned to


def planning(
    uow: UnitOfWork, agency_code: str, service_code: str, day: date, span: str, now: datetime
) -> Planning:
    """The calendar of `service_code` at `agency_code` on the local `day` or its Monday-Sunday
    week. NotFound (`unknown_agency`, `unknown_service`, `no_calendar`), InvalidValue
    (`invalid_span`)."""
    with uow:
        session = uow.session
        tz = uow.timezone
        start, end = period_bounds(day, span, tz)
        first = start.date()
        calendar = get_calendar(session, agency_code, service_code)
        hours = parse_opening_hours(calendar.opening_hours)
        days = [first + timedelta(days=n) for n in range((end.date() - first).days)]
        slots_of = {d: day_slots(hours, calendar.slot_minutes, d, tz) for d in days}
        every = [slot for d in days for slot in slots_of[d]]
        closed = closed_days(session, calendar.id, every, tz) if every else set()
        free = free_places(session, calendar, every)
        places = effective_capacity(calendar.capacity, calendar.staff_count)
        booked = _bookings(session, calendar, start, end)
        plan_days = []
        for d in days:
            todays = [b for b in booked if local_day(b.start_utc, tz) == d]
            slots = tuple(
                PlanSlot(
                    s.start_utc,
                    s.end_utc,
                    places,
                    free.get(s.start_utc, 0),
                    s.start_utc <= now,
                    tuple(b for b in todays if b.start_utc == s.start_utc),
                )
                for s in slots_of[d]
            )
            starts = {s.start_utc for s in slots}
            off_grid = tuple(b for b in todays if b.start_utc not in starts)
            plan_days.append(PlanDay(d, d in closed, slots, off_grid))
        jobs = jobs_for_agency(uow, agency_code, during=(start, end), limit=500)
        mechanics = agency_mechanics(uow, agency_code)
    load = {mechanic_id: 0 for mechanic_id, _ in mechanics}
    names = dict(mechanics)
    for job in jobs:
        if job.mechanic_id is not None:
            load[job.mechanic_id] = load.get(job.mechanic_id, 0) + 1
            names.setdefault(job.mechanic_id, job.mechanic_name or "")
    return Planning(
        agency=agency_code,
        service=service_code,
        span=span,
        first_day=first,
        days=tuple(plan_days),
        jobs=tuple(jobs),
        mechanics=tuple(MechanicLoad(i, names[i], n) for i, n in load.items()),
        unassigned=sum(1 for job in jobs if job.mechanic_id is None),
    )


def _bookings(
    session: Session, calendar: Calendar, start: datetime, end: datetime
) -> list[PlannedBooking]:
    rows = session.execute(
        select(Booking.reference, Customer.name, Booking.status, Booking.start_utc)
        .outerjoin(Customer, Customer.id == Booking.customer_id)
        .where(
            Booking.calendar_id == calendar.id,
            Booking.status.in_(SHOWN_STATUSES),
            Booking.start_utc >= start,
            Booking.start_utc < end,
        )
        .order_by(Booking.start_utc, Booking.reference)
    )
    return [PlannedBooking(ref, _first_name(name), status, at) for ref, name, status, at in rows]


def _first_name(name: str | None) -> str | None:
    parts = (name or "").split()
    return parts[0] if parts else None


def incoming_requests(
    uow: UnitOfWork, agency_code: str, now: datetime, limit: int = 50
) -> list[BookingView]:
    """The agency's upcoming confirmed bookings that no staff member has marked seen or
    moved yet, oldest request first."""
    seen = exists().where(BookingAcknowledgement.booking_id == Booking.id)
    query = (
        booking_view_query()
        .where(Agency.code == agency_code, Booking.status == "confirmed", Booking.start_utc > now)
        .where(~seen)
        .order_by(None)
        .order_by(Booking.created_at, Booking.id)
        .limit(limit)
    )
    with uow:
        return [booking_view(row) for row in uow.session.execute(query)]


def acknowledge(uow: UnitOfWork, reference: str, *, staff_id: int, now: datetime) -> bool:
    """Mark a booking seen (it leaves the incoming requests); False when it already was.
    NotFound (`unknown_booking`); Forbidden (`other_agency`) for a manager of another agency."""
    with uow:
        added = _acknowledge(uow.session, reference, staff_id, now)
        uow.commit()
        return added


def move_request(
    uow: UnitOfWork, reference: str, new_start_utc: datetime, *, staff_id: int, now: datetime
) -> BookingView:
    """Move a booking to another free slot of its calendar (core.bookings.move_booking: the
    capacity guard of the new slot, in one transaction) and mark it seen in that same
    transaction. Raises what move_booking raises, Forbidden (`other_agency`) for a manager of
    another agency; nothing changes then."""
    with uow:
        _acknowledge(uow.session, reference, staff_id, now)
        return move_booking(uow, reference, new_start_utc, now=now)


def plans_agency(session: Session, staff_id: int, agency_id: int) -> bool:
    """Whether that staff member may act on the agency's planning: a manager tied to an
    agency plans that one only; admins, and managers of the whole network (no agency), all."""
    staff = session.get(StaffUser, staff_id)
    if staff is None:
        return False
    return staff.role != "manager" or staff.agency_id in (None, agency_id)


def _acknowledge(session: Session, reference: str, staff_id: int, now: datetime) -> bool:
    booking = find_booking(session, reference, None)
    calendar = session.get(Calendar, booking.calendar_id)
    if calendar is None or not plans_agency(session, staff_id, calendar.agency_id):
        raise Forbidden("other_agency", "a manager plans their own agency's bookings")
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(BookingAcknowledgement.__table__)
        .values(booking_id=booking.id, staff_id=staff_id, at=now)
        .on_conflict_do_nothing(index_elements=["booking_id"])
        .execution_options(preserve_rowcount=True)
    )
    return session.execute(stmt).rowcount == 1
