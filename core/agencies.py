"""Agencies, services and the group's contact details."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from core.errors import NotFound
from core.models import Agency, Calendar, Service, Setting
from core.slot_places import get_calendar
from core.uow import UnitOfWork


@dataclass(frozen=True)
class AgencyView:
    code: str
    name: str
    address: str
    city: str
    postcode: str
    latitude: float
    longitude: float
    phone: str
    email: str


@dataclass(frozen=True)
class ServiceView:
    code: str
    name_fr: str
    name_en: str
    kind: str
    usage: str | None


@dataclass(frozen=True)
class ContactView:
    email: str
    phone: str


def list_agencies(uow: UnitOfWork) -> list[AgencyView]:
    with uow:
        return [_agency_view(a) for a in uow.session.scalars(select(Agency).order_by(Agency.name))]


def get_agency(uow: UnitOfWork, code: str) -> AgencyView:
    with uow:
        agency = uow.session.scalar(select(Agency).where(Agency.code == code))
        if agency is None:
            raise NotFound("unknown_agency", f"no agency {code!r}")
        return _agency_view(agency)


def agencies_offering(uow: UnitOfWork, service_code: str) -> list[AgencyView]:
    """Agencies with an open calendar for `service_code`, by name; NotFound for an unknown
    service."""
    with uow:
        if uow.session.get(Service, service_code) is None:
            raise NotFound("unknown_service", f"no service {service_code!r}")
        agencies = uow.session.scalars(
            select(Agency)
            .join(Calendar, Calendar.agency_id == Agency.id)
            .where(Calendar.service_code == service_code, Calendar.bookable.is_(True))
            .order_by(Agency.name)
        )
        return [_agency_view(agency) for agency in agencies]


def services_by_agency(uow: UnitOfWork) -> dict[str, list[str]]:
    """The service codes each agency offers (it has a calendar for), by agency code."""
    with uow:
        rows = uow.session.execute(
            select(Agency.code, Calendar.service_code)
            .join(Calendar, Calendar.agency_id == Agency.id)
            .order_by(Agency.code, Calendar.service_code)
        )
        offered: dict[str, list[str]] = {}
        for agency_code, service_code in rows:
            offered.setdefault(agency_code, []).append(service_code)
        return offered


def list_services(uow: UnitOfWork) -> list[ServiceView]:
    with uow:
        services = uow.session.scalars(select(Service).order_by(Service.code))
        return [ServiceView(s.code, s.name_fr, s.name_en, s.kind, s.usage) for s in services]


def service_names(uow: UnitOfWork, language: str) -> dict[str, str]:
    """Each service's name in `language` ("en", else French), by code."""
    return {s.code: s.name_en if language == "en" else s.name_fr for s in list_services(uow)}


def service_for_usage(uow: UnitOfWork, usage: str) -> str:
    """The test-ride service for a riding usage: "road" -> "road_test", ... (from the data)."""
    with uow:
        code = uow.session.scalar(
            select(Service.code)
            .where(Service.kind == "test_ride", Service.usage == usage)
            .order_by(Service.code)
        )
        if code is None:
            raise NotFound("unknown_usage", f"no test ride for usage {usage!r}")
        return code


def company_contact(uow: UnitOfWork) -> ContactView:
    """The group's contact e-mail and phone (settings contact_email, contact_phone)."""
    with uow:
        rows = uow.session.execute(
            select(Setting.key, Setting.value).where(
                Setting.key.in_(("contact_email", "contact_phone"))
            )
        )
        values = {key: value for key, value in rows}
        if len(values) != 2:
            raise NotFound("no_contact", "contact_email and contact_phone are not set")
        return ContactView(email=values["contact_email"], phone=values["contact_phone"])


def _agency_view(agency: Agency) -> AgencyView:
    return AgencyView(
        code=agency.code,
        name=agency.name,
        address=agency.address,
        city=agency.city,
        postcode=agency.postcode,
        latitude=agency.latitude,
        longitude=agency.longitude,
        phone=agency.phone,
        email=agency.email,
    )


def set_service_bookable(uow: UnitOfWork, agency_code: str, service_code: str, open_: bool) -> None:
    """Open or close a service at an agency (issue 16): a closed calendar takes no new booking
    (book_slot: SlotUnavailable("service_closed")) and is not proposed; its bookings are kept.
    One UPDATE, which waits for bookings in flight (they hold the calendar's shared lock).
    NotFound as core.slot_places.get_calendar says."""
    with uow:
        calendar = get_calendar(uow.session, agency_code, service_code)
        uow.session.execute(
            update(Calendar)
            .where(Calendar.id == calendar.id)
            .values(bookable=open_)
            .execution_options(synchronize_session=False)
        )
        uow.commit()


agency_view = _agency_view  # issue 16: core/agencies_admin.py builds the same views
