"""Staff pages of the repair jobs (issue 16): a mechanic's planning (`/staff/workshop`), a
job's page and its forms (status, note, expected completion, assignment), the check-in of a
booking and the walk-in form.

Server-rendered, no script. Each change form carries the version of the job it was drawn
from: a change made meanwhile by someone else answers 409 with who made it and when, and
changes nothing. A change done redirects (303) to the job's page, so a reload posts nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from backoffice.api.deps import Core, CoreDep
from backoffice.auth import ASSIGNING_STAFF, StaffSession, form_fields
from backoffice.job_notices import JobNotices
from backoffice.job_views import (
    earlier_job,
    event_line,
    local_input,
    mechanic_choices,
    parse_local_input,
    period,
    planning_row,
    status_of,
)
from backoffice.page_auth import AssigningPage, JobPage, MechanicPlanningPage, WorkshopPage
from backoffice.staff_pages import page_lang
from backoffice.views import Alert, error_page
from backoffice.workshop_layout import alerts, catalogue, timezone_of, workshop_page
from backoffice.workshop_texts import workshop_texts
from core import estimates, invoices, jobs
from core.errors import InvalidTransition, InvalidValue, JobAlreadyOpen, NotFound, StaleVersion
from core.formatting import format_money, format_slot, local_time
from core.i18n import messages
from core.job_intake import WalkIn, check_in_of, receive_walk_in
from core.job_states import ESTIMATE_STATUSES, staff_moves
from core.staff import list_staff

router = APIRouter(prefix="/staff", include_in_schema=False)

JobId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Reference = Annotated[str, Path(max_length=40)]
SAVED = ("moved", "noted", "expected", "assigned", "opened")  # ?saved=... after a change
FIELD_MAX = 4000


def job_texts(lang: str) -> dict[str, str]:
    """The workshop pages' strings, the jobs' and the estimates' ones (the `jobs` and
    `estimates` catalogue contexts)."""
    return {**workshop_texts(lang), **messages("jobs", lang), **messages("estimates", lang)}


# ------------------------------------------------------------------ planning


@router.get("/workshop")
async def get_workshop_page(
    request: Request, core: CoreDep, session: MechanicPlanningPage
) -> Response:
    """A mechanic's jobs of a day or a week; managers and admins pick the mechanic."""
    lang = page_lang(request)
    t = job_texts(lang)
    tz = timezone_of(core)
    query = request.query_params
    today = local_time(core.now(), tz).date()
    day = _date(query.get("day", "")) or today
    span = "week" if query.get("span") == "week" else "day"
    choices: list[tuple[str, str]] = []
    mechanic: int | None = session.staff.id
    if session.staff.role != "mechanic":  # a manager or an admin: any active mechanic
        choices = mechanic_choices(await core.run(list_staff))
        wanted = query.get("mechanic", "")
        known = [value for value, _ in choices]
        mechanic = int(wanted) if wanted in known else (int(known[0]) if known else None)
    found = await core.run(jobs.jobs_for_mechanic, mechanic, day, span) if mechanic else []
    chosen = str(mechanic) if mechanic else ""
    return workshop_page(
        request,
        session,
        "workshop_planning.html",
        page="workshop",
        title_key="planning_title",
        lead_key="planning_lead",
        texts=t,
        span=span,
        day=day.isoformat(),
        mechanic_choices=choices,
        mechanic=chosen,
        period=period(day, span, mechanic if choices else None, today, lang),
        rows=[planning_row(job, t, lang, tz) for job in found],
    )


# ------------------------------------------------------------------ walk-in


@router.get("/jobs/new")
async def get_walk_in_page(request: Request, core: CoreDep, session: WorkshopPage) -> Response:
    """The walk-in form: a vehicle brought in without a booking."""
    return await _walk_in_page(request, core, session, {})


@router.post("/jobs/new")
async def post_walk_in(
    request: Request, core: CoreDep, session: WorkshopPage, notices: JobNotices
) -> Response:
    """Open the job of a walk-in (its customer and vehicle found or recorded); its page."""
    fields = await form_fields(request)
    t = job_texts(page_lang(request))
    typed = {key: fields.get(key, "")[:FIELD_MAX] for key in WALK_IN_FIELDS}
    try:
        job = await core.run(
            receive_walk_in,
            WalkIn(agency_code=typed["agency"], **{k: typed[k] for k in WALK_IN_FIELDS[1:]}),
            by_staff_id=session.staff.id,
            now=core.now(),
        )
    except (InvalidValue, NotFound) as exc:
        problem = alerts((t.get(f"code_{exc.code}", exc.message), "error"))
        return await _walk_in_page(request, core, session, typed, problem, 422)
    notices.after_commit(job.id)  # "we have your vehicle": told to a known customer
    return _to_job(job.id, "opened")


