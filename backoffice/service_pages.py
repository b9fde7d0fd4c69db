"""The admin page of service settings: capacity, staff, slot length, opening hours and
closed dates per (agency, service), with the conflict preview.

"Save" applies the settings at once when no upcoming booking is affected; otherwise the
affected bookings are listed and nothing changes until the admin chooses: keep them, or
cancel them and tell each customer in their conversation (or go back to the form). The
choice form carries the pending settings and the references shown: a booking made in
between sends the admin back to an updated list (core.service_settings `seen`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from backoffice.api.deps import Core, CoreDep
from backoffice.auth import StaffSession, form_fields
from backoffice.customer_notice import tell_conversation
from backoffice.staff_pages import page_lang, page_session
from backoffice.templating import Safe, tag
from backoffice.workshop_layout import (
    Catalogue,
    alerts,
    catalogue,
    element,
    hidden,
    staff_page,
    timezone_of,
    when,
)
from backoffice.workshop_texts import WEEKDAY_NAMES, code_text, workshop_texts
from core.bookings import BookingView
from core.calendars import WEEKDAYS, local_day
from core.errors import InvalidValue, NotFound, SettingsConflict
from core.formatting import format_day, format_slot
from core.service_settings import (
    ApplyResult,
    CalendarSettings,
    Conflict,
    apply_settings,
    customer_conversation,
    get_settings,
)

router = APIRouter(prefix="/staff/admin", include_in_schema=False)

PATH = "/staff/admin/services"
RANGES = 2  # time ranges per weekday in the form
MAX_CLOSED_FIELDS = 400


@dataclass(frozen=True)
class FormValues:
    """The form as typed (strings), to show it again as it was."""

    capacity: str
    staff_count: str
    slot_minutes: str
    hours: dict[str, list[tuple[str, str]]]
    closed: list[str]


@router.get("/services")
async def get_services_page(request: Request, core: CoreDep) -> Response:
    """Admins: choose an agency's service and edit its settings."""
    session = await page_session(request, core, admin=True)
    if not isinstance(session, StaffSession):
        return session
    known = await catalogue(core)
    chosen = _chosen(request.query_params.get("calendar", ""), known)
    if chosen is None:
        return _page(request, session, known, None, None, alert=_error(request, "error_not_found"))
    agency, service = chosen
    current = await core.run(
        get_settings, agency, service, today=local_day(core.now(), timezone_of(core))
    )
    return _page(request, session, known, chosen, _values_of(current))


@router.post("/services")
async def post_services_form(request: Request, core: CoreDep) -> Response:
    """Save (refused with the list of affected bookings), keep, cancel and notify, or back."""
    session = await page_session(request, core, admin=True, write=True)
    if not isinstance(session, StaffSession):
        return session
    t = workshop_texts(page_lang(request))
    fields = await form_fields(request)
    known = await catalogue(core)
    chosen = _chosen(f"{fields.get('agency', '')}:{fields.get('service', '')}", known)
    if chosen is None or fields.get("agency") is None:
        return _page(request, session, known, None, None, _error(request, "error_not_found"), 404)
    decision = fields.get("decision", "save")
    try:
        if decision in ("keep", "cancel", "back"):
            values = _pending_values(fields.get("pending", ""))
        else:
            values = _values_from_fields(fields)
        new = _settings(values)
    except InvalidValue as exc:
        problem = t["error_settings"].format(message=code_text(t, exc.code, exc.message))
        return _page(request, session, known, chosen, _values_from_fields(fields), problem, 422)
    if decision == "back":
        return _page(request, session, known, chosen, values)
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
        return _page(request, session, known, chosen, values, problem, 422)
    except NotFound:
        return _page(request, session, known, None, None, _error(request, "error_not_found"), 404)
    except SettingsConflict as exc:
        changed = exc.code == "settings_conflicts_changed"
        return _conflict_page(request, core, session, known, chosen, values, exc.conflicts, changed)
    notes = await _after_apply(request, core, known, result)
    saved = t["settings_saved"].format(
        agency=known.agency_name(agency), service=known.service_name(service, page_lang(request))
    )
    shown = _values_of(result.settings)
    return _page(request, session, known, chosen, shown, alerts((saved, "success"), *notes))


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


