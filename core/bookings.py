"""Booking store: offers of free slots and bookings, one calendar per (agency, service)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Row, Select, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.calendars import Slot, find_slot, parse_opening_hours, spread_slots, week_slots
from core.errors import NotFound, SlotTaken, SlotUnavailable
from core.models import Agency, Booking, Calendar, Customer, Service, SlotCounter
from core.uow import UnitOfWork

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1: read over the phone


@dataclass(frozen=True)
class SlotOffer:
    start_utc: datetime
    end_utc: datetime
    free: int


@dataclass(frozen=True)
class WeekOffer:
    week: str  # "this_week" | "next_week" | "none"
    slots: list[SlotOffer]


@dataclass(frozen=True)
class BookingView:
    reference: str
    service: str
    agency: str
    agency_name: str
    start_utc: datetime
    end_utc: datetime
    customer_id: int | None
    customer_name: str | None
    channel: str
    status: str


def offer_slots(
    uow: UnitOfWork, agency_code: str, service_code: str, now: datetime, limit: int = 8
) -> WeekOffer:
    """Free future slots of the current local week (Mon-Sun); none left -> next week's."""
    with uow:
        calendar = get_calendar(uow.session, agency_code, service_code)
        hours = parse_opening_hours(calendar.opening_hours)
        for weeks_ahead, week in ((0, "this_week"), (1, "next_week")):
            slots = [
                slot
                for slot in week_slots(hours, calendar.slot_minutes, now, uow.timezone, weeks_ahead)
                if slot.start_utc > now
            ]
            free = _free_places(uow.session, calendar, slots)
            if free:
                chosen = spread_slots(free, limit, uow.timezone)
                ends = {slot.start_utc: slot.end_utc for slot in slots}
                offers = [SlotOffer(start, ends[start], free[start]) for start in chosen]
                return WeekOffer(week, offers)
        return WeekOffer("none", [])


def book_slot(
    uow: UnitOfWork,
    *,
    agency_code: str,
    service_code: str,
    start_utc: datetime,
    customer_id: int | None,
    channel: str,
    now: datetime,
) -> BookingView:
    """Book one place in one transaction; the database refuses a place beyond capacity."""
    if start_utc.tzinfo is None or now.tzinfo is None:
        raise ValueError("start_utc and now must be timezone-aware")
    with uow:
        calendar = get_calendar(uow.session, agency_code, service_code)
        if start_utc <= now:
            raise SlotUnavailable("past", "this slot has already started")
        slot = find_slot(
            parse_opening_hours(calendar.opening_hours),
            calendar.slot_minutes,
            start_utc,
            uow.timezone,
        )
        if slot is None:
            raise SlotUnavailable("not_a_slot", "this time is not a slot of that calendar")
        if customer_id is not None and uow.session.get(Customer, customer_id) is None:
            raise NotFound("unknown_customer", f"no customer {customer_id}")
        booking = reserve_place(
            uow.session, calendar, slot, customer_id=customer_id, channel=channel
        )
        view = _one_view(uow.session, Booking.id == booking.id)
        uow.commit()
        return view


def cancel_booking(uow: UnitOfWork, reference: str) -> BookingView:
    """Cancel a booking and give its place back; cancelling twice changes nothing."""
    with uow:
        session = uow.session
        booking = session.scalar(select(Booking).where(Booking.reference == _clean(reference)))
        if booking is None:
            raise NotFound("unknown_booking", f"no booking {reference!r}")
        cancelled = session.execute(
            update(Booking)
            .where(Booking.id == booking.id, Booking.status == "confirmed")
            .values(status="cancelled")
            .execution_options(synchronize_session=False)
        )
        if cancelled.rowcount == 1:
            session.execute(
                update(SlotCounter)
                .where(
                    SlotCounter.calendar_id == booking.calendar_id,
                    SlotCounter.start_utc == booking.start_utc,
                    SlotCounter.taken > 0,
                )
                .values(taken=SlotCounter.taken - 1)
                .execution_options(synchronize_session=False)
            )
        session.expire(booking)
        view = _one_view(session, Booking.id == booking.id)
        uow.commit()
        return view


def get_booking(uow: UnitOfWork, reference: str) -> BookingView:
    with uow:
        return _one_view(uow.session, Booking.reference == _clean(reference))


