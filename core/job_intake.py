"""Receiving a vehicle in the workshop, the staff's side: what the check-in form of a booking
needs (the customer's vehicles, the problem they described, the job already open), a walk-in
whose customer and vehicle are found or recorded on the spot, and which customer files a
mechanic may open (the photos of a job). The job itself is opened by core/jobs.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.booking_views import booking_view, booking_view_query, find_booking
from core.bookings import BookingView
from core.customers import VehicleView, clean_name, parse_contact, parse_plate
from core.errors import InvalidValue
from core.jobs import JobView, open_walk_in
from core.models import Booking, Customer, JobPhoto, RepairJob, Vehicle
from core.uow import UnitOfWork

VEHICLE_TEXT_MAX = 60


@dataclass(frozen=True)
class CheckIn:
    """A booking about to be checked in: its view, the customer's vehicles to choose from,
    the problem to prefill, and the job when the booking already has one."""

    booking: BookingView
    vehicles: tuple[VehicleView, ...]
    problem: str
    job_id: int | None


def check_in_of(uow: UnitOfWork, reference: str) -> CheckIn:
    """What the check-in form of booking `reference` shows; NotFound("unknown_booking")."""
    with uow:
        session = uow.session
        booking = find_booking(session, reference, None)
        row = session.execute(booking_view_query().where(Booking.id == booking.id)).one()
        view = booking_view(row)
        vehicles: tuple[VehicleView, ...] = ()
        if booking.customer_id is not None:
            vehicles = tuple(
                VehicleView(v.id, v.plate, v.vin, v.brand, v.model, v.year)
                for v in session.scalars(
                    select(Vehicle)
                    .where(Vehicle.customer_id == booking.customer_id)
                    .order_by(Vehicle.id)
                )
            )
        description = (booking.details or {}).get("description")
        job_id = session.scalar(select(RepairJob.id).where(RepairJob.booking_id == booking.id))
        return CheckIn(view, vehicles, description if isinstance(description, str) else "", job_id)


@dataclass(frozen=True)
class WalkIn:
    """A walk-in as typed at the counter: the contact (phone or e-mail) and name may be
    empty; the brand and model are needed only for a plate the workshop never saw."""

    agency_code: str
    plate: str
    problem: str
    contact: str = ""
    name: str = ""
    brand: str = ""
    model: str = ""


def receive_walk_in(
    uow: UnitOfWork, walk_in: WalkIn, *, by_staff_id: int, now: datetime
) -> JobView:
    """Open the job of a vehicle brought in without a booking, in one transaction: the
    vehicle is found by its plate (or recorded, for the customer found by their contact, or
    a new customer of that name); nothing is recorded when anything is refused.
    InvalidValue `invalid_plate`, `invalid_contact`, `vehicle_not_customers` (the plate is
    another customer's than the contact's), `missing_vehicle` (an unknown plate without brand
    and model), `invalid_name` (a new customer without a name), `missing_problem`."""
    plate = parse_plate(walk_in.plate)
    contact = parse_contact(walk_in.contact) if walk_in.contact.strip() else None
    with uow:
        session = uow.session
        customer = _customer_by_contact(session, contact) if contact else None
        vehicle = session.scalar(select(Vehicle).where(Vehicle.plate == plate).limit(1))
        if vehicle is not None and customer is not None and vehicle.customer_id != customer.id:
            raise InvalidValue("vehicle_not_customers", "the plate is another customer's")
        if vehicle is None:
            brand, model = _vehicle_text(walk_in.brand), _vehicle_text(walk_in.model)
            if customer is None:
                customer = Customer(name=clean_name(walk_in.name), language="fr")
                if contact is not None:
                    setattr(customer, contact[0], contact[1])
                session.add(customer)
                session.flush()
            vehicle = Vehicle(customer_id=customer.id, plate=plate, brand=brand, model=model)
            session.add(vehicle)
            session.flush()
        # open_walk_in enters the same unit of work and commits the whole of it
        return open_walk_in(
            uow,
            agency_code=walk_in.agency_code,
            vehicle_id=vehicle.id,
            problem=walk_in.problem,
            by_staff_id=by_staff_id,
            now=now,
        )


def is_job_photo(uow: UnitOfWork, attachment_id: int) -> bool:
    """Whether the customer's file is a photo shown with some repair job."""
    with uow:
        found = uow.session.scalar(
            select(JobPhoto.job_id).where(JobPhoto.attachment_id == attachment_id).limit(1)
        )
        return found is not None


def _customer_by_contact(session: Session, contact: tuple[str, str]) -> Customer | None:
    """The oldest customer (not erased) with that e-mail or phone number."""
    kind, value = contact
    column = Customer.email if kind == "email" else Customer.phone
    return session.scalar(
        select(Customer)
        .where(column == value, Customer.erased_at.is_(None))
        .order_by(Customer.id)
        .limit(1)
    )


def _vehicle_text(text: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned or len(cleaned) > VEHICLE_TEXT_MAX:
        raise InvalidValue("missing_vehicle", "give the brand and model of a new vehicle")
    return cleaned


__all__ = ["CheckIn", "WalkIn", "check_in_of", "is_job_photo", "receive_walk_in"]