# ------------------------------------------------------------------ parsing


def _chosen(raw: str, known: Catalogue) -> tuple[str, str] | None:
    """(agency, service) from "agency:service"; the first calendar when empty; None if unknown."""
    if not raw or raw == ":":
        for agency in sorted(known.offered, key=known.agency_name):
            return agency, known.offered[agency][0]
        return None
    agency, _, service = raw.partition(":")
    return (agency, service) if service in known.offered.get(agency, []) else None


def _values_from_fields(fields: dict[str, str]) -> FormValues:
    hours = {
        day: [
            (fields.get(f"{day}_{n}_start", "").strip(), fields.get(f"{day}_{n}_end", "").strip())
            for n in range(1, RANGES + 1)
        ]
        for day in WEEKDAYS
    }
    closed = [
        fields[f"closed_{i}"]
        for i in range(MAX_CLOSED_FIELDS)
        if f"closed_{i}" in fields and f"remove_{i}" not in fields
    ]
    added = fields.get("closed_new", "").strip()
    if added:
        closed.append(added)
    return FormValues(
        capacity=fields.get("capacity", "").strip(),
        staff_count=fields.get("staff_count", "").strip(),
        slot_minutes=fields.get("slot_minutes", "").strip(),
        hours=hours,
        closed=closed,
    )


