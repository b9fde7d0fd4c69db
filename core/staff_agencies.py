"""Staff tied to an agency (issue 16, items 5 and 7): a mechanic or manager works at one
agency; an agency's active mechanics bound the staff on duty of its workshop calendars."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.errors import InvalidValue, NotFound
from core.models import Agency, Calendar, Service, StaffUser
from core.uow import UnitOfWork


@dataclass(frozen=True)
class Staffing:
    """A workshop calendar's staff on duty beside the agency's active mechanics."""

    agency: str
    service: str
    staff_count: int
    mechanics: int

    @property
    def over(self) -> bool:
        """More staff on duty than mechanics (only when the agency has mechanics)."""
        return 0 < self.mechanics < self.staff_count


def set_staff_agency(uow: UnitOfWork, staff_id: int, agency_code: str | None) -> str | None:
    """Tie a staff member to an agency (None: to none); returns the agency's code. NotFound
    (`unknown_staff`, `unknown_agency`)."""
    with uow:
        session = uow.session
        agency_id = None
        if agency_code:
            agency_id = session.scalar(select(Agency.id).where(Agency.code == agency_code))
            if agency_id is None:
                raise NotFound("unknown_agency", f"no agency {agency_code!r}")
        changed = session.execute(
            update(StaffUser)
            .where(StaffUser.id == staff_id)
            .values(agency_id=agency_id)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:
            raise NotFound("unknown_staff", f"no staff user {staff_id}")
        uow.commit()
        return agency_code or None


def staff_agencies(uow: UnitOfWork) -> dict[int, str]:
    """{staff id: agency code} of the staff tied to an agency."""
    with uow:
        rows = uow.session.execute(
            select(StaffUser.id, Agency.code).join(Agency, Agency.id == StaffUser.agency_id)
        )
        return {staff_id: code for staff_id, code in rows}


def agency_mechanics(uow: UnitOfWork, agency_code: str) -> list[tuple[int, str]]:
    """The agency's active mechanics: (id, name), by name."""
    with uow:
        rows = uow.session.execute(
            select(StaffUser.id, StaffUser.name)
            .join(Agency, Agency.id == StaffUser.agency_id)
            .where(Agency.code == agency_code, StaffUser.role == "mechanic", StaffUser.active)
            .order_by(StaffUser.name, StaffUser.id)
        )
        return [(staff_id, name) for staff_id, name in rows]


def mechanics_count(session: Session, agency_id: int) -> int:
    return (
        session.scalar(
            select(func.count(StaffUser.id)).where(
                StaffUser.agency_id == agency_id,
                StaffUser.role == "mechanic",
                StaffUser.active,
            )
        )
        or 0
    )


def check_staff_count(session: Session, calendar: Calendar, staff_count: int) -> None:
    """A workshop calendar cannot have more staff on duty than its agency's active mechanics,
    when the agency has mechanics: InvalidValue(`staff_over_mechanics`)."""
    kind = session.scalar(select(Service.kind).where(Service.code == calendar.service_code))
    if kind != "workshop":
        return
    mechanics = mechanics_count(session, calendar.agency_id)
    if 0 < mechanics < staff_count:
        raise InvalidValue(
            "staff_over_mechanics",
            f"{staff_count} staff on duty but the agency has {mechanics} active mechanics",
        )


def workshop_staffing(uow: UnitOfWork) -> list[Staffing]:
    """Every workshop calendar with its staff on duty and its agency's active mechanics:
    the service settings page reports those with more staff than mechanics (a mechanic
    deactivated or moved since)."""
    mechanics = (
        select(func.count(StaffUser.id))
        .where(
            StaffUser.agency_id == Calendar.agency_id,
            StaffUser.role == "mechanic",
            StaffUser.active,
        )
        .correlate(Calendar)
        .scalar_subquery()
    )
    with uow:
        rows = uow.session.execute(
            select(Agency.code, Calendar.service_code, Calendar.staff_count, mechanics)
            .join(Agency, Agency.id == Calendar.agency_id)
            .join(Service, Service.code == Calendar.service_code)
            .where(Service.kind == "workshop")
            .order_by(Agency.code, Calendar.service_code)
        )
        return [Staffing(a, s, count, m) for a, s, count, m in rows]


def staff_agency(uow: UnitOfWork, staff_id: int) -> str | None:
    """The code of the agency the staff member works at, or None."""
    with uow:
        return uow.session.scalar(
            select(Agency.code)
            .join(StaffUser, StaffUser.agency_id == Agency.id)
            .where(StaffUser.id == staff_id)
        )
