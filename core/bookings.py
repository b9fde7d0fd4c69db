"""Booking store: offers of free slots and bookings, one calendar per (agency, service)."""

from __future__ import annotations

import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, case, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.booking_reminders import cancel_reminders, move_reminders, schedule_reminders
from core.calendars import (
    Slot,
    day_slots,
    effective_capacity,
    find_slot,
    local_day,
    parse_opening_hours,
    spread_slots,
    week_slots,
    without_closed_days,
)
from core.errors import BookingNotMovable, InvalidValue, NotFound, SlotTaken, SlotUnavailable
from core.models import (
    Agency,
    Booking,
    Calendar,
    CalendarClosure,
    Customer,
    Service,
    SlotCounter,
)
from core.uow import UnitOfWork

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1: read over the phone
MAX_RANGE_DAYS = 366  # free_slots over at most a year


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
    # what the customer told for this service (mileage, description, attachment_ids, ...)
    details: dict[str, Any] | None = None


def offer_slots(
    uow: UnitOfWork,
    agency_code: str,
    service_code: str,
    now: datetime,
    limit: int = 8,
    *,
    exclude: Collection[datetime] = (),
) -> WeekOffer:
    """Free future slots of the current local week (Mon-Sun); none left -> next week's.

    `exclude`: starts already offered ("more times"): the offer is made of the others, so
    it moves on to next week once this week's free slots were all shown, and is "none" once
    next week's were too. Closed dates of the calendar are left out; a slot holds
    min(capacity, staff_count).
    """
    shown = set(exclude)
    with uow:
        calendar = get_calendar(uow.session, agency_code, service_code)
        hours = parse_opening_hours(calendar.opening_hours)
        for weeks_ahead, week in ((0, "this_week"), (1, "next_week")):
            slots = week_slots(hours, calendar.slot_minutes, now, uow.timezone, weeks_ahead)
            offers = _free_offers(uow.session, calendar, slots, now, uow.timezone, shown)
            if offers:
                chosen = set(spread_slots((o.start_utc for o in offers), limit, uow.timezone))
                return WeekOffer(week, [offer for offer in offers if offer.start_utc in chosen])
        return WeekOffer("none", [])


def free_slots(
    uow: UnitOfWork,
    agency_code: str,
    service_code: str,
    now: datetime,
    first_day: date,
    last_day: date,
) -> list[SlotOffer]:
    """Every free slot of one calendar starting after `now` on the local days `first_day` to
    `last_day` (both included), in time order: opening hours, closed dates and
    min(capacity, staff_count) as in offer_slots. InvalidValue("range_too_long") past a year."""
    _require_aware(now)
    if (last_day - first_day).days >= MAX_RANGE_DAYS:
        raise InvalidValue("range_too_long", f"{first_day}..{last_day} is more than a year")
    with uow:
        calendar = get_calendar(uow.session, agency_code, service_code)
        hours = parse_opening_hours(calendar.opening_hours)
        days = (first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1))
        slots = [
            slot
            for day in days
            for slot in day_slots(hours, calendar.slot_minutes, day, uow.timezone)
        ]
        return _free_offers(uow.session, calendar, slots, now, uow.timezone)


def _free_offers(
    session: Session,
    calendar: Calendar,
    slots: list[Slot],
    now: datetime,
    tz: str,
    exclude: Collection[datetime] = (),
) -> list[SlotOffer]:
    """The slots (in time order) starting after `now`, not excluded, not on a closed day,
    with a free place."""
    slots = [slot for slot in slots if slot.start_utc > now and slot.start_utc not in exclude]
    slots = without_closed_days(slots, closed_days(session, calendar.id, slots, tz), tz)
    free = _free_places(session, calendar, slots)
    return [
        SlotOffer(s.start_utc, s.end_utc, free[s.start_utc]) for s in slots if s.start_utc in free
    ]


