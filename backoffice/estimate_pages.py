"""The estimate and invoice page of a repair job (`/staff/jobs/{id}/estimate`, issue 16):
its lines and totals, the forms that add and remove lines while the job is received or
diagnosing, sending it to the customer, the answer the customer gave at the counter or on
the phone, and the invoice once the work is done.

Server-rendered, no script; every form carries the CSRF token. A change done redirects
(303) to the page, so a reload posts nothing; a refused one draws the page again with the
reason (422 bad input, 409 the job or the estimate moved on) and changes nothing. Who may:
the job's staff (`JobPage`) for the lines and sending; the counter's roles for the
customer's answer (`EstimateDecisionPage`) and the invoice (`InvoicePage`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from backoffice.api.deps import Core, CoreDep
from backoffice.auth import ESTIMATE_DECISION_STAFF, INVOICE_STAFF, StaffSession, form_fields
from backoffice.errors import domain_status
from backoffice.estimate_views import (
    add_forms,
    estimate_state,
    invoice_text,
    line_row,
    rate,
    read_page_data,
    total_rows,
)
from backoffice.job_notices import JobNotices
from backoffice.job_pages import job_texts, stale_text
from backoffice.job_views import status_of
from backoffice.page_auth import EstimateDecisionPage, InvoicePage, JobPage
from backoffice.staff_pages import page_lang
from backoffice.views import Alert, error_page
from backoffice.workshop_layout import alerts, timezone_of, workshop_page
from backoffice.workshop_texts import code_text
from core import estimates, invoices
from core.errors import InvalidValue, NotFound, PitlaneError, StaleVersion
from core.formatting import format_hundredths
from core.invoices import INVOICEABLE
from core.money import parse_decimal

router = APIRouter(prefix="/staff", include_in_schema=False)

JobId = Annotated[int, Path(ge=1, le=2**31 - 1)]
LineId = Annotated[int, Path(ge=1, le=2**31 - 1)]
SAVED = ("added", "removed", "sent", "decided", "invoiced")  # ?saved=... after a change
LINE_FIELDS = ("kind", "label", "quantity", "unit_price", "vat_rate")
NUMBER_MAX = 40  # characters of a typed number (core refuses more than 12 digits anyway)
COLUMNS = ("kind", "label", "quantity", "unit_price", "vat", "amount")


@router.get("/jobs/{job_id}/estimate")
async def get_estimate_page(
    job_id: JobId, request: Request, core: CoreDep, session: JobPage
) -> Response:
    """The job's estimate: lines, totals, its state, and the forms the job's stage allows."""
    saved = request.query_params.get("saved", "")
    t = job_texts(page_lang(request))
    done = alerts((t[f"estimate_saved_{saved}"], "success")) if saved in SAVED else []
    return await _page(request, core, session, job_id, done)


@router.post("/jobs/{job_id}/estimate/lines")
async def post_estimate_line(
    job_id: JobId, request: Request, core: CoreDep, session: JobPage
) -> Response:
    """Add a line (a part, labour hours at a rate, another amount) to the draft estimate."""
    fields = await form_fields(request)
    typed = {key: fields.get(key, "")[: estimates.LABEL_MAX + 1] for key in LINE_FIELDS}
    kind = typed["kind"]
    # "other" is one amount: its form has no quantity
    quantity = typed["quantity"] or ("1" if kind == "other" else "")
    try:
        quantity_centi = parse_decimal(quantity[:NUMBER_MAX], 100, "quantity")
        price_cents = parse_decimal(typed["unit_price"][:NUMBER_MAX], 100, "price")
        vat = typed["vat_rate"].strip()[:NUMBER_MAX]
        vat_bp = parse_decimal(vat, 100, "vat_rate") if vat else None
    except InvalidValue as exc:
        return await _refused(request, core, session, job_id, exc, 422, typed)
    return await _act(
        request,
        core,
        session,
        job_id,
        "added",
        estimates.add_line,
        kind=kind,
        label=typed["label"],
        quantity_centi=quantity_centi,
        unit_price_cents=price_cents,
        vat_rate_bp=vat_bp,
        by_staff_id=session.staff.id,
        typed=typed,
    )


@router.post("/jobs/{job_id}/estimate/lines/{line_id}/remove")
async def post_estimate_line_removal(
    job_id: JobId, line_id: LineId, request: Request, core: CoreDep, session: JobPage
) -> Response:
    """Remove a line of the draft estimate."""
    return await _act(
        request,
        core,
        session,
        job_id,
        "removed",
        estimates.remove_line,
        line_id,
        by_staff_id=session.staff.id,
    )


@router.post("/jobs/{job_id}/estimate/send")
async def post_estimate_send(
    job_id: JobId,
    request: Request,
    core: CoreDep,
    session: JobPage,
    notices: JobNotices,
) -> Response:
    """Send the estimate as read (the job's version and the lines' version the form carries):
    frozen, and the job moves to "estimate sent"."""
    fields = await form_fields(request)
    response = await _act(
        request,
        core,
        session,
        job_id,
        "sent",
        estimates.send_estimate,
        expected_version=_number(fields.get("version", "")),
        expected_lines_version=_number(fields.get("lines_version", "")),
        by_staff_id=session.staff.id,
        now=core.now(),
    )
    if response.status_code == 303:  # the job moved: its customer is told
        notices.after_commit(job_id)
    return response


@router.post("/jobs/{job_id}/estimate/decision")
async def post_estimate_decision(
    job_id: JobId,
    request: Request,
    core: CoreDep,
    session: EstimateDecisionPage,
    notices: JobNotices,
) -> Response:
    """Record the customer's answer given at the counter or on the phone (exactly once)."""
    fields = await form_fields(request)
    response = await _act(
        request,
        core,
        session,
        job_id,
        "decided",
        estimates.record_decision,
        decision=fields.get("decision", "")[:20],
        channel=fields.get("channel", "")[:20],
        by_staff_id=session.staff.id,
        now=core.now(),
    )
    if response.status_code == 303:  # the job moved: its customer is told
        notices.after_commit(job_id)
    return response