WALK_IN_FIELDS = ("agency", "plate", "problem", "contact", "name", "brand", "model")


async def _walk_in_page(
    request: Request,
    core: Core,
    session: StaffSession,
    typed: dict[str, str],
    alert: Sequence[Alert] = (),
    status: int = 200,
) -> Response:
    t = job_texts(page_lang(request))
    known = await catalogue(core)
    agencies = sorted(known.agency_names.items(), key=lambda item: item[1])
    return workshop_page(
        request,
        session,
        "walk_in.html",
        page="bookings",
        title_key="walk_in_title",
        lead_key="walk_in_lead",
        texts=t,
        alerts=alert,
        status=status,
        agency_choices=agencies,
        typed={key: typed.get(key, "") for key in WALK_IN_FIELDS},
    )


# ------------------------------------------------------------------ check-in


@router.get("/bookings/{reference}/check-in")
async def get_check_in_page(
    reference: Reference, request: Request, core: CoreDep, session: WorkshopPage
) -> Response:
    """The check-in form of a booking (its job's page when it already has one)."""
    try:
        found = await core.run(check_in_of, reference)
    except NotFound:
        return error_page(request, 404, "http_404")
    if found.job_id is not None:
        return _to_job(found.job_id)
    return await _check_in_page(request, core, session, found)


@router.post("/bookings/{reference}/check-in")
async def post_check_in(
    reference: Reference,
    request: Request,
    core: CoreDep,
    session: WorkshopPage,
    notices: JobNotices,
) -> Response:
    """Open the booking's job for the chosen vehicle; its page (an existing job: that one)."""
    fields = await form_fields(request)
    t = job_texts(page_lang(request))
    vehicle = fields.get("vehicle", "")
    try:
        if not vehicle.isdigit() or len(vehicle) > 10:
            raise InvalidValue("missing_vehicle_choice", "choose the vehicle")
        job = await core.run(
            jobs.open_from_booking,
            reference,
            vehicle_id=int(vehicle),
            by_staff_id=session.staff.id,
            now=core.now(),
            problem=fields.get("problem", "")[:FIELD_MAX].strip() or None,
            mileage_km=_mileage(fields.get("mileage", "")),
        )
    except JobAlreadyOpen as exc:
        return _to_job(exc.job_id or 0)
    except NotFound as exc:
        if exc.code == "unknown_booking":
            return error_page(request, 404, "http_404")
        found = await core.run(check_in_of, reference)
        problem = alerts((t.get(f"code_{exc.code}", exc.message), "error"))
        return await _check_in_page(request, core, session, found, problem, 422)
    except InvalidValue as exc:
        found = await core.run(check_in_of, reference)
        known = {**messages("vehicle_history", page_lang(request)), **t}  # mileage refusals
        problem = alerts((known.get(f"code_{exc.code}", exc.message), "error"))
        return await _check_in_page(request, core, session, found, problem, 422)
    notices.after_commit(job.id)
    return _to_job(job.id, "opened")


def _mileage(text: str) -> int | None:
    """The odometer typed at check-in ("12 345"); None when left empty."""
    digits = text.replace(" ", "").replace("\u202f", "").replace("\xa0", "").strip()
    if not digits:
        return None
    if not digits.isascii() or not digits.isdigit() or len(digits) > 7:
        raise InvalidValue("not_a_mileage", "the mileage in digits")
    return int(digits)


async def _check_in_page(
    request: Request,
    core: Core,
    session: StaffSession,
    found,
    alert: Sequence[Alert] = (),
    status: int = 200,
) -> Response:
    lang = page_lang(request)
    t = job_texts(lang)
    known = await catalogue(core)
    booking = found.booking
    vehicles = [
        (str(v.id), f"{v.brand} {v.model}" + (f" ({v.plate})" if v.plate else ""))
        for v in found.vehicles
    ]
    return workshop_page(
        request,
        session,
        "check_in.html",
        page="bookings",
        title_key="check_in_title",
        lead_key="check_in_lead",
        texts=t,
        alerts=alert,
        status=status,
        reference=booking.reference,
        summary=" · ".join(
            (
                format_slot(booking.start_utc, timezone_of(core), lang),
                booking.agency_name,
                known.service_name(booking.service, lang),
                booking.customer_name or t["anonymous_customer"],
            )
        ),
        vehicles=vehicles,
        problem=found.problem,
        cancelled=booking.status == "cancelled",
    )