def book_slot(
    uow: UnitOfWork,
    *,
    agency_code: str,
    service_code: str,
    start_utc: datetime,
    customer_id: int | None,
    channel: str,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> BookingView:
    """Book one place in one transaction; the database refuses a place beyond capacity.

    The booking's reminder rows (reminder before, survey after) are added in the same
    transaction. Raises SlotUnavailable (`past`, `not_a_slot`, `closed_day`), SlotTaken,
    NotFound (`unknown_agency`, `unknown_service`, `no_calendar`, `unknown_customer`).
    """
    _require_aware(start_utc, now)
    with uow:
        # A shared lock: an admin changing this calendar's settings (FOR UPDATE in
        # core/service_settings.py) waits for this booking, or this booking for the change.
        calendar = get_calendar(uow.session, agency_code, service_code, lock=True)
        slot = bookable_slot(uow.session, calendar, start_utc, now, uow.timezone)
        if customer_id is not None and uow.session.get(Customer, customer_id) is None:
            raise NotFound("unknown_customer", f"no customer {customer_id}")
        booking = reserve_place(
            uow.session, calendar, slot, customer_id=customer_id, channel=channel, details=details
        )
        schedule_reminders(uow.session, booking, now)
        view = _one_view(uow.session, Booking.id == booking.id)
        uow.commit()
        return view


def bookable_slot(
    session: Session, calendar: Calendar, start_utc: datetime, now: datetime, tz: str
) -> Slot:
    """The calendar's slot starting at `start_utc`, or SlotUnavailable saying why not."""
    if start_utc <= now:
        raise SlotUnavailable("past", "this slot has already started")
    slot = find_slot(
        parse_opening_hours(calendar.opening_hours), calendar.slot_minutes, start_utc, tz
    )
    if slot is None:
        raise SlotUnavailable("not_a_slot", "this time is not a slot of that calendar")
    if local_day(slot.start_utc, tz) in closed_days(session, calendar.id, [slot], tz):
        raise SlotUnavailable("closed_day", "the agency is closed that day for this service")
    return slot


def cancel_booking(
    uow: UnitOfWork, reference: str, *, customer_id: int | None = None
) -> BookingView:
    """Cancel a booking, give its place back and cancel its pending reminders; cancelling
    twice changes nothing. With `customer_id`, only that customer's booking is found."""
    with uow:
        session = uow.session
        booking = _find_booking(session, reference, customer_id)
        # RETURNING gives the start as it is when cancelled (a concurrent move may have
        # changed it since the booking was read): that slot's place is given back.
        cancelled = session.execute(
            update(Booking)
            .where(Booking.id == booking.id, Booking.status == "confirmed")
            .values(status="cancelled")
            .returning(Booking.calendar_id, Booking.start_utc)
            .execution_options(synchronize_session=False)
        ).first()
        if cancelled is not None:
            _give_place_back(session, cancelled.calendar_id, cancelled.start_utc)
            cancel_reminders(session, booking.id)
        session.expire(booking)
        view = _one_view(session, Booking.id == booking.id)
        uow.commit()
        return view


def move_booking(
    uow: UnitOfWork,
    reference: str,
    new_start_utc: datetime,
    *,
    now: datetime,
    customer_id: int | None = None,
) -> BookingView:
    """Move a confirmed booking to another slot of its calendar, in one transaction.

    The booking row is updated conditionally first (still confirmed, still at its old
    start: a concurrent cancel or move makes this one fail), then the counters are touched
    in start order (no deadlock between two moves crossing each other): a place is taken in
    the new slot by the same conditional upsert as a booking (SlotTaken when full) and the
    old one is given back. Pending reminder rows follow the new times.
    Raises NotFound (`unknown_booking`), BookingNotMovable (`booking_cancelled`,
    `booking_started`, `same_slot`), SlotUnavailable (`past`, `not_a_slot`, `closed_day`),
    SlotTaken.
    """
    _require_aware(new_start_utc, now)
    with uow:
        session = uow.session
        booking = _find_booking(session, reference, customer_id)
        if booking.status != "confirmed":
            raise BookingNotMovable("booking_cancelled", "a cancelled booking cannot be moved")
        if booking.start_utc <= now:
            raise BookingNotMovable("booking_started", "this booking has already started")
        calendar = session.get(Calendar, booking.calendar_id, with_for_update={"read": True})
        assert calendar is not None  # foreign key
        new_slot = bookable_slot(session, calendar, new_start_utc, now, uow.timezone)
        old_slot = Slot(booking.start_utc, booking.end_utc)
        if new_slot.start_utc == old_slot.start_utc:
            raise BookingNotMovable("same_slot", "the booking is already at that time")
        moved = session.execute(
            update(Booking)
            .where(
                Booking.id == booking.id,
                Booking.status == "confirmed",
                Booking.start_utc == old_slot.start_utc,
            )
            .values(start_utc=new_slot.start_utc, end_utc=new_slot.end_utc)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:  # cancelled or moved meanwhile by someone else
            session.expire(booking)
            code = "booking_cancelled" if booking.status != "confirmed" else "booking_changed"
            raise BookingNotMovable(code, "the booking changed meanwhile: look at it again")
        for slot in sorted((new_slot, old_slot), key=lambda s: s.start_utc):
            if slot is new_slot:
                _take_place(session, calendar, slot)
            else:
                _give_place_back(session, calendar.id, slot.start_utc)
        session.expire(booking)
        move_reminders(session, booking, now)
        view = _one_view(session, Booking.id == booking.id)
        uow.commit()
        return view


def upcoming_bookings(uow: UnitOfWork, customer_id: int, now: datetime) -> list[BookingView]:
    """The customer's confirmed bookings not ended yet, soonest first."""
    stmt = _view_query().where(
        Booking.customer_id == customer_id,
        Booking.status == "confirmed",
        Booking.end_utc > now,
    )
    with uow:
        return [_view(row) for row in uow.session.execute(stmt)]


def closed_days(session: Session, calendar_id: int, slots: list[Slot], tz: str) -> set[date]:
    """The calendar's closed local dates between the first and the last of `slots`."""
    if not slots:
        return set()
    first, last = local_day(slots[0].start_utc, tz), local_day(slots[-1].start_utc, tz)
    return set(
        session.scalars(
            select(CalendarClosure.day).where(
                CalendarClosure.calendar_id == calendar_id,
                CalendarClosure.day >= min(first, last),
                CalendarClosure.day <= max(first, last),
            )
        )
    )


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


def slot_minutes(uow: UnitOfWork, agency_code: str, service_code: str) -> int:
    """How long one slot of this calendar lasts, in minutes (the booking summary says it)."""
    with uow:
        return get_calendar(uow.session, agency_code, service_code).slot_minutes


def get_calendar(
    session: Session, agency_code: str, service_code: str, *, lock: bool = False
) -> Calendar:
    """The calendar of `service_code` at `agency_code`; NotFound says which part is unknown.
    `lock` takes a shared row lock (PostgreSQL; SQLite has one writer at a time anyway)."""
    query = (
        select(Calendar)
        .join(Agency, Agency.id == Calendar.agency_id)
        .where(Agency.code == agency_code, Calendar.service_code == service_code)
    )
    if lock:
        query = query.with_for_update(read=True, of=Calendar)
    calendar = session.scalar(query)
    if calendar is not None:
        return calendar
    if session.scalar(select(Agency.id).where(Agency.code == agency_code)) is None:
        raise NotFound("unknown_agency", f"no agency {agency_code!r}")
    if session.get(Service, service_code) is None:
        raise NotFound("unknown_service", f"no service {service_code!r}")
    raise NotFound("no_calendar", f"agency {agency_code!r} does not offer {service_code!r}")


def reserve_place(
    session: Session,
    calendar: Calendar,
    slot: Slot,
    *,
    customer_id: int | None,
    channel: str,
    details: dict[str, Any] | None = None,
) -> Booking:
    """Take one place of `slot` and insert the booking, in the caller's transaction."""
    _take_place(session, calendar, slot)
    for _ in range(5):  # a reference collision is rare (32**6 values): retry in a savepoint
        booking = Booking(
            reference=new_reference(),
            calendar_id=calendar.id,
            start_utc=slot.start_utc,
            end_utc=slot.end_utc,
            customer_id=customer_id,
            channel=channel,
            status="confirmed",
            details=details,
        )
        try:
            with session.begin_nested():
                session.add(booking)
            return booking
        except IntegrityError:
            session.expunge(booking)
    raise RuntimeError("could not find a free booking reference")


def _take_place(session: Session, calendar: Calendar, slot: Slot) -> None:
    """One place of `slot`, or SlotTaken.

    The guard is one conditional upsert: it inserts the counter at 1 or raises it by one
    only while below min(capacity, staff_count), read by the database from the calendar row
    (a settings change is seen at once); no row affected means full. Never check-then-insert.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    limit = (
        select(
            case(
                (Calendar.staff_count < Calendar.capacity, Calendar.staff_count),
                else_=Calendar.capacity,
            )
        )
        .where(Calendar.id == calendar.id)
        .scalar_subquery()
    )
    stmt = (
        insert(SlotCounter.__table__)
        .values(calendar_id=calendar.id, start_utc=slot.start_utc, taken=1)
        .on_conflict_do_update(
            index_elements=["calendar_id", "start_utc"],
            set_={"taken": SlotCounter.taken + 1},
            where=SlotCounter.taken < limit,
        )
        # SQLAlchemy keeps an INSERT's rowcount only when asked to
        .execution_options(preserve_rowcount=True)
    )
    if session.execute(stmt).rowcount != 1:
        raise SlotTaken("slot_taken", "this slot was just taken")


def _give_place_back(session: Session, calendar_id: int, start_utc: datetime) -> None:
    session.execute(
        update(SlotCounter)
        .where(
            SlotCounter.calendar_id == calendar_id,
            SlotCounter.start_utc == start_utc,
            SlotCounter.taken > 0,
        )
        .values(taken=SlotCounter.taken - 1)
        .execution_options(synchronize_session=False)
    )


def _find_booking(session: Session, reference: str, customer_id: int | None) -> Booking:
    """The booking `reference`; with `customer_id`, only when it is that customer's (another
    customer's booking is reported unknown, never as someone else's)."""
    booking = session.scalar(select(Booking).where(Booking.reference == _clean(reference)))
    if booking is None or (customer_id is not None and booking.customer_id != customer_id):
        raise NotFound("unknown_booking", f"no booking {reference!r}")
    return booking


def _require_aware(*moments: datetime) -> None:
    if any(moment.tzinfo is None for moment in moments):
        raise ValueError("start_utc and now must be timezone-aware")


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
    places = effective_capacity(calendar.capacity, calendar.staff_count)
    free = {slot.start_utc: places - taken.get(slot.start_utc, 0) for slot in slots}
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
        details=booking.details,
    )


def _clean(reference: str) -> str:
    return reference.strip().upper()
