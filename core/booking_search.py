"""The staff bookings list, paged and filtered (issue 16, item 7), and the no-show: a
confirmed booking whose slot started without the customer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update

from core.booking_reminders import cancel_reminders
from core.booking_views import BookingView, booking_view, booking_view_query, find_booking
from core.errors import InvalidTransition, InvalidValue
from core.models import Agency, Booking, Calendar, Customer
from core.uow import UnitOfWork

BOOKING_STATUSES = ("confirmed", "cancelled", "no_show")
MAX_PER_PAGE = 200
MAX_SEARCH_CHARS = 100


@dataclass(frozen=True)
class BookingFilters:
    """What the list shows; None = any. `start_from` inclusive, `start_to` exclusive;
    `text`: part of the reference or of the customer's name (case-insensitive)."""

    agency: str | None = None
    service: str | None = None
    status: str | None = None
    start_from: datetime | None = None
    start_to: datetime | None = None
    text: str | None = None


@dataclass(frozen=True)
class BookingPage:
    bookings: list[BookingView]
    total: int  # matching bookings, all pages
    page: int  # 1-based
    pages: int  # at least 1


def search_bookings(
    uow: UnitOfWork, filters: BookingFilters, *, page: int = 1, per_page: int = 50
) -> BookingPage:
    """One page of the bookings matching `filters`, by start time. InvalidValue
    (`invalid_status`, `invalid_page`, `search_too_long`) on bad input; a page past the last
    gives the last."""
    if filters.status is not None and filters.status not in BOOKING_STATUSES:
        raise InvalidValue("invalid_status", f"unknown booking status {filters.status!r}")
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidValue("invalid_page", f"page >= 1, per_page 1..{MAX_PER_PAGE}")
    text = (filters.text or "").strip()
    if len(text) > MAX_SEARCH_CHARS:
        raise InvalidValue("search_too_long", f"at most {MAX_SEARCH_CHARS} characters")
    conditions = []
    if filters.agency is not None:
        conditions.append(Agency.code == filters.agency)
    if filters.service is not None:
        conditions.append(Calendar.service_code == filters.service)
    if filters.status is not None:
        conditions.append(Booking.status == filters.status)
    if filters.start_from is not None:
        conditions.append(Booking.start_utc >= filters.start_from)
    if filters.start_to is not None:
        conditions.append(Booking.start_utc < filters.start_to)
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(
            or_(
                Booking.reference.ilike(pattern, escape="\\"),
                Customer.name.ilike(pattern, escape="\\"),
            )
        )
    counted = (
        select(func.count(Booking.id))
        .join(Calendar, Calendar.id == Booking.calendar_id)
        .join(Agency, Agency.id == Calendar.agency_id)
        .outerjoin(Customer, Customer.id == Booking.customer_id)
        .where(*conditions)
    )
    with uow:
        total = uow.session.scalar(counted) or 0
        pages = max(1, -(-total // per_page))
        page = min(page, pages)
        rows = uow.session.execute(
            booking_view_query().where(*conditions).limit(per_page).offset((page - 1) * per_page)
        )
        return BookingPage([booking_view(row) for row in rows], total, page, pages)


def mark_no_show(uow: UnitOfWork, reference: str, *, now: datetime) -> BookingView:
    """The customer did not come: a confirmed booking whose slot has started becomes
    `no_show`, by one conditional UPDATE (a concurrent cancel or move makes it change
    nothing); its pending reminders (the survey) are cancelled. Its place is not given back:
    the slot has started, nobody can book it any more. NotFound (`unknown_booking`),
    InvalidTransition (`not_confirmed`, `not_started`)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    with uow:
        session = uow.session
        booking = find_booking(session, reference, None)
        changed = session.execute(
            update(Booking)
            .where(
                Booking.id == booking.id,
                Booking.status == "confirmed",
                Booking.start_utc <= now,
            )
            .values(status="no_show")
            .execution_options(synchronize_session=False)
        )
        session.expire(booking)
        if changed.rowcount != 1:
            if booking.status != "confirmed":
                raise InvalidTransition("not_confirmed", f"the booking is {booking.status}")
            raise InvalidTransition("not_started", "the booking's slot has not started yet")
        cancel_reminders(session, booking.id)
        view = booking_view(
            session.execute(booking_view_query().where(Booking.id == booking.id)).one()
        )
        uow.commit()
        return view
