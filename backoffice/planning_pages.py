"""The manager's planning and dashboard (issue 16, item 7).

`/staff/planning`: one calendar (agency, service) by day or week: bookings per slot, free
places, the agency's repair jobs in the workshop and each mechanic's load, and the incoming
requests (bookings nobody has looked at) to mark seen or move to a free slot. Advisors,
managers and admins read it (`WorkshopPage`); marking and moving are for managers and
admins (`PlanningPage`). `/staff/dashboard`: the figures of the last 12 weeks, per agency or
for all (`PlanningPage`). Server-rendered, no script; forms carry the CSRF token and post
with the page's query string, so the answer shows the same view.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from backoffice.api.deps import Core, CoreDep
from backoffice.auth import PLANNING_STAFF, StaffSession, form_fields
from backoffice.booking_list import BOOKING_REFERENCE
from backoffice.page_auth import PlanningPage, WorkshopPage
from backoffice.planning_views import day_cards, figures, week_chart
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
from backoffice.workshop_texts import code_text, workshop_texts
from core.bookings import free_slots
from core.calendars import local_day
from core.dashboard import dashboard
from core.errors import (
    BookingNotMovable,
    Forbidden,
    NotFound,
    PitlaneError,
    SlotTaken,
    SlotUnavailable,
)
from core.formatting import format_day, format_number
from core.planning import acknowledge, incoming_requests, move_request, planning
from core.staff_agencies import staff_agency

router = APIRouter(prefix="/staff", include_in_schema=False)
Reference = Annotated[str, Path(max_length=40)]
MOVE_DAYS = 14  # a request may move to a free slot of the next two weeks
MOVE_CHOICES = 40
INCOMING_SHOWN = 20


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


async def _default_agency(core: Core, session: StaffSession, known: Catalogue) -> str:
    """The staff member's agency, else the first agency by name."""
    own = await core.run(staff_agency, session.staff.id)
    if own in known.agency_names:
        return own
    return sorted(known.agency_names, key=lambda code: known.agency_names[code])[0]


async def _planned_agencies(core: Core, session: StaffSession, known: Catalogue) -> list[str]:
    """The agencies whose planning the staff member sees: a manager tied to an agency, that
    one (core.planning.plans_agency holds the same rule for the changes); others, all."""
    own = await core.run(staff_agency, session.staff.id)
    if session.staff.role == "manager" and own in known.agency_names:
        return [own]
    return sorted(known.agency_names, key=lambda code: known.agency_names[code])


@router.get("/planning")
async def get_planning_page(request: Request, core: CoreDep, session: WorkshopPage) -> Response:
    """One calendar's day or week: bookings, free places, jobs, mechanics, incoming requests."""
    return await _planning_page(request, core, session)


@router.post("/planning/{reference}/seen")
async def post_planning_seen(
    reference: Reference, request: Request, core: CoreDep, session: PlanningPage
) -> Response:
    """Mark an incoming request seen: it leaves the list."""
    t = workshop_texts(page_lang(request))
    try:
        if not BOOKING_REFERENCE.match(reference):
            raise NotFound("unknown_booking", "no such booking")
        await core.run(acknowledge, reference, staff_id=session.staff.id, now=core.now())
    except NotFound:
        return await _planning_page(
            request, core, session, alerts((t["error_not_found"], "error")), 404
        )
    except Forbidden as exc:
        problem = alerts((code_text(t, exc.code, exc.message), "error"))
        return await _planning_page(request, core, session, problem, 403)
    done = t["planning_seen_done"].format(reference=reference.strip().upper())
    return await _planning_page(request, core, session, alerts((done, "success")))


@router.post("/planning/{reference}/move")
async def post_planning_move(
    reference: Reference, request: Request, core: CoreDep, session: PlanningPage
) -> Response:
    """Move a booking to another free slot of its calendar (the capacity guard decides)."""
    t = workshop_texts(page_lang(request))
    lang = page_lang(request)
    fields = await form_fields(request)
    try:
        if not BOOKING_REFERENCE.match(reference):
            raise NotFound("unknown_booking", "no such booking")
        start = _aware(fields.get("start", ""))
        moved = await core.run(
            move_request, reference, start, staff_id=session.staff.id, now=core.now()
        )
    except NotFound:
        return await _planning_page(
            request, core, session, alerts((t["error_not_found"], "error")), 404
        )
    except Forbidden as exc:
        problem = alerts((code_text(t, exc.code, exc.message), "error"))
        return await _planning_page(request, core, session, problem, 403)
    except (SlotTaken, BookingNotMovable) as exc:
        problem = alerts((code_text(t, exc.code, exc.message), "error"))
        return await _planning_page(request, core, session, problem, 409)
    except (SlotUnavailable, PitlaneError) as exc:
        problem = alerts((code_text(t, exc.code, exc.message), "error"))
        return await _planning_page(request, core, session, problem, 422)
    done = t["planning_moved"].format(
        reference=moved.reference, when=when(moved.start_utc, timezone_of(core), lang)
    )
    return await _planning_page(request, core, session, alerts((done, "success")))


