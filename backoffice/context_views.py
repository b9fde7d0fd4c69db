"""The customer context beside a conversation in the console, as the JSON API gives it
(`GET /api/handoffs/{id}/context`): core/customer_context.py's read, with the links to the
staff pages where each item is worked on (bookings, vehicles, complaints, callbacks)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from core.customer_context import ContextBooking, ContextVehicle, CustomerContext

COMPLAINT_EXCERPT = 200  # characters of a complaint's text shown; its page has the rest


class ContextVehicleOut(BaseModel):
    id: int
    brand: str
    model: str
    plate: str | None
    year: int | None = Field(description="the model year, else the year of first registration")
    identified: bool = Field(description="the vehicle the customer proved to own with a code")
    last_service: date | None = Field(description="local day of the last service known")
    latest_km: int | None = Field(description="the latest mileage reading")
    url: str = Field(description="the vehicle's staff page (history, readings)")


class ContextBookingOut(BaseModel):
    reference: str
    kind: Literal["workshop", "test_ride"]
    service: str = Field(description="service code")
    service_fr: str
    service_en: str
    agency_name: str
    start: datetime = Field(description="local time (the group's time zone) with its offset")
    end: datetime
    url: str = Field(description="the staff bookings page showing this booking")


class ContextComplaintOut(BaseModel):
    reference: str
    status: Literal["open", "answered"]
    excerpt: str = Field(description=f"the complaint's first {COMPLAINT_EXCERPT} characters")
    created_at: datetime
    url: str = Field(description="the staff complaints page listing it")


class ContextCallbackOut(BaseModel):
    reference: str
    kind: str = Field(description="callback (asked in the chat) or repair_quote")
    note: str | None
    created_at: datetime
    url: str = Field(description="the staff callbacks page listing it")


class EarlierRequestOut(BaseModel):
    id: int
    status: str
    advisor_name: str | None
    created_at: datetime
    ended_at: datetime | None


class CustomerContextOut(BaseModel):
    request_id: int
    conversation_id: int
    channel: str
    language: str | None = Field(description="the conversation's, else the customer's")
    identified: bool = Field(description="whether the customer of this chat is known")
    customer_name: str | None
    timezone: str = Field(description="the group's time zone, in which times are shown")
    vehicles: list[ContextVehicleOut]
    bookings: list[ContextBookingOut] = Field(description="the soonest confirmed bookings")
    bookings_total: int = Field(description="confirmed bookings not ended yet, all of them")
    bookings_url: str | None = Field(description="the staff bookings page with all of them")
    complaints: list[ContextComplaintOut] = Field(description="not closed, newest first")
    callbacks: list[ContextCallbackOut] = Field(description="open, oldest first")
    earlier: list[EarlierRequestOut] = Field(description="earlier requests, newest first")


def bookings_link(**query: str) -> str:
    """The staff bookings page filtered by `query` (q: a reference or a customer's name)."""
    return "/staff/bookings?" + urlencode(query)


def context_out(context: CustomerContext) -> CustomerContextOut:
    tz = ZoneInfo(context.timezone)
    request, customer = context.request, context.customer
    return CustomerContextOut(
        request_id=request.id,
        conversation_id=request.conversation_id,
        channel=request.channel,
        language=context.language,
        identified=customer is not None,
        customer_name=customer.name if customer else None,
        timezone=context.timezone,
        vehicles=[_vehicle(v) for v in context.vehicles],
        bookings=[_booking(b, tz) for b in context.bookings],
        bookings_total=context.bookings_total,
        bookings_url=bookings_link(q=customer.name) if customer else None,
        complaints=[
            ContextComplaintOut(
                reference=c.reference,
                status="answered" if c.status == "answered" else "open",
                excerpt=c.text[:COMPLAINT_EXCERPT],
                created_at=c.created_at,
                url="/staff/complaints?" + urlencode({"status": c.status}),
            )
            for c in context.complaints
        ],
        callbacks=[
            ContextCallbackOut(
                reference=c.reference,
                kind=c.kind,
                note=c.note,
                created_at=c.created_at,
                url="/staff/callbacks",
            )
            for c in context.callbacks
        ],
        earlier=[
            EarlierRequestOut(
                id=e.id,
                status=e.status,
                advisor_name=e.advisor_name,
                created_at=e.created_at,
                ended_at=e.ended_at,
            )
            for e in context.earlier
        ],
    )


def _vehicle(vehicle: ContextVehicle) -> ContextVehicleOut:
    return ContextVehicleOut(
        id=vehicle.id,
        brand=vehicle.brand,
        model=vehicle.model,
        plate=vehicle.plate,
        year=vehicle.year,
        identified=vehicle.identified,
        last_service=vehicle.last_service,
        latest_km=vehicle.latest_km,
        url=f"/staff/vehicles/{vehicle.id}",
    )


def _booking(item: ContextBooking, tz: ZoneInfo) -> ContextBookingOut:
    booking = item.booking
    return ContextBookingOut(
        reference=booking.reference,
        kind="test_ride" if item.kind == "test_ride" else "workshop",
        service=booking.service,
        service_fr=item.service_fr,
        service_en=item.service_en,
        agency_name=booking.agency_name,
        start=booking.start_utc.astimezone(tz),
        end=booking.end_utc.astimezone(tz),
        # an empty `from` lists any date: a booking already under way is found too
        url=bookings_link(q=booking.reference, **{"from": ""}),
    )