# ------------------------------------------------------------------ a job


@router.get("/jobs/{job_id}")
async def get_job_page(
    job_id: JobId, request: Request, core: CoreDep, session: JobPage
) -> Response:
    """A job: problem, photos, the vehicle's earlier jobs, its history and its forms."""
    saved = request.query_params.get("saved", "")
    t = job_texts(page_lang(request))
    done = alerts((t[f"saved_{saved}"], "success")) if saved in SAVED else []
    return await _job_page(request, core, session, job_id, done)


@router.post("/jobs/{job_id}/move")
async def post_job_move(
    job_id: JobId, request: Request, core: CoreDep, session: JobPage, notices: JobNotices
) -> Response:
    """Move the job to one of its next statuses, if nobody changed it meanwhile; not to the
    estimate's (sent, approved, declined: the estimate's page), 409. The customer is told
    once it is done."""
    fields = await form_fields(request)
    if fields.get("to", "") in ESTIMATE_STATUSES:
        t = job_texts(page_lang(request))
        refused = InvalidTransition("use_estimate_routes", "send the estimate or record the answer")
        return await _refused(request, core, session, job_id, t, refused, 409)
    response = await _change(
        request,
        core,
        session,
        job_id,
        "moved",
        jobs.move,
        fields.get("to", "")[:40],
        expected_version=_version(fields.get("version", "")),
        note=fields.get("note", "")[:FIELD_MAX] or None,
    )
    if response.status_code == 303:  # moved
        notices.after_commit(job_id)
    return response


@router.post("/jobs/{job_id}/notes")
async def post_job_note(
    job_id: JobId, request: Request, core: CoreDep, session: JobPage
) -> Response:
    """Add a note to the job's history (no status change)."""
    fields = await form_fields(request)
    text = fields.get("text", "")[: jobs.NOTE_MAX + 1]
    return await _change(request, core, session, job_id, "noted", jobs.add_note, text)


@router.post("/jobs/{job_id}/expected")
async def post_job_expected(
    job_id: JobId, request: Request, core: CoreDep, session: JobPage
) -> Response:
    """Set (or clear) the job's expected completion, if nobody changed the job meanwhile."""
    fields = await form_fields(request)
    when = None
    if fields.get("action") != "clear":
        when = parse_local_input(fields.get("expected", "")[:40], timezone_of(core))
        if when is None:
            t = job_texts(page_lang(request))
            problem = alerts((t["code_invalid_expected"], "error"))
            return await _job_page(request, core, session, job_id, problem, 422)
    return await _change(
        request,
        core,
        session,
        job_id,
        "expected",
        jobs.set_expected_completion,
        when,
        expected_version=_version(fields.get("version", "")),
    )


@router.post("/jobs/{job_id}/assign")
async def post_job_assign(
    job_id: JobId, request: Request, core: CoreDep, session: AssigningPage
) -> Response:
    """Give the job to an active mechanic (or nobody), if nobody changed it meanwhile."""
    fields = await form_fields(request)
    chosen = fields.get("mechanic", "")
    mechanic = int(chosen) if chosen.isdigit() and len(chosen) < 10 else None
    if chosen and mechanic is None:
        mechanic = 0  # not a staff id: refused by core as unknown
    return await _change(
        request,
        core,
        session,
        job_id,
        "assigned",
        jobs.assign_mechanic,
        mechanic,
        expected_version=_version(fields.get("version", "")),
    )


async def _change(
    request: Request,
    core: Core,
    session: StaffSession,
    job_id: int,
    saved: str,
    function,
    *args,
    **kwargs,
) -> Response:
    """Call `function(uow, job_id, *args, by_staff_id=, now=, **kwargs)`; the job's page
    again (303) when done, else the page with what was refused."""
    t = job_texts(page_lang(request))
    try:
        await core.run(
            function, job_id, *args, by_staff_id=session.staff.id, now=core.now(), **kwargs
        )
    except NotFound as exc:
        if exc.code == "unknown_job":
            return error_page(request, 404, "http_404")
        return await _refused(request, core, session, job_id, t, exc, 422)
    except StaleVersion as exc:
        problem = alerts((await stale_text(core, exc, t), "error"))
        return await _job_page(request, core, session, job_id, problem, 409)
    except InvalidTransition as exc:
        return await _refused(request, core, session, job_id, t, exc, 409)
    except InvalidValue as exc:
        return await _refused(request, core, session, job_id, t, exc, 422)
    return _to_job(job_id, saved)


