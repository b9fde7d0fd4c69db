"""The demo vehicles' history (data/demo.yaml, `vehicle_history`): past workshop visits,
mileage readings, a yes to the maintenance reminders (issue 16)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.bookings import get_calendar, reserve_place
from core.calendars import day_slots, local_day, parse_opening_hours
from core.customers import parse_plate
from core.mileage import add_reading
from core.models import Customer, MaintenanceSubscription, Vehicle

DEMO_CHANNEL = "demo"


def add_vehicle_history(
    session: Session, entries: list[dict[str, Any]], now: datetime, tz: str
) -> None:
    for entry in entries:
        vehicle = session.scalars(
            select(Vehicle).where(Vehicle.plate == parse_plate(entry["plate"]))
        ).one()
        customer = session.get(Customer, vehicle.customer_id)
        assert customer is not None
        customer.identified_vehicle_id = vehicle.id
        for visit in entry.get("visits", []):
            _add_visit(session, visit, vehicle, now, tz)
        for reading in entry.get("readings", []):
            read_at = now - timedelta(days=int(reading["days_before_load"]))
            add_reading(session, vehicle.id, int(reading["km"]), source="staff", read_at=read_at)
        if entry.get("reminders"):
            session.add(
                MaintenanceSubscription(
                    vehicle_id=vehicle.id, customer_id=customer.id, channel="web", opted_in_at=now
                )
            )
        session.flush()


def _add_visit(
    session: Session, visit: dict[str, Any], vehicle: Vehicle, now: datetime, tz: str
) -> None:
    calendar = get_calendar(session, visit["agency"], visit["service"])
    hours = parse_opening_hours(calendar.opening_hours)
    day = local_day(now - timedelta(days=int(visit["days_before_load"])), tz)
    for _ in range(14):  # the open day on or before it
        slots = day_slots(hours, calendar.slot_minutes, day, tz)
        if slots:
            details = {"description": visit["description"]} if visit.get("description") else None
            reserve_place(
                session,
                calendar,
                slots[0],
                customer_id=vehicle.customer_id,
                channel=DEMO_CHANNEL,
                details=details,
            )
            return
        day -= timedelta(days=1)
    raise ValueError(f"no open day for {visit}")
