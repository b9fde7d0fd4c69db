"""What an advisor needs to know about the customer of a handoff request without asking them
(issue 17, item 4): who they are and where they write from, their vehicles with the last
service and mileage known, their bookings to come, what they have open with the staff
(complaints, callback requests) and their earlier requests for an advisor.

One read in one unit of work, built from the reads the staff pages already use. A chat whose
customer is not known yet (a widget visitor who never gave a name nor identified a vehicle)
gets what the conversation itself knows: its channel, its language, its own complaints,
callback requests and earlier requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from core.booking_views import BookingView, upcoming_bookings
from core.callbacks import CallbackView, callbacks_of
from core.customers import CustomerView, find_customer, vehicles_of
from core.feedback import ComplaintView, complaints_of
from core.handoff_queue import HandoffView, handoff_views, one_handoff_view
from core.models import Customer, HandoffRequest, Service
from core.uow import UnitOfWork
from core.vehicle_history import history

BOOKINGS_SHOWN = 5  # the soonest ones; the staff bookings page lists them all
EARLIER_SHOWN = 5  # the customer's latest earlier requests for an advisor


@dataclass(frozen=True)
class ContextVehicle:
    id: int
    brand: str
    model: str
    plate: str | None
    year: int | None  # the model year, else the year of first registration
    identified: bool  # the vehicle the customer proved to own with a one-time code
    last_service: date | None  # local day of the last service known to the workshop
    latest_km: int | None
    latest_km_at: datetime | None


@dataclass(frozen=True)
class ContextBooking:
    booking: BookingView
    kind: str  # "workshop" | "test_ride"
    service_fr: str
    service_en: str


@dataclass(frozen=True)
class CustomerContext:
    request: HandoffView  # the request looked at: its channel, language, customer's name
    customer: CustomerView | None  # None: not identified yet
    vehicles: tuple[ContextVehicle, ...]  # the identified one first
    bookings: tuple[ContextBooking, ...]  # confirmed, not ended, soonest first (a handful)
    bookings_total: int  # all of them
    complaints: tuple[ComplaintView, ...]  # not closed, newest first
    callbacks: tuple[CallbackView, ...]  # open, oldest first
    earlier: tuple[HandoffView, ...]  # earlier requests, newest first (a handful)
    timezone: str  # the group's: local times are shown in it

    @property
    def language(self) -> str | None:
        """The conversation's language, else the customer's."""
        return self.request.language or (self.customer.language if self.customer else None)


def customer_context(uow: UnitOfWork, request_id: int, now: datetime) -> CustomerContext:
    """The context of request `request_id` as of `now`; NotFound("unknown_handoff")."""
    with uow:
        request = one_handoff_view(uow.session, request_id)
        customer = find_customer(uow, request.channel, request.external_id)
        customer_id = customer.id if customer else None
        upcoming = upcoming_bookings(uow, customer_id, now) if customer_id else []
        complaints = complaints_of(
            uow, conversation_id=request.conversation_id, customer_id=customer_id
        )
        return CustomerContext(
            request=request,
            customer=customer,
            vehicles=tuple(_vehicles(uow, customer_id, now)) if customer_id else (),
            bookings=tuple(_with_services(uow, upcoming[:BOOKINGS_SHOWN])),
            bookings_total=len(upcoming),
            complaints=tuple(c for c in complaints if c.status != "closed"),
            callbacks=tuple(
                callbacks_of(uow, conversation_id=request.conversation_id, customer_id=customer_id)
            ),
            earlier=tuple(_earlier(uow, request, customer_id)),
            timezone=uow.timezone,
        )


def _vehicles(uow: UnitOfWork, customer_id: int, now: datetime) -> list[ContextVehicle]:
    identified = uow.session.scalar(
        select(Customer.identified_vehicle_id).where(Customer.id == customer_id)
    )
    found = []
    for vehicle in vehicles_of(uow, customer_id):
        known = history(uow, vehicle.id, now)
        found.append(
            ContextVehicle(
                id=vehicle.id,
                brand=vehicle.brand,
                model=vehicle.model,
                plate=vehicle.plate,
                year=known.year,
                identified=vehicle.id == identified,
                last_service=known.last_service,
                latest_km=known.latest_km,
                latest_km_at=known.latest_km_at,
            )
        )
    return sorted(found, key=lambda v: (not v.identified, v.id))


def _with_services(uow: UnitOfWork, bookings: list[BookingView]) -> list[ContextBooking]:
    codes = {b.service for b in bookings}
    services = {
        s.code: s for s in uow.session.scalars(select(Service).where(Service.code.in_(codes)))
    }
    return [
        ContextBooking(
            booking=b,
            kind=services[b.service].kind,
            service_fr=services[b.service].name_fr,
            service_en=services[b.service].name_en,
        )
        for b in bookings
    ]


def _earlier(uow: UnitOfWork, request: HandoffView, customer_id: int | None) -> list[HandoffView]:
    """The requests made before this one in any of the customer's chats (in this chat when
    the customer is not known), newest first."""
    whose = (
        Customer.id == customer_id
        if customer_id is not None
        else HandoffRequest.conversation_id == request.conversation_id
    )
    return handoff_views(
        uow.session,
        whose,
        HandoffRequest.id < request.id,  # ids follow the order the requests were made in
        order=(HandoffRequest.created_at.desc(), HandoffRequest.id.desc()),
        limit=EARLIER_SHOWN,
    )
