"""The admin page of service settings: capacity, staff, slot length, opening hours and
closed dates per (agency, service), with the conflict preview.

"Save" applies the settings at once when no upcoming booking is affected; otherwise the
affected bookings are listed and nothing changes until the admin chooses: keep them, or
cancel them and tell each customer in their conversation (or go back to the form). The
choice form carries the pending settings and the references shown: a booking made in
between sends the admin back to an updated list (core.service_settings `seen`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from backoffice.api.deps import Core, CoreDep, core_of
from backoffice.auth import StaffSession, form_fields
from backoffice.customer_notice import tell_conversation
from backoffice.page_auth import AdminPage
from backoffice.service_form import (
    RANGES,
    FormValues,
    chosen_calendar,
    pending_json,
    pending_values,
    typed_settings,
    values_from_fields,
    values_of,
)
from backoffice.staff_pages import page_lang
from backoffice.views import Alert
from backoffice.workshop_layout import (
    Catalogue,
    alerts,
    catalogue,
    timezone_of,
    when,
    workshop_page,
)
from backoffice.workshop_texts import WEEKDAY_NAMES, code_text, workshop_texts
from core.bookings import BookingView
from core.calendars import WEEKDAYS, local_day
from core.errors import InvalidValue, NotFound, SettingsConflict
from core.formatting import format_day, format_slot
from core.service_settings import (
    ApplyResult,
    Conflict,
    apply_settings,
    customer_conversation,
    get_settings,
)
from core.staff_agencies import agency_mechanics, workshop_staffing

router = APIRouter(prefix="/staff/admin", include_in_schema=False)

PATH = "/staff/admin/services"


@router.get("/services")
async def get_services_page(request: Request, core: CoreDep, session: AdminPage) -> Response:
    """Admins: choose an agency's service and edit its settings."""
    known = await catalogue(core)
    chosen = chosen_calendar(request.query_params.get("calendar", ""), known)
    if chosen is None:
        return await _page(
            request, session, known, None, None, alert=_error(request, "error_not_found")
        )
    agency, service = chosen
    current = await core.run(
        get_settings, agency, service, today=local_day(core.now(), timezone_of(core))
    )
    return await _page(request, session, known, chosen, values_of(current))


@router.post("/services")
async def post_services_form(request: Request, core: CoreDep, session: AdminPage) -> Response:
    """Save (refused with the list of affected bookings), keep, cancel and notify, or back."""
    t = workshop_texts(page_lang(request))
    fields = await form_fields(request)
    known = await catalogue(core)
    chosen = chosen_calendar(f"{fields.get('agency', '')}:{fields.get('service', '')}", known)
    if chosen is None or fields.get("agency") is None:
        return await _page(
            request, session, known, None, None, _error(request, "error_not_found"), 404
        )
    decision = fields.get("decision", "save")
    try:
        if decision in ("keep", "cancel", "back"):
            values = pending_values(fields.get("pending", ""))
        else:
            values = values_from_fields(fields)
        new = typed_settings(values)
    except InvalidValue as exc:
        problem = t["error_settings"].format(message=code_text(t, exc.code, exc.message))
        return await _page(
            request, session, known, chosen, values_from_fields(fields), problem, 422
        )
    if decision == "back":
        return await _page(request, session, known, chosen, values)
    agency, service = chosen
    seen = [ref for ref in fields.get("seen", "").split(",") if ref]
    try:
        result = await core.run(
            apply_settings,
            agency,
            service,
            new,
            core.now(),
            conflicts=decision if decision in ("keep", "cancel") else "refuse",
            seen=seen if decision in ("keep", "cancel") else None,
        )
    except InvalidValue as exc:
        problem = t["error_settings"].format(message=code_text(t, exc.code, exc.message))
        return await _page(request, session, known, chosen, values, problem, 422)
    except NotFound:
        return await _page(
            request, session, known, None, None, _error(request, "error_not_found"), 404
        )
    except SettingsConflict as exc:
        changed = exc.code == "settings_conflicts_changed"
        return _conflict_page(request, core, session, known, chosen, values, exc.conflicts, changed)
    notes = await _after_apply(request, core, known, result)
    saved = t["settings_saved"].format(
        agency=known.agency_name(agency), service=known.service_name(service, page_lang(request))
    )
    shown = values_of(result.settings)
    return await _page(request, session, known, chosen, shown, alerts((saved, "success"), *notes))


async def _after_apply(
    request: Request, core: Core, known: Catalogue, result: ApplyResult
) -> list[tuple[str, str]]:
    """Tell the customers of cancelled bookings; the notes for the admin."""
    t = workshop_texts(page_lang(request))
    notes: list[tuple[str, str]] = []
    if result.kept:
        notes.append((t["kept_note"].format(count=len(result.kept)), "info"))
    if not result.cancelled:
        return notes
    told, not_told = await tell_cancelled(request, core, known, result.cancelled)
    notes.append((t["cancelled_note"].format(count=len(result.cancelled), told=told), "info"))
    if not_told:
        notes.append((t["not_told_note"].format(references=", ".join(not_told)), "error"))
    return notes


async def tell_cancelled(
    request: Request, core: Core, known: Catalogue, cancelled: list[BookingView]
) -> tuple[int, list[str]]:
    """Tell each customer of a cancelled booking; (how many were told, references not told)."""
    told, not_told = 0, []
    for booking in cancelled:
        if await _tell_cancelled(request, core, known, booking):
            told += 1
        else:
            not_told.append(booking.reference)
    return told, not_told


