"""`/staff/invoices`: the counter's invoices and credit notes (advisors, managers, admins:
`InvoicePage`), filtered by agency, year and status, with their PDFs, the payment form of an
unpaid invoice and a full credit note. Server-rendered, no script; forms carry the CSRF
token. The JSON side is backoffice/api/invoices.py."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated

from babel.numbers import format_currency
from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from backoffice.api.deps import Core, CoreDep
from backoffice.auth import StaffSession, form_fields
from backoffice.errors import domain_status
from backoffice.page_auth import InvoicePage
from backoffice.staff_pages import page_lang
from backoffice.views import Alert
from backoffice.workshop_layout import alerts, catalogue, timezone_of, when, workshop_page
from backoffice.workshop_texts import code_text, workshop_texts
from core import invoices
from core.errors import PitlaneError
from core.i18n import messages
from core.invoices import InvoiceView
from core.models import PAYMENT_METHODS

router = APIRouter(prefix="/staff", include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
STATUSES = ("unpaid", "paid", "credit")
MAX_SHOWN = 200


def invoice_texts(lang: str) -> dict[str, str]:
    return {**workshop_texts(lang), **messages("invoices", lang)}


@router.get("/invoices")
async def get_invoices_page(request: Request, core: CoreDep, session: InvoicePage) -> Response:
    """Invoices and credit notes, newest first, by agency, year and status."""
    return await _page(request, core, session)


@router.post("/invoices/{invoice_id}/payment")
async def post_invoice_payment(
    invoice_id: Id, request: Request, core: CoreDep, session: InvoicePage
) -> Response:
    """Record the counter payment of an invoice."""
    method = (await form_fields(request)).get("method", "")
    return await _act(
        request,
        core,
        session,
        "invoices_paid",
        invoices.record_payment,
        invoice_id,
        method=method,
        by_staff_id=session.staff.id,
        now=core.now(),
    )


@router.post("/invoices/{invoice_id}/credit-note")
async def post_credit_note(
    invoice_id: Id, request: Request, core: CoreDep, session: InvoicePage
) -> Response:
    """Credit everything of an invoice not credited yet (partial credits: the JSON API)."""
    reason = (await form_fields(request)).get("reason", "")
    return await _act(
        request,
        core,
        session,
        "invoices_credited",
        invoices.issue_credit_note,
        invoice_id,
        reason=reason,
        by_staff_id=session.staff.id,
        now=core.now(),
    )


async def _act(
    request: Request, core: Core, session: StaffSession, done_key: str, action, *args, **kwargs
) -> Response:
    t = invoice_texts(page_lang(request))
    try:
        view = await core.run(action, *args, **kwargs)
    except PitlaneError as exc:
        message = code_text(t, exc.code, exc.message)
        return await _page(request, core, session, alerts((message, "error")), domain_status(exc))
    return await _page(
        request, core, session, alerts((t[done_key].format(number=view.number), "success"))
    )


async def _page(
    request: Request,
    core: Core,
    session: StaffSession,
    alert: Sequence[Alert] = (),
    status: int = 200,
) -> Response:
    lang = page_lang(request)
    t = invoice_texts(lang)
    known = await catalogue(core)
    query = request.query_params
    agency = query.get("agency") or None
    agency = agency if agency in known.agency_names else None
    year_text = query.get("year", "")
    year = int(year_text) if year_text.isdigit() and 2000 <= int(year_text) <= 2100 else None
    state = query.get("status") or None
    state = state if state in STATUSES else None
    found = await core.run(
        invoices.list_invoices, agency=agency, year=year, status=state, limit=MAX_SHOWN
    )
    tz = timezone_of(core)
    agencies = sorted(known.agency_names.items(), key=lambda item: item[1])
    columns = ("number", "issued", "agency", "customer", "total", "status", "actions")
    return workshop_page(
        request,
        session,
        "invoices.html",
        page="invoices",
        title_key="invoices_title",
        lead_key="invoices_lead",
        texts=t,
        alerts=alert,
        status=status,
        agency_choices=[("", t["filter_all"]), *agencies],
        agency=agency,
        year=year,
        status_choices=[("", t["filter_all"]), *((s, t[f"invoices_status_{s}"]) for s in STATUSES)],
        status_filter=state,
        method_choices=[(m, t[f"invoices_method_{m}"]) for m in PAYMENT_METHODS],
        columns=[t[f"invoices_col_{c}"] for c in columns],
        rows=[_row(view, t, lang, tz, known.agency_name(view.agency_code)) for view in found],
    )


def _row(view: InvoiceView, t: dict[str, str], lang: str, tz: str, agency: str) -> dict:
    locale = "en_GB" if lang == "en" else "fr_FR"
    total = format_currency(Decimal(view.totals.incl_cents) / 100, "EUR", locale=locale)
    label = t[f"invoices_status_{view.status}"]
    if view.payment is not None:
        label += " · " + t[f"invoices_method_{view.payment.method}"]
    return {
        "id": view.id,
        "number": view.number,
        "pdf_url": f"/api/invoices/{view.id}/pdf",
        "corrects": (
            t["invoices_corrects"].format(number=view.corrects_number)
            if view.corrects_number
            else ""
        ),
        "issued": when(view.issued_at, tz, lang),
        "agency": agency,
        "customer": view.billing_name,
        "vehicle": view.vehicle or "",
        "total": total,
        "status": view.status,
        "status_label": label,
        "credit_notes": ", ".join(view.credit_notes),
        "can_pay": view.kind == "invoice" and view.payment is None,
        "can_credit": view.kind == "invoice",
    }