@router.post("/jobs/{job_id}/invoice")
async def post_job_invoice(
    job_id: JobId, request: Request, core: CoreDep, session: InvoicePage
) -> Response:
    """Issue the job's invoice from its approved estimate (once; numbered by the agency)."""
    fields = await form_fields(request)
    return await _act(
        request,
        core,
        session,
        job_id,
        "invoiced",
        invoices.issue_invoice,
        billing_address=fields.get("billing_address", "")[: invoices.ADDRESS_MAX + 1],
        by_staff_id=session.staff.id,
        now=core.now(),
    )


async def _act(
    request: Request,
    core: Core,
    session: StaffSession,
    job_id: int,
    saved: str,
    function,
    *args,
    typed: dict[str, str] | None = None,
    **kwargs,
) -> Response:
    """`function(uow, job_id, *args, **kwargs)`; the page again (303) when done, else the
    page with what was refused (and what was typed)."""
    try:
        await core.run(function, job_id, *args, **kwargs)
    except NotFound as exc:
        if exc.code == "unknown_job":
            return error_page(request, 404, "http_404")
        return await _refused(request, core, session, job_id, exc, 422, typed)
    except StaleVersion as exc:
        text = await stale_text(core, exc, job_texts(page_lang(request)))
        return await _page(request, core, session, job_id, alerts((text, "error")), 409, typed)
    except PitlaneError as exc:
        return await _refused(request, core, session, job_id, exc, domain_status(exc), typed)
    return RedirectResponse(f"/staff/jobs/{job_id}/estimate?saved={saved}", status_code=303)


async def _refused(
    request: Request,
    core: Core,
    session: StaffSession,
    job_id: int,
    exc: PitlaneError,
    status: int,
    typed: dict[str, str] | None,
) -> Response:
    t = job_texts(page_lang(request))
    problem = alerts((code_text(t, exc.code, exc.message), "error"))
    return await _page(request, core, session, job_id, problem, status, typed)


async def _page(
    request: Request,
    core: Core,
    session: StaffSession,
    job_id: int,
    alert: Sequence[Alert] = (),
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> Response:
    lang = page_lang(request)
    t = job_texts(lang)
    tz = timezone_of(core)
    try:
        data = await core.read(read_page_data, job_id)
    except NotFound:
        return error_page(request, 404, "http_404")
    job, estimate, invoice = data.job, data.estimate, data.invoice
    role = session.staff.role
    can_edit = job.status in estimates.EDITABLE_JOB_STATUSES and (
        estimate is None or estimate.status == "draft"
    )
    lines = estimate.lines if estimate else ()
    send_blocker = ""
    if can_edit and not lines:
        send_blocker = t["estimate_send_needs_lines"]
    elif can_edit and job.status != "diagnosing":
        send_blocker = t["estimate_send_needs_diagnosing"]
    approved = estimate is not None and estimate.status == "approved"
    return workshop_page(
        request,
        session,
        "estimate.html",
        page="workshop",
        title_key="estimate_title",
        lead_key="estimate_lead",
        texts={**t, "estimate_title": t["estimate_title"].format(id=job.id)},
        alerts=alert,
        status=status,
        job=job,
        job_status=status_of(job.status, t),
        vehicle=job.vehicle or t["job_no_vehicle"],
        customer=job.customer_name or t["job_no_customer"],
        state=estimate_state(data, t, lang, tz),
        lines=[line_row(line, t, lang) for line in lines],
        totals=total_rows(estimate.totals, t, lang) if estimate and lines else None,
        columns=[(c, t[f"estimate_col_{c}"]) for c in COLUMNS + (("actions",) if can_edit else ())],
        can_edit=can_edit,
        add_forms=add_forms(t),
        typed={key: (typed or {}).get(key, "") for key in LINE_FIELDS},
        default_vat=format_hundredths(data.default_vat_bp, lang),
        decimal_hint=t["estimate_decimal_hint"].format(
            rate=rate(data.default_vat_bp, lang).removesuffix(" %")
        ),
        can_send=can_edit and not send_blocker,
        send_blocker=send_blocker,
        lines_version=estimate.lines_version if estimate else 0,
        pdf_url=f"/api/jobs/{job.id}/estimate/pdf"
        if estimate and estimate.status != "draft"
        else "",
        waiting=estimate is not None and estimate.status == "sent",
        can_decide=role in ESTIMATE_DECISION_STAFF,
        channel_choices=[(c, t[f"estimate_channel_{c}"]) for c in estimates.STAFF_CHANNELS],
        show_invoice=approved or invoice is not None,
        invoice=invoice,
        invoice_text=invoice_text(invoice, t, lang, tz) if invoice else "",
        invoiceable=approved and invoice is None and job.status in INVOICEABLE,
        can_invoice=role in INVOICE_STAFF,
        address_max=invoices.ADDRESS_MAX,
    )


def _number(text: str) -> int:
    """A version a form carries; 0 (never a real one) when missing, so the change is stale."""
    return int(text) if text.isdigit() and len(text) < 10 else 0