def _aware(text: str) -> datetime:
    """The ISO start a move form sends (UTC, with its offset); SlotUnavailable otherwise."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise SlotUnavailable("not_a_slot", "choose one of the free slots")
    return moment


async def _planning_page(
    request: Request,
    core: Core,
    session: StaffSession,
    alert: Sequence[Alert] = (),
    status: int = 200,
) -> HTMLResponse:
    lang = page_lang(request)
    t = workshop_texts(lang)
    tz = timezone_of(core)
    known = await catalogue(core)
    query = request.query_params
    allowed = await _planned_agencies(core, session, known)
    agency = query.get("agency") or ""
    if agency not in allowed:
        agency = await _default_agency(core, session, known)
    offered = known.offered.get(agency, [])
    service = query.get("service") or ""
    if service not in offered:
        service = "maintenance" if "maintenance" in offered else (offered or [""])[0]
    today = local_day(core.now(), tz)
    day = _day(query.get("day")) or today
    span = "day" if query.get("span") == "day" else "week"
    plan = await core.run(planning, agency, service, day, span, core.now())
    step = timedelta(days=1 if span == "day" else 7)
    can_act = session.staff.role in PLANNING_STAFF
    incoming = await core.run(incoming_requests, agency, core.now(), INCOMING_SHOWN)
    requests = []
    for booking in incoming:
        choices = []
        if can_act:
            free = await core.run(
                free_slots,
                booking.agency,
                booking.service,
                core.now(),
                today,
                today + timedelta(days=MOVE_DAYS),
            )
            choices = [
                (slot.start_utc.isoformat(), when(slot.start_utc, tz, lang))
                for slot in free
                if slot.start_utc != booking.start_utc
            ][:MOVE_CHOICES]
        requests.append(
            {
                "reference": booking.reference,
                "when": when(booking.start_utc, tz, lang),
                "service": known.service_name(booking.service, lang),
                "customer": (booking.customer_name or t["anonymous_customer"]).split()[0],
                "choices": choices,
            }
        )

    def link(**changes: str) -> str:
        values = {"agency": agency, "service": service, "day": day.isoformat(), "span": span}
        values.update(changes)
        return "/staff/planning?" + "&".join(f"{k}={v}" for k, v in values.items())

    agencies = [(code, known.agency_names[code]) for code in allowed]
    services = [(code, known.service_name(code, lang)) for code in sorted(offered)]
    jobs = [
        {
            "id": job.id,
            "vehicle": job.vehicle or t["planning_no_vehicle"],
            "customer": job.customer_name or t["anonymous_customer"],
            "status": t.get(f"planning_job_{job.status}", job.status),
            "mechanic": job.mechanic_name or t["planning_unassigned"],
        }
        for job in plan.jobs
    ]
    mechanics = [
        (m.name, t["planning_load"].format(count=format_number(m.jobs, lang)))
        for m in plan.mechanics
    ]
    first, last = plan.days[0].day, plan.days[-1].day
    period = (
        format_day(first, lang)
        if span == "day"
        else t["planning_week"].format(first=format_day(first, lang), last=format_day(last, lang))
    )
    return workshop_page(
        request,
        session,
        "planning.html",
        page="planning",
        title_key="planning_title",
        lead_key="planning_lead",
        alerts=alert,
        status=status,
        agency_choices=agencies,
        agency=agency,
        service_choices=services,
        service=service,
        day=day.isoformat(),
        span=span,
        span_choices=[("week", t["planning_span_week"]), ("day", t["planning_span_day"])],
        period=period,
        previous_link=link(day=(day - step).isoformat()),
        next_link=link(day=(day + step).isoformat()),
        today_link=link(day=today.isoformat()),
        days=day_cards(plan, t, lang, tz, today),
        jobs=jobs,
        unassigned=plan.unassigned,
        mechanics=mechanics,
        requests=requests,
        can_act=can_act,
        view_query="?" + link().split("?", 1)[1],
    )


@router.get("/dashboard")
async def get_dashboard_page(request: Request, core: CoreDep, session: PlanningPage) -> Response:
    """The last 12 weeks' figures of an agency (or all): charts and the same numbers as tables."""
    lang = page_lang(request)
    t = workshop_texts(lang)
    known = await catalogue(core)
    wanted = request.query_params.get("agency")
    if wanted is None:  # first visit: the manager's own agency, if any
        wanted = await core.run(staff_agency, session.staff.id) or "all"
    agency = wanted if wanted in known.agency_names else None
    board = await core.run(dashboard, agency, core.now())
    weeks = list(board.weeks)
    charts = [
        week_chart(
            "bookings", t["dashboard_chart_bookings"], [(w.week, w.bookings) for w in weeks], lang
        ),
        week_chart("jobs", t["dashboard_chart_jobs"], [(w.week, w.jobs) for w in weeks], lang),
        week_chart(
            "no_shows", t["dashboard_chart_no_shows"], [(w.week, w.no_shows) for w in weeks], lang
        ),
    ]
    satisfaction = [
        {
            "agency": s.agency,
            "name": s.agency_name,
            "average": "—" if s.average is None else format_number(s.average, lang, decimals=1),
            "count": format_number(s.count, lang),
        }
        for s in board.satisfaction
    ]
    agencies = sorted(known.agency_names.items(), key=lambda item: item[1])
    return workshop_page(
        request,
        session,
        "dashboard.html",
        page="dashboard",
        title_key="dashboard_title",
        lead_key="dashboard_lead",
        agency_choices=[("all", t["dashboard_all_agencies"]), *agencies],
        agency=agency or "all",
        figures=figures(board, t, lang),
        charts=charts,
        week_rows=[(format_day(w.week, lang), w.bookings, w.jobs, w.no_shows) for w in weeks],
        satisfaction=satisfaction,
    )
