"""A vehicle's mileage readings: recorded from a booking, at check-in, by the customer in the
chat or by staff; an odometer never goes back (docs/workshop.md, "Vehicle history").

A reading contradicting the known ones (lower than an earlier reading, or higher than a later
one) is refused with InvalidValue("mileage_below_previous" / "mileage_above_later"): it is
inserted by one `INSERT ... SELECT ... WHERE NOT EXISTS (a contradicting reading)` after the
vehicle's row was locked (FOR UPDATE on PostgreSQL; SQLite runs one writer at a time), so two
readings written at once cannot contradict each other either. A booking's mileage is only a
hint: when it contradicts, the booking stands and the reading is not kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, exists, insert, literal, or_, select
from sqlalchemy.orm import Session

from core.errors import InvalidValue, NotFound
from core.models import MILEAGE_SOURCES, Booking, Customer, MileageReading, StaffUser, Vehicle
from core.uow import UnitOfWork

MAX_KM = 1_000_000
DEFAULT_YEARLY_KM = 6_000  # a motorbike's usual yearly distance when the readings tell none
MIN_SLOPE_DAYS = 60  # readings closer in time than this say nothing of the yearly distance


@dataclass(frozen=True)
class ReadingView:
    id: int
    vehicle_id: int
    km: int
    read_at: datetime
    source: str  # booking | check_in | customer | staff
    booking_reference: str | None
    job_id: int | None
    staff_name: str | None


def record_reading(
    uow: UnitOfWork,
    vehicle_id: int,
    km: int,
    *,
    source: str,
    read_at: datetime,
    booking_id: int | None = None,
    job_id: int | None = None,
    staff_id: int | None = None,
) -> ReadingView:
    """Keep one reading; NotFound("unknown_vehicle"), InvalidValue ("not_a_mileage",
    "mileage_below_previous", "mileage_above_later", "unknown_source")."""
    with uow:
        reading_id = add_reading(
            uow.session,
            vehicle_id,
            km,
            source=source,
            read_at=read_at,
            booking_id=booking_id,
            job_id=job_id,
            staff_id=staff_id,
        )
        view = _views(uow.session, MileageReading.id == reading_id)[0]
        uow.commit()
        return view


def add_reading(
    session: Session,
    vehicle_id: int,
    km: int,
    *,
    source: str,
    read_at: datetime,
    booking_id: int | None = None,
    job_id: int | None = None,
    staff_id: int | None = None,
) -> int:
    """The insert of record_reading in the caller's transaction; returns the new row's id."""
    if source not in MILEAGE_SOURCES:
        raise InvalidValue("unknown_source", f"no mileage source {source!r}")
    if isinstance(km, bool) or not isinstance(km, int) or not 0 <= km <= MAX_KM:
        raise InvalidValue("not_a_mileage", f"{km!r} is not a mileage")
    locked = session.scalar(select(Vehicle.id).where(Vehicle.id == vehicle_id).with_for_update())
    if locked is None:
        raise NotFound("unknown_vehicle", f"no vehicle {vehicle_id}")
    contradiction = exists().where(
        MileageReading.vehicle_id == vehicle_id,
        or_(
            and_(MileageReading.read_at <= read_at, MileageReading.km > km),
            and_(MileageReading.read_at >= read_at, MileageReading.km < km),
        ),
    )
    row = select(
        literal(vehicle_id),
        literal(km),
        literal(read_at, MileageReading.read_at.type),
        literal(source),
        literal(booking_id, MileageReading.booking_id.type),
        literal(job_id, MileageReading.job_id.type),
        literal(staff_id, MileageReading.staff_id.type),
        literal(read_at, MileageReading.created_at.type),
    ).where(~contradiction)
    inserted = session.execute(
        insert(MileageReading)
        .from_select(
            [
                "vehicle_id",
                "km",
                "read_at",
                "source",
                "booking_id",
                "job_id",
                "staff_id",
                "created_at",
            ],
            row,
        )
        .returning(MileageReading.id)
    ).scalar()
    if inserted is None:
        earlier = session.scalar(
            select(MileageReading.km)
            .where(MileageReading.vehicle_id == vehicle_id, MileageReading.read_at <= read_at)
            .order_by(MileageReading.km.desc())
            .limit(1)
        )
        if earlier is not None and earlier > km:
            raise InvalidValue(
                "mileage_below_previous", f"{km} km is less than the {earlier} km read before"
            )
        raise InvalidValue("mileage_above_later", f"{km} km is more than a later reading")
    return int(inserted)


def readings(uow: UnitOfWork, vehicle_id: int) -> list[ReadingView]:
    """The vehicle's readings, newest first."""
    with uow:
        return _views(uow.session, MileageReading.vehicle_id == vehicle_id)


def _views(session: Session, where) -> list[ReadingView]:  # type: ignore[no-untyped-def]
    rows = session.execute(
        select(MileageReading, Booking.reference, StaffUser.name)
        .outerjoin(Booking, Booking.id == MileageReading.booking_id)
        .outerjoin(StaffUser, StaffUser.id == MileageReading.staff_id)
        .where(where)
        .order_by(MileageReading.read_at.desc(), MileageReading.id.desc())
    )
    return [
        ReadingView(r.id, r.vehicle_id, r.km, r.read_at, r.source, ref, r.job_id, staff)
        for r, ref, staff in rows
    ]


def yearly_km(readings_newest_first: list[ReadingView]) -> int:
    """The usual yearly distance: the slope between the oldest and the newest reading when
    they are at least MIN_SLOPE_DAYS apart and the odometer moved, else DEFAULT_YEARLY_KM."""
    if len(readings_newest_first) < 2:
        return DEFAULT_YEARLY_KM
    newest, oldest = readings_newest_first[0], readings_newest_first[-1]
    days = (newest.read_at - oldest.read_at).total_seconds() / 86400
    if days < MIN_SLOPE_DAYS or newest.km <= oldest.km:
        return DEFAULT_YEARLY_KM
    return round((newest.km - oldest.km) * 365 / days)


def km_on(readings_newest_first: list[ReadingView], day: date, tz_day) -> int | None:  # type: ignore[no-untyped-def]
    """The last reading taken on or before `day` (local day given by `tz_day(read_at)`)."""
    for reading in readings_newest_first:
        if tz_day(reading.read_at) <= day:
            return reading.km
    return None


def day_when_reached(latest: ReadingView, target_km: int, per_year: int, tz_day) -> date:  # type: ignore[no-untyped-def]
    """The day the odometer should reach `target_km`, going on at `per_year` km a year from
    the latest reading (that reading's day when it is already reached)."""
    start = tz_day(latest.read_at)
    if latest.km >= target_km:
        return start
    return start + timedelta(days=int((target_km - latest.km) * 365 / max(per_year, 1)))


def record_booking_mileage(session: Session, booking: Booking, read_at: datetime) -> int | None:
    """The mileage a workshop booking gives (details["mileage"]), as a reading of the
    customer's identified vehicle, in the booking's transaction. None when there is no
    mileage or vehicle, or when it contradicts the known readings: the booking stands."""
    km = (booking.details or {}).get("mileage")
    if booking.customer_id is None or isinstance(km, bool) or not isinstance(km, (int, float)):
        return None
    vehicle_id = session.scalar(
        select(Customer.identified_vehicle_id).where(Customer.id == booking.customer_id)
    )
    if vehicle_id is None:
        return None
    try:
        return add_reading(
            session, vehicle_id, int(km), source="booking", read_at=read_at, booking_id=booking.id
        )
    except InvalidValue:  # nothing was inserted: the transaction goes on
        return None
