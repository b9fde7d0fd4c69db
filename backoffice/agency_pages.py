"""`/staff/admin/agencies` (issue 16, item 7): the group's agencies. Admins create and edit
any agency, its opening hours, copy them to its services' calendars and open or close its
services; a manager reads their own agency and edits its phone, e-mail and hours only
(docs/security.md, "Staff roles"). Every form posts the session's CSRF token; the store is
core/agencies_admin.py."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from backoffice.api.deps import Core, CoreDep
from backoffice.auth import StaffSession, form_fields
from backoffice.errors import domain_status
from backoffice.page_auth import AdminPage, AgencyPage
from backoffice.service_form import RANGES, typed_settings, values_from_fields
from backoffice.staff_pages import page_lang
from backoffice.views import Alert, PageDenied
from backoffice.workshop_layout import Catalogue, catalogue, timezone_of, when, workshop_page
from backoffice.workshop_texts import WEEKDAY_NAMES, code_text, workshop_texts
from core import agencies_admin as store
from core.agency_rules import TIMEZONES, clean_contact, clean_details
from core.calendars import WEEKDAYS
from core.errors import PitlaneError, SettingsConflict
from core.i18n import messages
from core.service_settings import Conflict
from core.staff_agencies import staff_agency

router = APIRouter(prefix="/staff/admin/agencies", include_in_schema=False)
PATH = "/staff/admin/agencies"
AgencyCode = Annotated[str, Path(min_length=1, max_length=40)]
ServiceCode = Annotated[str, Path(min_length=1, max_length=40)]
DETAIL_FIELDS = ("name", "address", "postcode", "city", "latitude", "longitude", "phone", "email")
_ZONES = sorted(TIMEZONES)


@dataclass(frozen=True)
class HourRow:
    code: str
    name: str
    ranges: list[tuple[int, str, str]]  # (number, start, end)


@dataclass(frozen=True)
class ConflictRow:
    reference: str
    when: str
    service: str
    customer: str
    reason: str


def agency_texts(lang: str) -> dict[str, str]:
    """The workshop pages' strings with the agencies page's own."""
    return {**workshop_texts(lang), **messages("agencies", lang)}


@router.get("")
async def get_agencies_page(request: Request, core: CoreDep, session: AgencyPage) -> Response:
    """The agencies (a manager: theirs) and, for admins, the new-agency form."""
    return await _list_page(request, core, session)


@router.post("")
async def post_new_agency_form(request: Request, core: CoreDep, session: AdminPage) -> Response:
    """Create an agency; its page next, to open its services."""
    t = agency_texts(page_lang(request))
    fields = await form_fields(request)
    try:
        created = await core.run(
            store.create_agency, fields.get("code", ""), clean_details(_typed(fields))
        )
    except PitlaneError as exc:
        problem = Alert(_error_text(t, exc))
        return await _list_page(request, core, session, problem, domain_status(exc), fields)
    done = Alert(t["agency_created"].format(name=created.name), "success")
    return await _agency_page(request, core, session, created.code, [done])


@router.get("/{agency}")
async def get_agency_page(
    agency: AgencyCode, request: Request, core: CoreDep, session: AgencyPage
) -> Response:
    """One agency: its details, hours and services."""
    await _may_see(core, session, agency)
    return await _agency_page(request, core, session, agency)


@router.post("/{agency}")
async def post_agency_form(
    agency: AgencyCode, request: Request, core: CoreDep, session: AgencyPage
) -> Response:
    """Save the details (a manager: the phone and e-mail only)."""
    await _may_see(core, session, agency)
    fields = _typed(await form_fields(request))

    async def save() -> Any:
        if session.staff.role == "admin":
            return await core.run(store.update_agency, agency, clean_details(fields))
        return await core.run(store.update_contact, agency, clean_contact(fields))

    return await _act(request, core, session, agency, save(), "agency_saved")


@router.post("/{agency}/hours")
async def post_hours_form(
    agency: AgencyCode, request: Request, core: CoreDep, session: AgencyPage
) -> Response:
    """Save the agency's own opening hours (its calendars keep theirs)."""
    await _may_see(core, session, agency)
    fields = await form_fields(request)

    async def save() -> Any:
        hours = typed_settings(values_from_fields({**fields, **_ANY_NUMBERS})).opening_hours
        return await core.run(store.set_agency_hours, agency, hours)

    return await _act(request, core, session, agency, save(), "agency_hours_saved")


@router.post("/{agency}/hours/apply")
async def post_apply_hours_form(
    agency: AgencyCode, request: Request, core: CoreDep, session: AdminPage
) -> Response:
    """Copy the agency's hours to the services ticked; the bookings left out, if any."""
    t = agency_texts(page_lang(request))
    fields = await form_fields(request)
    services = [key[6:] for key, value in fields.items() if key.startswith("apply_") and value]
    keep = fields.get("decision") == "keep"
    seen = [ref for ref in fields.get("seen", "").split(",") if ref]
    try:
        changed = await core.run(
            store.apply_hours_to_calendars, agency, services, core.now(), keep=keep, seen=seen
        )
    except SettingsConflict as exc:
        return await _agency_page(
            request, core, session, agency, status=409, conflicts=exc.conflicts, applied=services
        )
    except PitlaneError as exc:
        problem = [Alert(_error_text(t, exc))]
        return await _agency_page(request, core, session, agency, problem, domain_status(exc))
    known = await catalogue(core)
    names = ", ".join(known.service_name(s, page_lang(request)) for s in changed)
    done = [Alert(t["agency_hours_applied"].format(services=names), "success")]
    return await _agency_page(request, core, session, agency, done)


