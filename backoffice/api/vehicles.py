"""A vehicle's history for the workshop's staff (issue 16): its returned jobs, past visits,
mileage readings and maintenance reminder; staff add a reading. Session cookie +
X-CSRF-Token on writes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from backoffice.api.deps import CoreDep
from backoffice.auth import VehicleStaff
from core import maintenance_reminders, mileage
from core.vehicle_history import VehicleHistory, history

router = APIRouter(prefix="/api/vehicles", tags=["vehicles"])

VehicleId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class EntryOut(BaseModel):
    kind: str = Field(description='"job" (a returned repair job) or "visit" (a past booking)')
    at: datetime
    day: date
    service_code: str | None
    what: str
    status: str
    agency_name: str
    booking_reference: str | None
    job_id: int | None


class ReadingOut(BaseModel):
    id: int
    km: int
    read_at: datetime
    source: str = Field(description="booking | check_in | customer | staff")
    booking_reference: str | None
    job_id: int | None
    staff_name: str | None


class ReminderOut(BaseModel):
    active: bool
    opted_in_at: datetime
    declared_last_service: date | None
    sent_due_on: date | None
    sent_at: datetime | None


class HistoryOut(BaseModel):
    vehicle_id: int
    customer_id: int
    owner_first_name: str
    vehicle: str
    year: int | None
    last_service: date | None
    latest_km: int | None
    next_service_due: date | None = Field(description="None: no known last service")
    entries: list[EntryOut]
    readings: list[ReadingOut]
    reminder: ReminderOut | None


class ReadingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    km: int = Field(ge=0, le=mileage.MAX_KM)
    read_at: datetime | None = Field(default=None, description="default: now")


def history_out(uow_factory, vehicle_id: int, now: datetime) -> HistoryOut:  # type: ignore[no-untyped-def]
    """The vehicle's history with its reminder subscription and next due date."""
    found: VehicleHistory = history(uow_factory(), vehicle_id, now)
    reminder = maintenance_reminders.subscription_of(uow_factory(), vehicle_id)
    due = maintenance_reminders.due_for(
        found, reminder.declared_last_service if reminder else None, uow_factory().timezone
    )
    return HistoryOut(
        vehicle_id=found.vehicle_id,
        customer_id=found.customer_id,
        owner_first_name=found.owner_first_name,
        vehicle=found.label,
        year=found.year,
        last_service=found.last_service,
        latest_km=found.latest_km,
        next_service_due=due.on if due else None,
        entries=[
            EntryOut(**{k: getattr(e, k) for k in EntryOut.model_fields}) for e in found.entries
        ],
        readings=[
            ReadingOut(**{k: getattr(r, k) for k in ReadingOut.model_fields})
            for r in found.readings
        ],
        reminder=(
            ReminderOut(**{k: getattr(reminder, k) for k in ReminderOut.model_fields})
            if reminder
            else None
        ),
    )


@router.get("/{vehicle_id}/history", response_model=HistoryOut)
async def get_vehicle_history(
    vehicle_id: VehicleId, staff: VehicleStaff, core: CoreDep
) -> HistoryOut:
    """The vehicle's returned jobs and past visits, newest first, its readings and reminder."""
    return await core.read(history_out, vehicle_id, core.clock())


@router.post("/{vehicle_id}/readings", response_model=ReadingOut, status_code=201)
async def add_vehicle_reading(
    vehicle_id: VehicleId, body: ReadingIn, staff: VehicleStaff, core: CoreDep
) -> ReadingOut:
    """Record the odometer read by staff; 422 `mileage_below_previous` when it goes back."""
    now = core.clock()
    view = await core.run(
        mileage.record_reading,
        vehicle_id,
        body.km,
        source="staff",
        read_at=min(body.read_at or now, now),
        staff_id=staff.id,
    )
    return ReadingOut(**{k: getattr(view, k) for k in ReadingOut.model_fields})