async def _tell_cancelled(
    request: Request, core: Core, known: Catalogue, booking: BookingView
) -> bool:
    conversation = await core.run(customer_conversation, booking.customer_id, booking.channel)
    if conversation is None:
        return False
    lang = "en" if conversation.language == "en" else "fr"
    text = workshop_texts(lang)["cancel_notice"].format(
        service=known.service_name(booking.service, lang),
        when=format_slot(booking.start_utc, timezone_of(core), lang),
        agency=booking.agency_name,
        reference=booking.reference,
    )
    return await tell_conversation(request.app.state.hub, conversation, text)


# ------------------------------------------------------------------ view models


@dataclass(frozen=True)
class CalendarGroup:
    """One agency's calendars in the selector: (agency:service, label) choices."""

    label: str
    choices: list[tuple[str, str]]


@dataclass(frozen=True)
class TimeRange:
    number: int
    label: str
    start: str
    end: str


@dataclass(frozen=True)
class DayRow:
    code: str
    name: str
    ranges: list[TimeRange]


@dataclass(frozen=True)
class SettingsForm:
    agency: str
    service: str
    heading: str
    numbers: list[tuple[str, str, int, int]]
    days: list[DayRow]
    closed: list[tuple[str, str]]


@dataclass(frozen=True)
class ConflictRow:
    reference: str
    when: str
    customer: str
    channel: str
    reason: str


def _error(request: Request, key: str) -> list[Alert]:
    return alerts((workshop_texts(page_lang(request))[key], "error"))


async def _page(
    request: Request,
    session: StaffSession,
    known: Catalogue,
    chosen: tuple[str, str] | None,
    values: FormValues | None,
    alert: Sequence[Alert] | str = (),
    status: int = 200,
) -> Response:
    lang = page_lang(request)
    t = workshop_texts(lang)
    if isinstance(alert, str):
        alert = alerts((alert, "error"))
    form = None
    if chosen is not None and values is not None:
        form = _settings_form(known, chosen, values, t, lang)
    staffing = await core_of(request.app).run(workshop_staffing)  # issue 16: mechanics
    mechanics: list[tuple[int, str]] = []
    if chosen is not None:
        mechanics = await core_of(request.app).run(agency_mechanics, chosen[0])
    over = [
        t["staffing_over"].format(
            agency=known.agency_name(s.agency),
            service=known.service_name(s.service, lang),
            staff=s.staff_count,
            mechanics=s.mechanics,
        )
        for s in staffing
        if s.over
    ]
    return workshop_page(
        request,
        session,
        "services.html",
        page="services",
        title_key="services_title",
        lead_key="services_lead",
        alerts=alert,
        status=status,
        path=PATH,
        calendars=_calendars(known, lang),
        chosen=f"{chosen[0]}:{chosen[1]}" if chosen else None,
        form=form,
        mechanics=[name for _, name in mechanics],
        staffing_over=over,
    )


def _calendars(known: Catalogue, lang: str) -> list[CalendarGroup]:
    return [
        CalendarGroup(
            known.agency_name(agency),
            [
                (
                    f"{agency}:{service}",
                    f"{known.agency_name(agency)} · {known.service_name(service, lang)}",
                )
                for service in known.offered[agency]
            ],
        )
        for agency in sorted(known.offered, key=known.agency_name)
    ]


def _settings_form(
    known: Catalogue,
    chosen: tuple[str, str],
    values: FormValues,
    t: dict[str, str],
    lang: str,
) -> SettingsForm:
    agency, service = chosen
    numbers = [
        ("capacity", values.capacity, 1, 50),
        ("staff_count", values.staff_count, 1, 50),
        ("slot_minutes", values.slot_minutes, 5, 480),
    ]
    days = []
    for index, day in enumerate(WEEKDAYS):
        ranges = list(values.hours.get(day, [])) + [("", "")] * RANGES
        cells = [
            TimeRange(n, t["morning" if n == 1 else "afternoon"], *ranges[n - 1])
            for n in range(1, RANGES + 1)
        ]
        days.append(DayRow(day, WEEKDAY_NAMES[lang][index], cells))
    return SettingsForm(
        agency=agency,
        service=service,
        heading=f"{known.agency_name(agency)} · {known.service_name(service, lang)}",
        numbers=numbers,
        days=days,
        closed=[(day, _day_label(day, lang)) for day in values.closed],
    )


def _day_label(text: str, lang: str) -> str:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return text
    return f"{format_day(day, lang)} {day.year}"


def _conflict_page(
    request: Request,
    core: Core,
    session: StaffSession,
    known: Catalogue,
    chosen: tuple[str, str],
    values: FormValues,
    conflicts: list[Conflict],
    changed: bool,
) -> Response:
    lang = page_lang(request)
    t = workshop_texts(lang)
    tz = timezone_of(core)
    agency, service = chosen
    rows = [
        ConflictRow(
            reference=c.booking.reference,
            when=when(c.booking.start_utc, tz, lang),
            customer=c.booking.customer_name or t["anonymous_customer"],
            channel=c.booking.channel,
            reason=t[f"reason_{c.reason}"],
        )
        for c in conflicts
    ]
    columns = ("col_reference", "col_when", "col_customer", "col_channel", "col_reason")
    names = f"{known.agency_name(agency)} · {known.service_name(service, lang)}"
    return workshop_page(
        request,
        session,
        "service_conflicts.html",
        page="services",
        title_key="services_title",
        lead_key="services_lead",
        alerts=alerts((t["conflicts_changed"], "error")) if changed else [],
        status=409,
        path=PATH,
        heading=f"{t['conflicts_title']} — {names}",
        lead_text=t["conflicts_lead"].format(count=len(conflicts)),
        columns=[t[key] for key in columns],
        conflicts=rows,
        agency=agency,
        service=service,
        pending=pending_json(values),
        seen=",".join(c.booking.reference for c in conflicts),
    )
