"""Bookings as staff and customers read them: one booking, a filtered list, what is coming."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, select
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.models import Agency, Booking, Calendar, Customer
from core.uow import UnitOfWork


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


def upcoming_bookings(uow: UnitOfWork, customer_id: int, now: datetime) -> list[BookingView]:
    """The customer's confirmed bookings not ended yet, soonest first."""
    stmt = booking_view_query().where(
        Booking.customer_id == customer_id,
        Booking.status == "confirmed",
        Booking.end_utc > now,
    )
    with uow:
        return [booking_view(row) for row in uow.session.execute(stmt)]


def get_booking(uow: UnitOfWork, reference: str) -> BookingView:
    with uow:
        return one_booking_view(uow.session, Booking.reference == _clean(reference))


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
    stmt = booking_view_query()
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
        return [booking_view(row) for row in uow.session.execute(stmt)]


def find_booking(session: Session, reference: str, customer_id: int | None) -> Booking:
    """The booking `reference`; with `customer_id`, only when it is that customer's (another
    customer's booking is reported unknown, never as someone else's)."""
    booking = session.scalar(select(Booking).where(Booking.reference == _clean(reference)))
    if booking is None or (customer_id is not None and booking.customer_id != customer_id):
        raise NotFound("unknown_booking", f"no booking {reference!r}")
    return booking


def booking_view_query() -> Select:
    return (
        select(Booking, Calendar.service_code, Agency.code, Agency.name, Customer.name)
        .join(Calendar, Calendar.id == Booking.calendar_id)
        .join(Agency, Agency.id == Calendar.agency_id)
        .outerjoin(Customer, Customer.id == Booking.customer_id)
        .order_by(Booking.start_utc, Booking.reference)
    )


def one_booking_view(session: Session, condition: ColumnElement[bool]) -> BookingView:
    row = session.execute(booking_view_query().where(condition)).first()
    if row is None:
        raise NotFound("unknown_booking", "no such booking")
    return booking_view(row)


def booking_view(row: Row) -> BookingView:
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