@router.post("/{agency}/services/{service}")
async def post_service_form(
    agency: AgencyCode, service: ServiceCode, request: Request, core: CoreDep, session: AdminPage
) -> Response:
    """Open (`open=1`) or close the service at the agency; closing keeps its bookings."""
    t = agency_texts(page_lang(request))
    opening = (await form_fields(request)).get("open") == "1"
    try:
        if opening:
            created = await core.run(store.open_service, agency, service)
            key = "agency_service_created" if created else "agency_service_opened"
        else:
            await core.run(store.close_service, agency, service)
            key = "agency_service_closed"
    except PitlaneError as exc:
        problem = [Alert(_error_text(t, exc))]
        return await _agency_page(request, core, session, agency, problem, domain_status(exc))
    known = await catalogue(core)
    text = t[key].format(
        service=known.service_name(service, page_lang(request)), name=known.agency_name(agency)
    )
    return await _agency_page(request, core, session, agency, [Alert(text, "success")])


# ------------------------------------------------------------------ helpers

# The hours form shares the service settings' form; its numbers are not asked here.
_ANY_NUMBERS = {"capacity": "1", "staff_count": "1", "slot_minutes": "5"}


async def _may_see(core: Core, session: StaffSession, code: str) -> None:
    """Admins see every agency; a manager only the one they work at (else the 403 page)."""
    if session.staff.role == "admin":
        return
    if await core.run(staff_agency, session.staff.id) != code:
        raise PageDenied("error_forbidden")


def _typed(fields: dict[str, str]) -> dict[str, str]:
    return {name: fields.get(name, "")[:300] for name in (*DETAIL_FIELDS, "timezone")}


def _error_text(t: dict[str, str], exc: PitlaneError) -> str:
    message = code_text(t, exc.code or "", exc.message or "")
    service = getattr(exc, "service", None)
    if service:
        message = t["agency_hours_unfit"].format(service=service, message=message)
    return t["agency_error"].format(message=message)


async def _act(
    request: Request,
    core: Core,
    session: StaffSession,
    agency: str,
    action: Awaitable[Any],
    done_key: str,
) -> Response:
    t = agency_texts(page_lang(request))
    try:
        await action
    except PitlaneError as exc:
        problem = [Alert(_error_text(t, exc))]
        return await _agency_page(request, core, session, agency, problem, domain_status(exc))
    known = await catalogue(core)
    done = Alert(t[done_key].format(name=known.agency_name(agency)), "success")
    return await _agency_page(request, core, session, agency, [done])


async def _list_page(
    request: Request,
    core: Core,
    session: StaffSession,
    alert: Alert | None = None,
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> Response:
    lang = page_lang(request)
    t = agency_texts(lang)
    admin = session.staff.role == "admin"
    only = None if admin else (await core.run(staff_agency, session.staff.id) or "")
    rows = await core.run(store.agency_rows, only)
    known = await catalogue(core)
    return workshop_page(
        request,
        session,
        "agencies.html",
        page="agencies",
        title_key="agencies_title",
        lead_key="agencies_lead",
        texts=t,
        alerts=[alert] if alert else [],
        status=status,
        path=PATH,
        admin=admin,
        rows=[(r, ", ".join(known.service_name(s, lang) for s in r.open_services)) for r in rows],
        typed=typed or {"timezone": timezone_of(core)},
        zones=_ZONES,
    )


async def _agency_page(
    request: Request,
    core: Core,
    session: StaffSession,
    code: str,
    shown: Sequence[Alert] = (),
    status: int = 200,
    *,
    conflicts: Sequence[Conflict] = (),
    applied: Sequence[str] = (),
) -> Response:
    lang = page_lang(request)
    t = agency_texts(lang)
    try:
        detail = await core.run(store.agency_detail, code)
    except PitlaneError:
        return await _list_page(request, core, session, Alert(t["code_unknown_agency"]), 404)
    known = await catalogue(core)
    return workshop_page(
        request,
        session,
        "agency.html",
        page="agencies",
        title_key="agencies_title",
        lead_key="agency_lead",
        texts=t,
        alerts=shown,
        status=status,
        path=f"{PATH}/{detail.agency.code}",
        admin=session.staff.role == "admin",
        detail=detail,
        days=_hour_rows(detail.hours, lang),
        services=[(s, known.service_name(s.service, lang)) for s in detail.services],
        applicable=[
            (s.service, known.service_name(s.service, lang), _kind(known, s.service) == "workshop")
            for s in detail.services
            if s.state != "none"
        ],
        conflicts=_conflict_rows(core, known, conflicts, t, lang),
        applied=applied,
        seen=",".join(c.booking.reference for c in conflicts),
        zones=_ZONES,
    )


def _kind(known: Catalogue, service: str) -> str:
    found = known.services.get(service)
    return found.kind if found else ""


def _hour_rows(hours: dict[str, list[list[str]]], lang: str) -> list[HourRow]:
    rows = []
    for index, day in enumerate(WEEKDAYS):
        ranges = [tuple(r) for r in hours.get(day, [])] + [("", "")] * RANGES
        cells = [(n, ranges[n - 1][0], ranges[n - 1][1]) for n in range(1, RANGES + 1)]
        rows.append(HourRow(day, WEEKDAY_NAMES[lang][index], cells))
    return rows


def _conflict_rows(
    core: Core, known: Catalogue, conflicts: Sequence[Conflict], t: dict[str, str], lang: str
) -> list[ConflictRow]:
    tz = timezone_of(core)
    return [
        ConflictRow(
            reference=c.booking.reference,
            when=when(c.booking.start_utc, tz, lang),
            service=known.service_name(c.booking.service, lang),
            customer=c.booking.customer_name or t["anonymous_customer"],
            reason=t[f"reason_{c.reason}"],
        )
        for c in conflicts
    ]
