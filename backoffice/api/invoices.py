"""`/api/invoices`: invoices and credit notes for the counter (issue 16, items 4 and 11):
issue from a finished job, list, read, PDF, record the payment, correct by a credit note.
Advisors, managers and admins (`InvoiceStaff`); mechanics: none. An issued invoice is never
edited: there is no PUT or PATCH. Online payment is out of scope (README)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from backoffice.api.deps import CoreDep
from backoffice.auth import InvoiceStaff
from core import invoices, signed_links
from core.invoices import InvoiceView, LineInput
from core.money import parse_decimal
from documents import invoice_pdf
from documents.kinds import INVOICE
from hub.work import off_loop

router = APIRouter(prefix="/api/invoices", tags=["invoices"])

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


class InvoiceLineOut(BaseModel):
    id: int
    kind: str
    label: str
    quantity: Decimal
    unit_price_cents: int
    vat_rate: Decimal = Field(description="percent")
    amount_excl_cents: int
    credits_line_id: int | None


class VatOut(BaseModel):
    rate: Decimal = Field(description="percent")
    base_cents: int
    vat_cents: int


class PaymentOut(BaseModel):
    method: str
    paid_at: datetime
    by_staff_id: int | None


class InvoiceOut(BaseModel):
    id: int
    kind: Literal["invoice", "credit_note"]
    number: str
    status: Literal["paid", "unpaid", "credit"]
    agency_code: str
    job_id: int | None
    corrects_id: int | None
    corrects_number: str | None
    customer_id: int | None
    issued_at: datetime
    billing_name: str
    billing_address: str | None
    vehicle: str | None
    reason: str | None
    lines: list[InvoiceLineOut]
    total_excl_cents: int
    vat: list[VatOut]
    total_incl_cents: int
    payment: PaymentOut | None
    credit_notes: list[str]
    pdf_url: str


class IssueLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["part", "labour", "other"]
    label: str = Field(min_length=1, max_length=200)
    quantity: Decimal | str
    unit_price: Decimal | str = Field(description="euros excl. VAT")
    vat_rate: Decimal | str = Field(description="percent")


class IssueBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    job_id: int = Field(ge=1, le=2**31 - 1)
    billing_address: str | None = Field(default=None, max_length=500)
    lines: list[IssueLine] | None = Field(
        default=None, max_length=100, description="instead of the approved estimate's lines"
    )


class PaymentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    method: Literal["cash", "card", "cheque", "transfer"]
    paid_at: datetime | None = None


class CreditLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_id: int = Field(ge=1, le=2**31 - 1)
    quantity: Decimal | str


class CreditBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=1000)
    lines: list[CreditLine] | None = Field(
        default=None, max_length=100, description="absent: everything not yet credited"
    )


class LinkOut(BaseModel):
    url: str
    expires_at: datetime


def invoice_out(view: InvoiceView) -> InvoiceOut:
    return InvoiceOut(
        id=view.id,
        kind=view.kind,  # type: ignore[arg-type]
        number=view.number,
        status=view.status,  # type: ignore[arg-type]
        agency_code=view.agency_code,
        job_id=view.job_id,
        corrects_id=view.corrects_id,
        corrects_number=view.corrects_number,
        customer_id=view.customer_id,
        issued_at=view.issued_at,
        billing_name=view.billing_name,
        billing_address=view.billing_address,
        vehicle=view.vehicle,
        reason=view.reason,
        lines=[
            InvoiceLineOut(
                id=line.id,
                kind=line.kind,
                label=line.label,
                quantity=Decimal(line.quantity_centi) / 100,
                unit_price_cents=line.unit_price_cents,
                vat_rate=Decimal(line.vat_rate_bp) / 100,
                amount_excl_cents=line.amount_excl_cents,
                credits_line_id=line.credits_line_id,
            )
            for line in view.lines
        ],
        total_excl_cents=view.totals.excl_cents,
        vat=[
            VatOut(rate=Decimal(v.rate_bp) / 100, base_cents=v.base_cents, vat_cents=v.vat_cents)
            for v in view.totals.vat
        ],
        total_incl_cents=view.totals.incl_cents,
        payment=PaymentOut(**view.payment.__dict__) if view.payment else None,
        credit_notes=list(view.credit_notes),
        pdf_url=f"/api/invoices/{view.id}/pdf",
    )


@router.get("", response_model=list[InvoiceOut])
async def list_invoices(
    staff: InvoiceStaff,
    core: CoreDep,
    agency: Annotated[str | None, Query(max_length=40)] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    status: Literal["paid", "unpaid", "credit"] | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[InvoiceOut]:
    """Invoices and credit notes, newest first, by agency, year and status, paged."""
    found = await core.run(
        invoices.list_invoices, agency=agency, year=year, status=status, limit=limit, offset=offset
    )
    return [invoice_out(view) for view in found]


@router.post("", response_model=InvoiceOut, status_code=201)
async def issue_invoice(body: IssueBody, staff: InvoiceStaff, core: CoreDep) -> InvoiceOut:
    """Issue the invoice of a job ready for pickup or returned, with an approved estimate."""
    lines = None
    if body.lines is not None:
        lines = [
            LineInput(
                kind=line.kind,
                label=line.label,
                quantity_centi=parse_decimal(line.quantity, 100, "quantity"),
                unit_price_cents=parse_decimal(line.unit_price, 100, "price"),
                vat_rate_bp=parse_decimal(line.vat_rate, 100, "vat_rate"),
            )
            for line in body.lines
        ]
    view = await core.run(
        invoices.issue_invoice,
        body.job_id,
        by_staff_id=staff.id,
        now=core.now(),
        billing_address=body.billing_address,
        lines=lines,
    )
    return invoice_out(view)


@router.get("/{invoice_id}", response_model=InvoiceOut)
async def read_invoice(invoice_id: Id, staff: InvoiceStaff, core: CoreDep) -> InvoiceOut:
    """One invoice or credit note."""
    return invoice_out(await core.run(invoices.get_invoice, invoice_id))


@router.get(
    "/{invoice_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def read_invoice_pdf(invoice_id: Id, staff: InvoiceStaff, core: CoreDep) -> Response:
    """The invoice or credit note as a PDF, in the customer's language."""
    view = await core.run(invoices.get_invoice, invoice_id)
    return Response(
        await off_loop(invoice_pdf, view),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{view.number}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/{invoice_id}/link", response_model=LinkOut)
async def make_invoice_link(
    invoice_id: Id, request: Request, staff: InvoiceStaff, core: CoreDep
) -> LinkOut:
    """A signed link the customer can open without an account (GET /documents/{token})."""
    view = await core.run(invoices.get_invoice, invoice_id)
    settings = request.app.state.settings
    now = core.now()
    ttl = settings.document_link_ttl
    token = signed_links.make_token(
        settings.document_link_secret.get_secret_value(), INVOICE, view.id, now, ttl
    )
    return LinkOut(url=f"/documents/{token}", expires_at=now + ttl)


@router.post("/{invoice_id}/payment", response_model=InvoiceOut)
async def record_invoice_payment(
    invoice_id: Id, body: PaymentBody, staff: InvoiceStaff, core: CoreDep
) -> InvoiceOut:
    """Record the payment made at the counter (once)."""
    view = await core.run(
        invoices.record_payment,
        invoice_id,
        method=body.method,
        by_staff_id=staff.id,
        now=core.now(),
        paid_at=body.paid_at,
    )
    return invoice_out(view)


@router.post("/{invoice_id}/credit-notes", response_model=InvoiceOut, status_code=201)
async def issue_credit_note(
    invoice_id: Id, body: CreditBody, staff: InvoiceStaff, core: CoreDep
) -> InvoiceOut:
    """Correct the invoice by a credit note: all of it, or some lines' quantities."""
    lines = None
    if body.lines is not None:
        lines = [
            (line.line_id, parse_decimal(line.quantity, 100, "quantity")) for line in body.lines
        ]
    view = await core.run(
        invoices.issue_credit_note,
        invoice_id,
        by_staff_id=staff.id,
        now=core.now(),
        reason=body.reason,
        lines=lines,
    )
    return invoice_out(view)