async def stale_text(core: Core, exc: StaleVersion, t: dict[str, str]) -> str:
    """ "Modified by X at HH:MM: nothing was changed..." of a change someone was quicker to."""
    name = await _staff_name(core, exc.changed_by) or t["job_someone"]
    at = (
        local_time(exc.changed_at, timezone_of(core)).strftime("%H:%M")
        if exc.changed_at
        else "--:--"
    )
    return t["stale_version"].format(name=name, time=at)


async def _refused(request, core, session, job_id, t, exc, status: int) -> Response:
    problem = alerts((t.get(f"code_{exc.code}", exc.message), "error"))
    return await _job_page(request, core, session, job_id, problem, status)


async def _staff_name(core: Core, staff_id: int | None) -> str | None:
    if staff_id is None:
        return None
    return next((s.name for s in await core.run(list_staff) if s.id == staff_id), None)


async def _job_page(
    request: Request,
    core: Core,
    session: StaffSession,
    job_id: int,
    alert: Sequence[Alert] = (),
    status: int = 200,
) -> Response:
    lang = page_lang(request)
    t = job_texts(lang)
    tz = timezone_of(core)
    try:
        job = await core.run(jobs.get_job, job_id)
    except NotFound:
        return error_page(request, 404, "http_404")
    earlier = []
    if job.vehicle_id is not None:
        earlier = [j for j in await core.run(jobs.vehicle_jobs, job.vehicle_id) if j.id != job.id]
    staff = await core.run(list_staff)
    names = {s.id: s.name for s in staff}
    estimate = await core.run(estimates.estimate_of, job_id)
    invoice = await core.run(invoices.invoice_of_job, job_id)
    return workshop_page(
        request,
        session,
        "job.html",
        page="workshop",
        title_key="job_title",
        lead_key="job_lead",
        texts={**t, "job_title": t["job_title"].format(id=job.id)},
        alerts=alert,
        status=status,
        job=job,
        job_status=status_of(job.status, t),
        vehicle=job.vehicle or t["job_no_vehicle"],
        customer=job.customer_name or t["job_no_customer"],
        mechanic=job.mechanic_name or t["job_unassigned"],
        expected=format_slot(job.expected_completion, tz, lang)
        if job.expected_completion
        else t["job_no_expected"],
        expected_value=local_input(job.expected_completion, tz),
        opened=format_slot(job.created_at, tz, lang),
        photos=[f"/staff/attachments/{photo}" for photo in job.photo_ids],
        moves=[status_of(code, t) for code in staff_moves(job.status)],
        moves_via_estimate=any(code in ESTIMATE_STATUSES for code in job.next_statuses),
        closed=not job.next_statuses,
        estimate_summary=_estimate_summary(estimate, t, lang),
        invoice_number=t["job_invoice_number"].format(number=invoice.number) if invoice else "",
        events=[event_line(e, names, t, lang, tz) for e in reversed(job.events)],
        earlier=[earlier_job(j, t, lang, tz) for j in earlier],
        can_assign=session.staff.role in ASSIGNING_STAFF,
        mechanic_choices=[("", t["job_unassigned"]), *mechanic_choices(staff)],
        note_max=jobs.NOTE_MAX,
    )


def _estimate_summary(estimate: estimates.EstimateView | None, t: dict[str, str], lang: str) -> str:
    """ "Estimate: approved · 1 234,50 € incl. VAT" (no line yet: says so)."""
    if estimate is None or not estimate.lines:
        return t["job_estimate_none"]
    return t["job_estimate_summary"].format(
        status=t[f"estimate_status_{estimate.status}"],
        total=format_money(estimate.totals.incl_cents, lang),
    )


def _to_job(job_id: int, saved: str = "") -> Response:
    suffix = f"?saved={saved}" if saved else ""
    return RedirectResponse(f"/staff/jobs/{job_id}{suffix}", status_code=303)


def _version(text: str) -> int:
    """The version a form carries; 0 (never a job's) when missing, so the change is stale."""
    return int(text) if text.isdigit() and len(text) < 10 else 0


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
