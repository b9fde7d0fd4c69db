"""A vehicle's history: its completed repair jobs, its past workshop visits and its mileage
readings, with the last service and the latest mileage (docs/workshop.md, "Vehicle history").

Bookings name a customer, not a vehicle: a past workshop booking of the vehicle's owner is a
visit of this vehicle unless a repair job or a mileage reading ties it to another one. A
booking checked in as a repair job is told once, as the job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.formatting import local_time
from core.job_views import vehicle_jobs
from core.mileage import ReadingView, readings
from core.models import (
    Agency,
    Booking,
    Calendar,
    Customer,
    MileageReading,
    RepairJob,
    Service,
    Vehicle,
)
from core.uow import UnitOfWork

# Bookings (or the jobs opened from them) of these services count as a service.
SERVICE_CODES = frozenset({"maintenance", "quick_service", "visit_1000"})
MAX_ENTRIES = 100


@dataclass(frozen=True)
class HistoryEntry:
    kind: str  # "job" (a returned repair job) | "visit" (a past workshop booking)
    at: datetime  # UTC: the job's return, the visit's start
    day: date  # local day of `at`
    service_code: str | None  # the booked service (None: a walk-in job)
    service_fr: str | None
    service_en: str | None
    what: str  # the job's problem, or what the customer said when booking ("" when nothing)
    status: str  # the job's final status ("returned") or "visited"
    agency_name: str
    booking_reference: str | None
    job_id: int | None

    @property
    def is_service(self) -> bool:
        return self.service_code in SERVICE_CODES


@dataclass(frozen=True)
class VehicleHistory:
    vehicle_id: int
    customer_id: int
    owner_first_name: str
    brand: str
    model: str
    plate: str | None
    year: int | None  # the model year, else the year of first registration
    entries: tuple[HistoryEntry, ...]  # newest first
    readings: tuple[ReadingView, ...]  # newest first
    last_service: date | None
    latest_km: int | None
    latest_km_at: datetime | None

    @property
    def label(self) -> str:
        name = f"{self.brand} {self.model}"
        return f"{name} ({self.plate})" if self.plate else name


def history(uow: UnitOfWork, vehicle_id: int, now: datetime) -> VehicleHistory:
    """The vehicle's history as of `now`; NotFound("unknown_vehicle")."""
    with uow:
        session = uow.session
        found = session.execute(
            select(Vehicle, Customer.name)
            .join(Customer, Customer.id == Vehicle.customer_id)
            .where(Vehicle.id == vehicle_id, Customer.erased_at.is_(None))
        ).first()
        if found is None:
            raise NotFound("unknown_vehicle", f"no vehicle {vehicle_id}")
        vehicle, owner = found
        tz = uow.timezone
        entries = _job_entries(uow, session, vehicle_id, tz) + _visit_entries(
            session, vehicle, now, tz
        )
        entries.sort(key=lambda e: e.at, reverse=True)
        read = readings(uow, vehicle_id)
        services = [e.day for e in entries if e.is_service]
        year = vehicle.year or (
            vehicle.first_registration.year if vehicle.first_registration else None
        )
        return VehicleHistory(
            vehicle_id=vehicle.id,
            customer_id=vehicle.customer_id,
            owner_first_name=(owner or "").split(" ")[0],
            brand=vehicle.brand,
            model=vehicle.model,
            plate=vehicle.plate,
            year=year,
            entries=tuple(entries[:MAX_ENTRIES]),
            readings=tuple(read),
            last_service=max(services) if services else None,
            latest_km=read[0].km if read else None,
            latest_km_at=read[0].read_at if read else None,
        )


def last_service(uow: UnitOfWork, vehicle_id: int, now: datetime) -> date | None:
    """The local day of the vehicle's last service known to the workshop, if any."""
    return history(uow, vehicle_id, now).last_service


def _job_entries(uow: UnitOfWork, session: Session, vehicle_id: int, tz: str) -> list[HistoryEntry]:
    jobs = [j for j in vehicle_jobs(uow, vehicle_id) if j.status == "returned"]
    references = [j.booking_reference for j in jobs if j.booking_reference]
    services = {
        ref: (service.code, service.name_fr, service.name_en)
        for ref, service in session.execute(
            select(Booking.reference, Service)
            .join(Calendar, Calendar.id == Booking.calendar_id)
            .join(Service, Service.code == Calendar.service_code)
            .where(Booking.reference.in_(references))
        ).tuples()
    }
    entries = []
    for job in jobs:
        code, name_fr, name_en = services.get(job.booking_reference or "", (None, None, None))
        entries.append(
            HistoryEntry(
                kind="job",
                at=job.updated_at,  # a returned job changes no more: its last change
                day=local_time(job.updated_at, tz).date(),
                service_code=code,
                service_fr=name_fr,
                service_en=name_en,
                what=job.problem,
                status=job.status,
                agency_name=job.agency_name,
                booking_reference=job.booking_reference,
                job_id=job.id,
            )
        )
    return entries


def _visit_entries(
    session: Session, vehicle: Vehicle, now: datetime, tz: str
) -> list[HistoryEntry]:
    other_job = exists().where(RepairJob.booking_id == Booking.id)
    other_reading = exists().where(
        MileageReading.booking_id == Booking.id, MileageReading.vehicle_id != vehicle.id
    )
    rows = session.execute(
        select(Booking, Service, Agency.name)
        .join(Calendar, Calendar.id == Booking.calendar_id)
        .join(Service, Service.code == Calendar.service_code)
        .join(Agency, Agency.id == Calendar.agency_id)
        .where(
            and_(
                Booking.customer_id == vehicle.customer_id,
                Booking.status == "confirmed",
                Booking.start_utc <= now,
                Service.kind == "workshop",
                ~other_job,  # told as a job (this vehicle's) or another vehicle's job
                ~other_reading,
            )
        )
        .order_by(Booking.start_utc.desc())
        .limit(MAX_ENTRIES)
    ).tuples()
    return [
        HistoryEntry(
            kind="visit",
            at=booking.start_utc,
            day=local_time(booking.start_utc, tz).date(),
            service_code=service.code,
            service_fr=service.name_fr,
            service_en=service.name_en,
            what=str((booking.details or {}).get("description") or ""),
            status="visited",
            agency_name=agency_name,
            booking_reference=booking.reference,
            job_id=None,
        )
        for booking, service, agency_name in rows
    ]
