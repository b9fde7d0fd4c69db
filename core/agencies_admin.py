"""Agencies managed in the backoffice (issue 16, item 7): create and edit an agency, its
opening hours, open or close its services. Each change is one transaction; the database
holds the code's uniqueness (two admins creating the same code: one wins, the other gets
Conflict("agency_code_taken")). The checks that need no database: core/agency_rules.py.

An agency's opening hours (agencies.opening_hours) are its front desk's hours: shown to
customers and the default hours of a service it opens. Each calendar keeps its own hours
(a test ride or a diagnostic may differ); `apply_hours_to_calendars` copies the agency's
hours to the calendars the admin picks through core.service_settings, which refuses a
change that would leave upcoming bookings out unless the admin keeps them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from core.agencies import AgencyView, agency_view, set_service_bookable
from core.agency_rules import AgencyContact, AgencyDetails, clean_agency_hours, clean_code
from core.calendars import WEEKDAYS, local_day
from core.errors import Conflict, InvalidValue, NotFound, SettingsConflict
from core.models import Agency, Calendar, Service, StaffUser
from core.service_settings import (
    CalendarSettings,
    _Nested,
    apply_settings,
    get_settings,
    settings_conflicts,
    validate_settings,
)
from core.service_settings import (
    Conflict as BookingConflict,
)
from core.staff_agencies import mechanics_count
from core.uow import UnitOfWork

# A service opened where the group never had it: these settings unless another agency's
# calendar of the same service gives better ones (its slot length, capacity, staff).
DEFAULT_SLOT_MINUTES = 60
DEFAULT_PLACES = 1
DEFAULT_HOURS: dict[str, list[list[str]]] = {
    **{day: [["09:00", "12:00"], ["14:00", "18:00"]] for day in WEEKDAYS[:5]},
    "sat": [["09:00", "12:00"]],
}


class HoursNotApplied(InvalidValue):
    """The agency's hours do not fit one of the calendars (e.g. a 3-hour test ride slot in a
    2-hour morning): `service` names it; nothing was changed."""

    def __init__(self, service: str, cause: InvalidValue) -> None:
        super().__init__(cause.code, f"{service}: {cause.message}")
        self.service = service


@dataclass(frozen=True)
class AgencyRow:
    code: str
    name: str
    city: str
    open_services: list[str]  # service codes taking bookings
    mechanics: int  # active mechanics working there


@dataclass(frozen=True)
class AgencyServiceState:
    service: str
    state: str  # "open", "closed" (a calendar taking no new booking) or "none" (no calendar)


@dataclass(frozen=True)
class AgencyDetail:
    agency: AgencyView
    timezone: str
    hours: dict[str, list[list[str]]]
    services: list[AgencyServiceState]  # every service of the group, by code


def agency_rows(uow: UnitOfWork, only: str | None = None) -> list[AgencyRow]:
    """The agencies by name (`only`: that one agency's row), their open services and active
    mechanics."""
    with uow:
        session = uow.session
        query = select(Agency).order_by(Agency.name)
        if only is not None:
            query = query.where(Agency.code == only)
        agencies = list(session.scalars(query))
        open_rows = session.execute(
            select(Calendar.agency_id, Calendar.service_code)
            .where(Calendar.bookable.is_(True))
            .order_by(Calendar.service_code)
        )
        opened: dict[int, list[str]] = {}
        for agency_id, service in open_rows:
            opened.setdefault(agency_id, []).append(service)
        mechanics = dict(
            session.execute(
                select(StaffUser.agency_id, func.count(StaffUser.id))
                .where(StaffUser.role == "mechanic", StaffUser.active)
                .group_by(StaffUser.agency_id)
            ).all()
        )
        return [
            AgencyRow(a.code, a.name, a.city, opened.get(a.id, []), mechanics.get(a.id, 0))
            for a in agencies
        ]


def agency_detail(uow: UnitOfWork, code: str) -> AgencyDetail:
    with uow:
        agency = _agency(uow, code)
        states = dict(
            uow.session.execute(
                select(Calendar.service_code, Calendar.bookable).where(
                    Calendar.agency_id == agency.id
                )
            ).all()
        )
        services = uow.session.scalars(select(Service.code).order_by(Service.code))
        return AgencyDetail(
            agency=agency_view(agency),
            timezone=agency.timezone,
            hours=dict(agency.opening_hours or {}),
            services=[
                AgencyServiceState(s, "none" if s not in states else _state(states[s]))
                for s in services
            ],
        )


def create_agency(uow: UnitOfWork, code: str, details: AgencyDetails) -> AgencyView:
    """A new agency with no service open yet; Conflict("agency_code_taken") if the code is
    used (checked by the database's unique index, so two creates at once: one wins)."""
    code = clean_code(code)
    with uow:
        agency = Agency(code=code, **_columns(details))
        uow.session.add(agency)
        try:
            uow.session.flush()
        except IntegrityError as exc:
            raise Conflict("agency_code_taken", f"an agency {code!r} exists") from exc
        view = agency_view(agency)
        uow.commit()
        return view


def update_agency(uow: UnitOfWork, code: str, details: AgencyDetails) -> AgencyView:
    """Change everything but the code."""
    return _update(uow, code, _columns(details))


def update_contact(uow: UnitOfWork, code: str, contact: AgencyContact) -> AgencyView:
    """Change the phone and e-mail only (what a manager may change)."""
    return _update(uow, code, {"phone": contact.phone, "email": contact.email})


def set_agency_hours(uow: UnitOfWork, code: str, raw_hours: Any) -> dict[str, list[list[str]]]:
    """Store the agency's own hours (its calendars keep theirs); the cleaned hours."""
    hours = clean_agency_hours(raw_hours)
    with uow:
        changed = uow.session.execute(
            update(Agency)
            .where(Agency.code == code)
            .values(opening_hours=hours)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:
            raise NotFound("unknown_agency", f"no agency {code!r}")
        uow.commit()
        return hours


def apply_hours_to_calendars(
    uow: UnitOfWork,
    code: str,
    services: Sequence[str],
    now: datetime,
    *,
    keep: bool = False,
    seen: Collection[str] | None = None,
) -> list[str]:
    """Copy the agency's hours to its calendars of `services`, in one transaction, through
    core.service_settings. Upcoming bookings the new hours leave out: SettingsConflict
    listing those of every calendar, nothing changed; with `keep`, they stay as they are
    (`seen`: the references the admin was shown; one booked meanwhile: SettingsConflict
    `settings_conflicts_changed`). HoursNotApplied if the hours fit no slot of a calendar;
    InvalidValue("no_agency_hours") when the agency has none. The services changed."""
    if not services:
        raise InvalidValue("no_service_chosen", "choose at least one service")
    with uow:
        agency = _agency(uow, code)
        if not agency.opening_hours:
            raise InvalidValue("no_agency_hours", "the agency has no opening hours yet")
        inner: Any = _Nested(uow)
        today = local_day(now, uow.timezone)
        planned: list[tuple[str, CalendarSettings]] = []
        for service in sorted(set(services)):
            current = get_settings(inner, code, service, today=today)
            wanted = CalendarSettings(
                current.capacity,
                current.staff_count,
                current.slot_minutes,
                agency.opening_hours,
                current.closed_dates,
            )
            try:
                planned.append((service, validate_settings(wanted, today)))
            except InvalidValue as exc:
                raise HoursNotApplied(service, exc) from exc
        found: list[BookingConflict] = []
        for service, settings in planned:
            found.extend(settings_conflicts(inner, code, service, settings, now))
        if found and not keep:
            raise SettingsConflict(found)
        shown = set(seen or ()) if keep else set()
        for service, settings in planned:
            apply_settings(inner, code, service, settings, now, conflicts="keep", seen=shown)
        uow.commit()
        return [service for service, _ in planned]


def open_service(uow: UnitOfWork, code: str, service: str) -> bool:
    """Open a service at the agency; True when its calendar was created now (the hours of
    the agency, else the defaults; slot length, places and staff of another agency's
    calendar of that service, staff bounded by the agency's mechanics)."""
    for attempt in range(2):
        try:
            return _open_service(uow, code, service)
        except IntegrityError:  # created meanwhile by another admin: open theirs
            if attempt:
                raise
    raise AssertionError("unreachable")


def close_service(uow: UnitOfWork, code: str, service: str) -> None:
    """Close a service: no new booking, existing bookings kept (core.agencies)."""
    set_service_bookable(uow, code, service, False)


def _open_service(uow: UnitOfWork, code: str, service: str) -> bool:
    with uow:
        session = uow.session
        agency = _agency(uow, code)
        if session.get(Service, service) is None:
            raise NotFound("unknown_service", f"no service {service!r}")
        opened = session.execute(
            update(Calendar)
            .where(Calendar.agency_id == agency.id, Calendar.service_code == service)
            .values(bookable=True)
            .execution_options(synchronize_session=False)
        )
        created = opened.rowcount == 0
        if created:
            session.add(_new_calendar(uow, agency, service))
            session.flush()
        uow.commit()
        return created


def _new_calendar(uow: UnitOfWork, agency: Agency, service: str) -> Calendar:
    model = uow.session.scalar(
        select(Calendar)
        .join(Agency, Agency.id == Calendar.agency_id)
        .where(Calendar.service_code == service)
        .order_by(Agency.code)
        .limit(1)
    )
    slot = model.slot_minutes if model else DEFAULT_SLOT_MINUTES
    capacity = model.capacity if model else DEFAULT_PLACES
    staff = model.staff_count if model else DEFAULT_PLACES
    mechanics = mechanics_count(uow.session, agency.id)
    if mechanics:
        staff = min(staff, mechanics)
    hours = agency.opening_hours or (model.opening_hours if model else DEFAULT_HOURS)
    try:
        clean = validate_settings(CalendarSettings(capacity, staff, slot, hours, []), date.min)
    except InvalidValue:  # the agency's hours hold no slot of that length: the defaults
        clean = validate_settings(
            CalendarSettings(capacity, staff, slot, DEFAULT_HOURS, []), date.min
        )
    return Calendar(
        agency_id=agency.id,
        service_code=service,
        slot_minutes=clean.slot_minutes,
        capacity=clean.capacity,
        staff_count=clean.staff_count,
        opening_hours=clean.opening_hours,
        bookable=True,
    )


def _update(uow: UnitOfWork, code: str, values: dict[str, Any]) -> AgencyView:
    with uow:
        changed = uow.session.execute(
            update(Agency)
            .where(Agency.code == code)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:
            raise NotFound("unknown_agency", f"no agency {code!r}")
        view = agency_view(_agency(uow, code, fresh=True))
        uow.commit()
        return view


def _agency(uow: UnitOfWork, code: str, *, fresh: bool = False) -> Agency:
    query = select(Agency).where(Agency.code == code)
    if fresh:
        query = query.execution_options(populate_existing=True)
    agency = uow.session.scalar(query)
    if agency is None:
        raise NotFound("unknown_agency", f"no agency {code!r}")
    return agency


def _columns(details: AgencyDetails) -> dict[str, Any]:
    return {
        "name": details.name,
        "address": details.address,
        "postcode": details.postcode,
        "city": details.city,
        "latitude": details.latitude,
        "longitude": details.longitude,
        "phone": details.phone,
        "email": details.email,
        "timezone": details.timezone,
    }


def _state(bookable: bool) -> str:
    return "open" if bookable else "closed"
