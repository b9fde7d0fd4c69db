"""The places of a calendar's slots: the calendar lookup, closed dates, and the capacity guard
(taking a place, giving it back, counting free places) with the booking row it guards. Each
function runs in the caller's transaction."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.calendars import Slot, effective_capacity, local_day
from core.errors import NotFound, SlotTaken
from core.models import Agency, Booking, Calendar, CalendarClosure, Service, SlotCounter

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1: read over the phone


def closed_days(session: Session, calendar_id: int, slots: list[Slot], tz: str) -> set[date]:
    """The calendar's closed local dates between the first and the last of `slots`."""
    if not slots:
        return set()
    first, last = local_day(slots[0].start_utc, tz), local_day(slots[-1].start_utc, tz)
    return set(
        session.scalars(
            select(CalendarClosure.day).where(
                CalendarClosure.calendar_id == calendar_id,
                CalendarClosure.day >= min(first, last),
                CalendarClosure.day <= max(first, last),
            )
        )
    )


def get_calendar(
    session: Session, agency_code: str, service_code: str, *, lock: bool = False
) -> Calendar:
    """The calendar of `service_code` at `agency_code`; NotFound says which part is unknown.
    `lock` takes a shared row lock (PostgreSQL; SQLite has one writer at a time anyway)."""
    query = (
        select(Calendar)
        .join(Agency, Agency.id == Calendar.agency_id)
        .where(Agency.code == agency_code, Calendar.service_code == service_code)
    )
    if lock:
        query = query.with_for_update(read=True, of=Calendar)
    calendar = session.scalar(query)
    if calendar is not None:
        return calendar
    if session.scalar(select(Agency.id).where(Agency.code == agency_code)) is None:
        raise NotFound("unknown_agency", f"no agency {agency_code!r}")
    if session.get(Service, service_code) is None:
        raise NotFound("unknown_service", f"no service {service_code!r}")
    raise NotFound("no_calendar", f"agency {agency_code!r} does not offer {service_code!r}")


def reserve_place(
    session: Session,
    calendar: Calendar,
    slot: Slot,
    *,
    customer_id: int | None,
    channel: str,
    details: dict[str, Any] | None = None,
) -> Booking:
    """Take one place of `slot` and insert the booking, in the caller's transaction."""
    take_place(session, calendar, slot)
    for _ in range(5):  # a reference collision is rare (32**6 values): retry in a savepoint
        booking = Booking(
            reference=new_reference(),
            calendar_id=calendar.id,
            start_utc=slot.start_utc,
            end_utc=slot.end_utc,
            customer_id=customer_id,
            channel=channel,
            status="confirmed",
            details=details,
        )
        try:
            with session.begin_nested():
                session.add(booking)
            return booking
        except IntegrityError:
            session.expunge(booking)
    raise RuntimeError("could not find a free booking reference")


def take_place(session: Session, calendar: Calendar, slot: Slot) -> None:
    """One place of `slot`, or SlotTaken.

    The guard is one conditional upsert: it inserts the counter at 1 or raises it by one
    only while below min(capacity, staff_count), read by the database from the calendar row
    (a settings change is seen at once); no row affected means full. Never check-then-insert.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    limit = (
        select(
            case(
                (Calendar.staff_count < Calendar.capacity, Calendar.staff_count),
                else_=Calendar.capacity,
            )
        )
        .where(Calendar.id == calendar.id)
        .scalar_subquery()
    )
    stmt = (
        insert(SlotCounter.__table__)
        .values(calendar_id=calendar.id, start_utc=slot.start_utc, taken=1)
        .on_conflict_do_update(
            index_elements=["calendar_id", "start_utc"],
            set_={"taken": SlotCounter.taken + 1},
            where=SlotCounter.taken < limit,
        )
        # SQLAlchemy keeps an INSERT's rowcount only when asked to
        .execution_options(preserve_rowcount=True)
    )
    if session.execute(stmt).rowcount != 1:
        raise SlotTaken("slot_taken", "this slot was just taken")


def give_place_back(session: Session, calendar_id: int, start_utc: datetime) -> None:
    session.execute(
        update(SlotCounter)
        .where(
            SlotCounter.calendar_id == calendar_id,
            SlotCounter.start_utc == start_utc,
            SlotCounter.taken > 0,
        )
        .values(taken=SlotCounter.taken - 1)
        .execution_options(synchronize_session=False)
    )


def new_reference() -> str:
    return "PL-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def free_places(session: Session, calendar: Calendar, slots: list[Slot]) -> dict[datetime, int]:
    if not slots:
        return {}
    rows = session.execute(
        select(SlotCounter.start_utc, SlotCounter.taken).where(
            SlotCounter.calendar_id == calendar.id,
            SlotCounter.start_utc >= slots[0].start_utc,
            SlotCounter.start_utc <= slots[-1].start_utc,
        )
    )
    taken = {start: count for start, count in rows}
    places = effective_capacity(calendar.capacity, calendar.staff_count)
    free = {slot.start_utc: places - taken.get(slot.start_utc, 0) for slot in slots}
    return {start: places for start, places in free.items() if places > 0}