def list_bookings(
    uow: UnitOfWork,
    *,
    service: str | None = None,
    agency: str | None = None,
    start_from: datetime | None = None,
    start_to: datetime | None = None,
    status: str | None = None,
) -> list[BookingView]:
    """Bookings by start time; `start_from` inclusive, `start_to` exclusive."""
    stmt = _view_query()
    if service is not None:
        stmt = stmt.where(Calendar.service_code == service)
    if agency is not None:
        stmt = stmt.where(Agency.code == agency)
    if start_from is not None:
        stmt = stmt.where(Booking.start_utc >= start_from)
    if start_to is not None:
        stmt = stmt.where(Booking.start_utc < start_to)
    if status is not None:
        stmt = stmt.where(Booking.status == status)
    with uow:
        return [_view(row) for row in uow.session.execute(stmt)]


def get_calendar(session: Session, agency_code: str, service_code: str) -> Calendar:
    """The calendar of `service_code` at `agency_code`; NotFound says which part is unknown."""
    calendar = session.scalar(
        select(Calendar)
        .join(Agency, Agency.id == Calendar.agency_id)
        .where(Agency.code == agency_code, Calendar.service_code == service_code)
    )
    if calendar is not None:
        return calendar
    if session.scalar(select(Agency.id).where(Agency.code == agency_code)) is None:
        raise NotFound("unknown_agency", f"no agency {agency_code!r}")
    if session.get(Service, service_code) is None:
        raise NotFound("unknown_service", f"no service {service_code!r}")
    raise NotFound("no_calendar", f"agency {agency_code!r} does not offer {service_code!r}")


def reserve_place(
    session: Session, calendar: Calendar, slot: Slot, *, customer_id: int | None, channel: str
) -> Booking:
    """Take one place of `slot` and insert the booking, in the caller's transaction.

    The guard is one conditional upsert: it inserts the counter at 1 or raises it by one
    only while below capacity; no row affected means full. Never check-then-insert.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(SlotCounter.__table__)
        .values(calendar_id=calendar.id, start_utc=slot.start_utc, taken=1)
        .on_conflict_do_update(
            index_elements=["calendar_id", "start_utc"],
            set_={"taken": SlotCounter.taken + 1},
            where=SlotCounter.taken < calendar.capacity,
        )
        # SQLAlchemy keeps an INSERT's rowcount only when asked to
        .execution_options(preserve_rowcount=True)
    )
    if session.execute(stmt).rowcount != 1:
        raise SlotTaken("slot_taken", "this slot was just taken")
    for _ in range(5):  # a reference collision is rare (32**6 values): retry in a savepoint
        booking = Booking(
            reference=new_reference(),
            calendar_id=calendar.id,
            start_utc=slot.start_utc,
            end_utc=slot.end_utc,
            customer_id=customer_id,
            channel=channel,
            status="confirmed",
        )
        try:
            with session.begin_nested():
                session.add(booking)
            return booking
        except IntegrityError:
            session.expunge(booking)
    raise RuntimeError("could not find a free booking reference")


def new_reference() -> str:
    return "PL-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def _free_places(session: Session, calendar: Calendar, slots: list[Slot]) -> dict[datetime, int]:
    if not slots:
        return {}
    rows = session.execute(
        select(SlotCounter.start_utc, SlotCounter.taken).where(
            SlotCounter.calendar_id == calendar.id,
            SlotCounter.start_utc >= slots[0].start_utc,
            SlotCounter.start_utc <= slots[-1].start_utc,
        )
    )
    taken = {start: count for start, count in rows}
    free = {slot.start_utc: calendar.capacity - taken.get(slot.start_utc, 0) for slot in slots}
    return {start: places for start, places in free.items() if places > 0}


def _view_query() -> Select:
    return (
        select(Booking, Calendar.service_code, Agency.code, Agency.name, Customer.name)
        .join(Calendar, Calendar.id == Booking.calendar_id)
        .join(Agency, Agency.id == Calendar.agency_id)
        .outerjoin(Customer, Customer.id == Booking.customer_id)
        .order_by(Booking.start_utc, Booking.reference)
    )


def _one_view(session: Session, condition: ColumnElement[bool]) -> BookingView:
    row = session.execute(_view_query().where(condition)).first()
    if row is None:
        raise NotFound("unknown_booking", "no such booking")
    return _view(row)


def _view(row: Row) -> BookingView:
    booking, service_code, agency_code, agency_name, customer_name = row
    return BookingView(
        reference=booking.reference,
        service=service_code,
        agency=agency_code,
        agency_name=agency_name,
        start_utc=booking.start_utc,
        end_utc=booking.end_utc,
        customer_id=booking.customer_id,
        customer_name=customer_name,
        channel=booking.channel,
        status=booking.status,
    )


def _clean(reference: str) -> str:
    return reference.strip().upper()
