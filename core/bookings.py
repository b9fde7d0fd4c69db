"""Booking store: offers of free slots and bookings, one calendar per (agency, service).

The capacity guard and the calendar lookup live in core/slot_places.py, the reading of
bookings in core/booking_views.py; both are re-exported here."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from core.booking_reminders import cancel_reminders, move_reminders, schedule_reminders
from core.booking_views import (
    BookingView,
    find_booking,
    get_booking,
    list_bookings,
    one_booking_view,
    upcoming_bookings,
)
from core.calendars import (
    Slot,
    day_slots,
    find_slot,
    local_day,
    parse_opening_hours,
    spread_slots,
    week_slots,
    without_closed_days,
)
from core.errors import BookingNotMovable, InvalidValue, NotFound, SlotUnavailable
from core.mileage import record_booking_mileage
from core.models import Booking, Calendar, Customer
from core.slot_places import (
    REFERENCE_ALPHABET,
    closed_days,
    free_places,
    get_calendar,
    give_place_back,
    new_reference,
    reserve_place,
    take_place,
)
from core.uow import UnitOfWork

__all__ = [
    "BookingView",
    "MAX_RANGE_DAYS",
    "REFERENCE_ALPHABET",
    "SlotOffer",
    "WeekOffer",
    "book_slot",
    "bookable_slot",
    "cancel_booking",
    "closed_days",
    "free_slots",
    "get_booking",
    "get_calendar",
    "list_bookings",
    "move_booking",
    "new_reference",
    "offer_slots",
    "reserve_place",
    "slot_minutes",
    "upcoming_bookings",
]


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
    free = free_places(session, calendar, slots)
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
    transaction. Raises SlotUnavailable (`past`, `not_a_slot`, `closed_day`,
    `service_closed`), SlotTaken,
    NotFound (`unknown_agency`, `unknown_service`, `no_calendar`, `unknown_customer`).
    """
    _require_aware(start_utc, now)
    with uow:
        # A shared lock: an admin changing this calendar's settings (FOR UPDATE in
        # core/service_settings.py) waits for this booking, or this booking for the change.
        calendar = get_calendar(uow.session, agency_code, service_code, lock=True)
        if not calendar.bookable:  # closed service (issue 16): its bookings are kept
            raise SlotUnavailable("service_closed", "this service takes no new booking")
        slot = bookable_slot(uow.session, calendar, start_utc, now, uow.timezone)
        if customer_id is not None and uow.session.get(Customer, customer_id) is None:
            raise NotFound("unknown_customer", f"no customer {customer_id}")
        booking = reserve_place(
            uow.session, calendar, slot, customer_id=customer_id, channel=channel, details=details
        )
        schedule_reminders(uow.session, booking, now)
        record_booking_mileage(uow.session, booking, now)  # issue 16: vehicle history
        view = one_booking_view(uow.session, Booking.id == booking.id)
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
        booking = find_booking(session, reference, customer_id)
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
            give_place_back(session, cancelled.calendar_id, cancelled.start_utc)
            cancel_reminders(session, booking.id)
        session.expire(booking)
        view = one_booking_view(session, Booking.id == booking.id)
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
        booking = find_booking(session, reference, customer_id)
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
                take_place(session, calendar, slot)
            else:
                give_place_back(session, calendar.id, slot.start_utc)
        session.expire(booking)
        move_reminders(session, booking, now)
        view = one_booking_view(session, Booking.id == booking.id)
        uow.commit()
        return view


def slot_minutes(uow: UnitOfWork, agency_code: str, service_code: str) -> int:
    """How long one slot of this calendar lasts, in minutes (the booking summary says it)."""
    with uow:
        return get_calendar(uow.session, agency_code, service_code).slot_minutes


def _require_aware(*moments: datetime) -> None:
    if any(moment.tzinfo is None for moment in moments):
        raise ValueError("start_utc and now must be timezone-aware")