def _pending_values(raw: str) -> FormValues:
    """The settings carried by the choice form (JSON written by `_conflict_page`)."""
    try:
        data = json.loads(raw)
        hours = {day: [(str(s), str(e)) for s, e in data["hours"].get(day, [])] for day in WEEKDAYS}
        return FormValues(
            str(data["capacity"]),
            str(data["staff_count"]),
            str(data["slot_minutes"]),
            hours,
            [str(d) for d in data["closed"]],
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidValue("invalid_opening_hours", "the pending settings are unreadable") from exc


def _settings(values: FormValues) -> CalendarSettings:
    """The typed settings of the form; InvalidValue with the core's codes."""
    hours: dict[str, list[list[str]]] = {}
    for day, ranges in values.hours.items():
        kept = []
        for start, end in ranges:
            if not start and not end:
                continue
            if not start or not end:
                raise InvalidValue("invalid_time", f"{day}: a range needs a start and an end")
            kept.append([start[:5], end[:5]])
        if kept:
            hours[day] = kept
    closed = []
    for text in values.closed:
        try:
            closed.append(date.fromisoformat(text.strip()))
        except ValueError as exc:
            raise InvalidValue("invalid_closed_date", f"not a date: {text!r}") from exc
    return CalendarSettings(
        capacity=_number(values.capacity, "invalid_capacity"),
        staff_count=_number(values.staff_count, "invalid_staff_count"),
        slot_minutes=_number(values.slot_minutes, "invalid_slot_minutes"),
        opening_hours=hours,
        closed_dates=closed,
    )


def _number(text: str, code: str) -> int:
    if not text.isdigit() or len(text) > 4:
        raise InvalidValue(code, "a whole number is expected")
    return int(text)


def _values_of(settings: CalendarSettings) -> FormValues:
    hours = {
        day: [tuple(r) for r in settings.opening_hours.get(day, [])][:RANGES] for day in WEEKDAYS
    }
    return FormValues(
        str(settings.capacity),
        str(settings.staff_count),
        str(settings.slot_minutes),
        {day: [(s, e) for s, e in ranges] for day, ranges in hours.items()},
        [d.isoformat() for d in settings.closed_dates],
    )


def _pending_json(values: FormValues) -> str:
    return json.dumps(
        {
            "capacity": values.capacity,
            "staff_count": values.staff_count,
            "slot_minutes": values.slot_minutes,
            "hours": {
                day: [list(r) for r in ranges if any(r)] for day, ranges in values.hours.items()
            },
            "closed": values.closed,
        },
        separators=(",", ":"),
    )


# ------------------------------------------------------------------ rendering


def _error(request: Request, key: str) -> Safe:
    return alerts((workshop_texts(page_lang(request))[key], "error"))


def _page(
    request: Request,
    session: StaffSession,
    known: Catalogue,
    chosen: tuple[str, str] | None,
    values: FormValues | None,
    alert: Safe | str = "",
    status: int = 200,
) -> Response:
    lang = page_lang(request)
    t = workshop_texts(lang)
    if alert and not isinstance(alert, Safe):
        alert = alerts((alert, "error"))
    parts = [_selector(known, chosen, t, lang)]
    if chosen is not None and values is not None:
        parts.append(_settings_form(session, known, chosen, values, t, lang))
    return staff_page(
        request,
        session,
        page="services",
        title_key="services_title",
        lead_key="services_lead",
        content=Safe("\n".join(parts)),
        alert=alert,
        status=status,
    )


def _selector(
    known: Catalogue, chosen: tuple[str, str] | None, t: dict[str, str], lang: str
) -> Safe:
    groups = []
    for agency in sorted(known.offered, key=known.agency_name):
        options = "".join(
            tag(
                "option",
                f"{known.agency_name(agency)} · {known.service_name(service, lang)}",
                value=f"{agency}:{service}",
                selected=chosen == (agency, service),
            )
            for service in known.offered[agency]
        )
        groups.append(tag("optgroup", Safe(options), label=known.agency_name(agency)))
    select = tag("select", Safe("".join(groups)), id="calendar", name_="calendar")
    return Safe(
        '<section class="panel"><form class="filters" method="get" action="'
        + PATH
        + '" data-services="selector">'
        + tag("label", Safe(t["choose_calendar"] + select), for_="calendar")
        + tag("button", t["open"], class_="btn btn-small", type="submit")
        + "</form></section>"
    )


def _settings_form(
    session: StaffSession,
    known: Catalogue,
    chosen: tuple[str, str],
    values: FormValues,
    t: dict[str, str],
    lang: str,
) -> Safe:
    agency, service = chosen
    heading = f"{known.agency_name(agency)} · {known.service_name(service, lang)}"
    numbers = "".join(
        tag(
            "label",
            Safe(
                t[name]
                + element(
                    "input",
                    type="number",
                    name=name,
                    value=getattr(values, name),
                    min=low,
                    max=high,
                    required=True,
                )
            ),
            class_="field",
        )
        for name, low, high in (
            ("capacity", 1, 50),
            ("staff_count", 1, 50),
            ("slot_minutes", 5, 480),
        )
    )
    rows = []
    for index, day in enumerate(WEEKDAYS):
        ranges = list(values.hours.get(day, [])) + [("", "")] * RANGES
        cells = [tag("th", WEEKDAY_NAMES[lang][index], scope="row")]
        for n in range(1, RANGES + 1):
            start, end = ranges[n - 1]
            label = t["morning" if n == 1 else "afternoon"]
            cells.append(
                tag(
                    "td",
                    Safe(
                        element(
                            "input",
                            type="time",
                            name=f"{day}_{n}_start",
                            value=start,
                            aria_label=f"{WEEKDAY_NAMES[lang][index]} {label} {t['from']}",
                        )
                        + f" {t['to']} "
                        + element(
                            "input",
                            type="time",
                            name=f"{day}_{n}_end",
                            value=end,
                            aria_label=f"{WEEKDAY_NAMES[lang][index]} {label} {t['to']}",
                        )
                    ),
                )
            )
        rows.append(tag("tr", Safe("".join(cells)), data_day=day))
    head = tag("tr", Safe(tag("th", "") + tag("th", t["morning"]) + tag("th", t["afternoon"])))
    hours_table = tag(
        "table",
        Safe(tag("thead", head) + tag("tbody", Safe("".join(rows)))),
        class_="data-table hours-table",
    )
    closed_items = "".join(
        tag(
            "li",
            Safe(
                tag("span", _day_label(day, lang))
                + hidden(f"closed_{i}", day)
                + tag(
                    "label",
                    Safe(
                        element("input", type="checkbox", name=f"remove_{i}", value="1")
                        + t["remove"]
                    ),
                )
            ),
            data_closed=day,
        )
        for i, day in enumerate(values.closed)
    )
    closed = (
        tag("ul", Safe(closed_items), class_="closed-list")
        if closed_items
        else tag("p", t["closed_none"], class_="empty")
    )
    body = (
        f'<form class="stack-form" method="post" action="{PATH}" data-services="settings">'
        + hidden("csrf_token", session.csrf_token)
        + hidden("agency", agency)
        + hidden("service", service)
        + tag("h2", heading)
        + tag("div", Safe(numbers), class_="settings-grid")
        + tag("p", t["effective_hint"], class_="hint")
        + tag("h3", t["opening_hours"])
        + tag("p", t["day_closed_hint"], class_="hint")
        + hours_table
        + tag("h3", t["closed_dates"])
        + closed
        + tag(
            "label",
            Safe(t["closed_add"] + element("input", type="date", name="closed_new")),
            class_="field",
        )
        + tag(
            "div",
            tag("button", t["save"], class_="btn", type="submit", name_="decision", value="save"),
            class_="button-row",
        )
        + "</form>"
    )
    return tag("section", Safe(body), class_="panel")


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
    rows = "".join(
        tag(
            "tr",
            Safe(
                tag("td", c.booking.reference, class_="ref")
                + tag("td", when(c.booking.start_utc, tz, lang))
                + tag("td", c.booking.customer_name or t["anonymous_customer"])
                + tag("td", c.booking.channel)
                + tag("td", t[f"reason_{c.reason}"])
            ),
            data_conflict=c.booking.reference,
        )
        for c in conflicts
    )
    head = "".join(
        tag("th", t[key])
        for key in ("col_reference", "col_when", "col_customer", "col_channel", "col_reason")
    )
    table = tag(
        "table",
        Safe(tag("thead", tag("tr", Safe(head))) + tag("tbody", Safe(rows))),
        class_="data-table",
    )
    buttons = (
        tag(
            "button",
            t["keep_bookings"],
            class_="btn",
            type="submit",
            name_="decision",
            value="keep",
        )
        + tag(
            "button",
            t["cancel_bookings"],
            class_="btn btn-danger",
            type="submit",
            name_="decision",
            value="cancel",
        )
        + tag(
            "button",
            t["back_to_form"],
            class_="btn btn-ghost",
            type="submit",
            name_="decision",
            value="back",
        )
    )
    names = f"{known.agency_name(agency)} · {known.service_name(service, lang)}"
    heading = f"{t['conflicts_title']} — {names}"
    body = (
        tag("h2", heading)
        + tag("p", t["conflicts_lead"].format(count=len(conflicts)), class_="hint")
        + table
        + f'<form class="stack-form" method="post" action="{PATH}" data-services="decision">'
        + hidden("csrf_token", session.csrf_token)
        + hidden("agency", agency)
        + hidden("service", service)
        + hidden("pending", _pending_json(values))
        + hidden("seen", ",".join(c.booking.reference for c in conflicts))
        + tag("div", Safe(buttons), class_="button-row")
        + "</form>"
    )
    alert = alerts((t["conflicts_changed"], "error")) if changed else ""
    return staff_page(
        request,
        session,
        page="services",
        title_key="services_title",
        lead_key="services_lead",
        content=tag("section", Safe(body), class_="panel", data_services="conflicts"),
        alert=alert,
        status=409,
    )
