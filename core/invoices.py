"""Invoices and credit notes of repair jobs (docs/workshop.md, "Estimates and invoices").

An invoice is issued from a job ready for pickup or returned whose estimate was approved
(its lines, or lines staff edited before issuing), numbered in the issuing transaction from
its agency's counter row for the year: "PN-2026-000123", without gap or duplicate (the
counter's conditional UPDATE holds the row until the transaction ends; a failed issue rolls
the counter back with it). An issued document is never updated: the customer's and
vehicle's details and the company's legal identity are copied onto it, corrections are
credit notes (their own series, "AV-PN-2026-000004", negative amounts, full or per line),
and the counter payment is a row of its own. Erasing a customer's account keeps them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import money
from core.errors import Conflict, InvalidTransition, InvalidValue, NotFound
from core.estimates import approved_lines
from core.jobs import acting_staff
from core.legal import LegalIdentity, agency_address, legal_identity
from core.models import (
    LINE_KINDS,
    PAYMENT_METHODS,
    Agency,
    Customer,
    DocumentCounter,
    Invoice,
    InvoiceLine,
    InvoicePayment,
    RepairJob,
    Vehicle,
)
from core.settings_store import json_setting
from core.uow import UnitOfWork

INVOICEABLE = ("ready_for_pickup", "returned")
PREFIXES = "invoice_prefixes"  # setting: {"paris-nord": "PN"}; default: the code's initials
CREDIT_PREFIX = "AV"  # avoir
ADDRESS_MAX = 500
REASON_MAX = 1000
MAX_LIST = 200


@dataclass(frozen=True)
class LineInput:
    """A line staff give when issuing (instead of the approved estimate's)."""

    kind: str
    label: str
    quantity_centi: int
    unit_price_cents: int
    vat_rate_bp: int


@dataclass(frozen=True)
class DocumentLine:
    id: int
    kind: str
    label: str
    quantity_centi: int
    unit_price_cents: int
    vat_rate_bp: int
    amount_excl_cents: int
    credits_line_id: int | None


@dataclass(frozen=True)
class PaymentView:
    method: str
    paid_at: datetime
    by_staff_id: int | None


# The document kind of an invoice's or credit note's signed link (documents/kinds.py).
DOCUMENT_KIND = "invoice"


@dataclass(frozen=True)
class InvoiceView:
    id: int
    kind: str  # invoice | credit_note
    number: str
    agency_code: str
    agency_name: str
    agency_address: str
    job_id: int | None  # an invoice's job
    corrects_number: str | None  # a credit note's invoice
    corrects_id: int | None
    customer_id: int | None
    issued_at: datetime
    language: str
    billing_name: str
    billing_address: str | None
    vehicle: str | None
    vin: str | None
    seller: LegalIdentity
    reason: str | None
    lines: tuple[DocumentLine, ...]
    totals: money.Totals
    payment: PaymentView | None
    credit_notes: tuple[str, ...] = ()  # an invoice's credit notes, by number

    @property
    def status(self) -> str:
        """paid | unpaid for an invoice; credit notes are "credit"."""
        if self.kind == "credit_note":
            return "credit"
        return "paid" if self.payment is not None else "unpaid"


def issue_invoice(
    uow: UnitOfWork,
    job_id: int,
    *,
    by_staff_id: int,
    now: datetime,
    billing_address: str | None = None,
    lines: Sequence[LineInput] | None = None,
) -> InvoiceView:
    """Issue the job's invoice (one per job: Conflict `invoice_already_issued`)."""
    address = _clean(billing_address, ADDRESS_MAX, "billing_address")
    with uow:
        session = uow.session
        acting_staff(session, by_staff_id, "documents")
        job = session.get(RepairJob, job_id)
        if job is None:
            raise NotFound("unknown_job", f"no repair job {job_id}")
        if job.status not in INVOICEABLE:
            raise InvalidTransition(
                "job_not_finished", f"the job is {job.status}: invoiced when ready or returned"
            )
        approved = approved_lines(session, job_id)
        if approved is None:
            raise InvalidValue("no_approved_estimate", "the job has no approved estimate")
        chosen = list(lines) if lines is not None else [_input_of(line) for line in approved]
        if not chosen:
            raise InvalidValue("invoice_empty", "an invoice has at least one line")
        for line in chosen:
            _check_input(line)
        if session.scalar(select(Invoice.id).where(Invoice.job_id == job_id)) is not None:
            raise Conflict("invoice_already_issued", f"job {job_id} already has its invoice")
        seller = legal_identity(session)
        agency = session.get(Agency, job.agency_id)
        assert agency is not None  # a foreign key
        customer = session.get(Customer, job.customer_id) if job.customer_id else None
        vehicle = session.get(Vehicle, job.vehicle_id) if job.vehicle_id else None
        year = now.astimezone(ZoneInfo(uow.timezone)).year
        seq = _next_number(session, agency.id, "invoice", year)
        amounts = [money.line_amount(i.quantity_centi, i.unit_price_cents) for i in chosen]
        totals = money.totals(zip(amounts, (i.vat_rate_bp for i in chosen), strict=True))
        invoice = Invoice(
            kind="invoice",
            number=f"{_prefix(session, agency)}-{year}-{seq:06d}",
            agency_id=agency.id,
            year=year,
            seq=seq,
            job_id=job_id,
            customer_id=job.customer_id,
            issued_at=now,
            issued_by_staff_id=by_staff_id,
            language=customer.language if customer else "fr",
            billing_name=customer.name if customer else "-",
            billing_address=address,
            vehicle=_vehicle_label(vehicle),
            vin=vehicle.vin if vehicle else None,
            seller=seller.as_dict(),
            agency_name=agency.name,
            agency_address=agency_address(agency),
            total_excl_cents=totals.excl_cents,
            total_vat_cents=totals.vat_cents,
            total_incl_cents=totals.incl_cents,
        )
        session.add(invoice)
        try:
            session.flush()
        except IntegrityError:  # a concurrent issue for the same job won (its number is kept)
            raise Conflict(
                "invoice_already_issued", f"job {job_id} already has its invoice"
            ) from None
        for position, (line, amount) in enumerate(zip(chosen, amounts, strict=True), start=1):
            session.add(
                InvoiceLine(
                    invoice_id=invoice.id,
                    position=position,
                    kind=line.kind,
                    label=line.label,
                    quantity_centi=line.quantity_centi,
                    unit_price_cents=line.unit_price_cents,
                    vat_rate_bp=line.vat_rate_bp,
                    amount_excl_cents=amount,
                )
            )
        session.flush()
        view = _view(session, invoice.id)
        uow.commit()
        return view


def issue_credit_note(
    uow: UnitOfWork,
    invoice_id: int,
    *,
    by_staff_id: int,
    now: datetime,
    reason: str,
    lines: Sequence[tuple[int, int]] | None = None,
) -> InvoiceView:
    """A credit note correcting an invoice: every line not yet credited (`lines` None), or
    (invoice line id, quantity in hundredths) pairs; never more than was invoiced minus what
    earlier credit notes credited (InvalidValue `credit_exceeds_invoice`)."""
    reason_text = _clean(reason, REASON_MAX, "reason")
    if reason_text is None:
        raise InvalidValue("missing_reason", "say why the invoice is corrected")
    with uow:
        session = uow.session
        acting_staff(session, by_staff_id, "documents")
        # the invoice's row is locked (PostgreSQL; SQLite's writer lock serialises anyway):
        # two credit notes of one invoice cannot both credit its last unit
        invoice = session.scalar(select(Invoice).where(Invoice.id == invoice_id).with_for_update())
        if invoice is None or invoice.kind != "invoice":
            raise NotFound("unknown_invoice", f"no invoice {invoice_id}")
        originals = {line.id: line for line in _lines(session, invoice_id)}
        remaining = {i: ln.quantity_centi - _credited(session, i) for i, ln in originals.items()}
        wanted = [(i, q) for i, q in remaining.items() if q > 0] if lines is None else list(lines)
        if not wanted:
            raise InvalidValue("nothing_to_credit", "every line is already credited")
        for line_id, quantity in wanted:
            if line_id not in originals:
                raise InvalidValue("unknown_line", f"invoice {invoice_id} has no line {line_id}")
            if quantity <= 0 or quantity > remaining[line_id]:
                raise InvalidValue(
                    "credit_exceeds_invoice",
                    f"line {line_id}: at most {remaining[line_id] / 100:g} left to credit",
                )
            remaining[line_id] -= quantity
        agency = session.get(Agency, invoice.agency_id)
        assert agency is not None
        year = now.astimezone(ZoneInfo(uow.timezone)).year
        seq = _next_number(session, agency.id, "credit_note", year)
        credit = [
            (originals[i], q, money.line_amount(q, -originals[i].unit_price_cents))
            for i, q in wanted
        ]
        totals = money.totals((amount, line.vat_rate_bp) for line, _, amount in credit)
        note = Invoice(
            kind="credit_note",
            number=f"{CREDIT_PREFIX}-{_prefix(session, agency)}-{year}-{seq:06d}",
            agency_id=agency.id,
            year=year,
            seq=seq,
            corrects_id=invoice.id,
            customer_id=invoice.customer_id,
            issued_at=now,
            issued_by_staff_id=by_staff_id,
            language=invoice.language,
            billing_name=invoice.billing_name,
            billing_address=invoice.billing_address,
            vehicle=invoice.vehicle,
            vin=invoice.vin,
            seller=legal_identity(session).as_dict(),
            agency_name=invoice.agency_name,
            agency_address=invoice.agency_address,
            reason=reason_text,
            total_excl_cents=totals.excl_cents,
            total_vat_cents=totals.vat_cents,
            total_incl_cents=totals.incl_cents,
        )
        session.add(note)
        session.flush()
        for position, (line, quantity, amount) in enumerate(credit, start=1):
            session.add(
                InvoiceLine(
                    invoice_id=note.id,
                    position=position,
                    kind=line.kind,
                    label=line.label,
                    quantity_centi=quantity,
                    unit_price_cents=-line.unit_price_cents,
                    vat_rate_bp=line.vat_rate_bp,
                    amount_excl_cents=amount,
                    credits_line_id=line.id,
                )
            )
        session.flush()
        view = _view(session, note.id)
        uow.commit()
        return view


def record_payment(
    uow: UnitOfWork,
    invoice_id: int,
    *,
    method: str,
    by_staff_id: int,
    now: datetime,
    paid_at: datetime | None = None,
) -> InvoiceView:
    """Record the counter payment of an invoice (cash, card, cheque, transfer), once:
    Conflict `already_paid` the second time. Online payment is out of scope."""
    if method not in PAYMENT_METHODS:
        raise InvalidValue("invalid_payment_method", f"one of {', '.join(PAYMENT_METHODS)}")
    paid_at = paid_at or now
    if paid_at.tzinfo is None or paid_at > now:
        raise InvalidValue("invalid_paid_at", "the payment time cannot be in the future")
    with uow:
        session = uow.session
        acting_staff(session, by_staff_id, "documents")
        invoice = session.get(Invoice, invoice_id)
        if invoice is None or invoice.kind != "invoice":
            raise NotFound("unknown_invoice", f"no invoice {invoice_id}")
        try:
            with session.begin_nested():
                session.add(
                    InvoicePayment(
                        invoice_id=invoice_id,
                        method=method,
                        paid_at=paid_at,
                        recorded_at=now,
                        by_staff_id=by_staff_id,
                    )
                )
        except IntegrityError:
            raise Conflict("already_paid", f"invoice {invoice.number} is already paid") from None
        view = _view(session, invoice_id)
        uow.commit()
        return view


def get_invoice(uow: UnitOfWork, invoice_id: int) -> InvoiceView:
    with uow:
        return _view(uow.session, invoice_id)


def invoice_of_job(uow: UnitOfWork, job_id: int) -> InvoiceView | None:
    with uow:
        found = uow.session.scalar(select(Invoice.id).where(Invoice.job_id == job_id))
        return None if found is None else _view(uow.session, found)


def list_invoices(
    uow: UnitOfWork,
    *,
    agency: str | None = None,
    year: int | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[InvoiceView]:
    """Invoices and credit notes, newest first; `status`: paid | unpaid (invoices only) |
    credit (credit notes only)."""
    if status not in (None, "paid", "unpaid", "credit"):
        raise InvalidValue("invalid_status", "status is paid, unpaid or credit")
    query = select(Invoice.id).join(Agency, Agency.id == Invoice.agency_id)
    if agency is not None:
        query = query.where(Agency.code == agency)
    if year is not None:
        query = query.where(Invoice.year == year)
    paid = select(InvoicePayment.invoice_id)
    if status == "paid":
        query = query.where(Invoice.kind == "invoice", Invoice.id.in_(paid))
    elif status == "unpaid":
        query = query.where(Invoice.kind == "invoice", Invoice.id.not_in(paid))
    elif status == "credit":
        query = query.where(Invoice.kind == "credit_note")
    query = query.order_by(Invoice.issued_at.desc(), Invoice.id.desc())
    query = query.limit(max(1, min(limit, MAX_LIST))).offset(max(0, offset))
    with uow:
        return [_view(uow.session, i) for i in uow.session.scalars(query).all()]


def _next_number(session: Session, agency_id: int, kind: str, year: int) -> int:
    """The next number of the series, in the caller's transaction: the UPDATE keeps the
    counter's row locked until it ends, so concurrent issuers queue and a rolled-back issue
    gives its number back."""
    bump = (
        update(DocumentCounter)
        .where(
            DocumentCounter.agency_id == agency_id,
            DocumentCounter.kind == kind,
            DocumentCounter.year == year,
        )
        .values(last=DocumentCounter.last + 1)
        .returning(DocumentCounter.last)
        .execution_options(synchronize_session=False)
    )
    number = session.scalar(bump)
    if number is None:  # the series' first number: create its row (once, whoever wins)
        try:
            with session.begin_nested():
                session.add(DocumentCounter(agency_id=agency_id, kind=kind, year=year, last=0))
        except IntegrityError:
            pass
        number = session.scalar(bump)
    assert number is not None
    return number


def _prefix(session: Session, agency: Agency) -> str:
    configured = json_setting(session, PREFIXES, {})
    if isinstance(configured, dict) and configured.get(agency.code):
        return str(configured[agency.code])
    return "".join(part[0] for part in agency.code.split("-") if part).upper()


def _credited(session: Session, line_id: int) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(InvoiceLine.quantity_centi), 0)).where(
            InvoiceLine.credits_line_id == line_id
        )
    )
    return int(total or 0)


def _lines(session: Session, invoice_id: int) -> list[DocumentLine]:
    rows = session.scalars(
        select(InvoiceLine)
        .where(InvoiceLine.invoice_id == invoice_id)
        .order_by(InvoiceLine.position)
    )
    return [
        DocumentLine(
            id=r.id,
            kind=r.kind,
            label=r.label,
            quantity_centi=r.quantity_centi,
            unit_price_cents=r.unit_price_cents,
            vat_rate_bp=r.vat_rate_bp,
            amount_excl_cents=r.amount_excl_cents,
            credits_line_id=r.credits_line_id,
        )
        for r in rows
    ]


def _view(session: Session, invoice_id: int) -> InvoiceView:
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound("unknown_invoice", f"no invoice {invoice_id}")
    agency_code = session.scalar(select(Agency.code).where(Agency.id == invoice.agency_id))
    lines = tuple(_lines(session, invoice_id))
    payment = session.get(InvoicePayment, invoice_id)
    corrects = session.get(Invoice, invoice.corrects_id) if invoice.corrects_id else None
    credit_notes = session.scalars(
        select(Invoice.number).where(Invoice.corrects_id == invoice_id).order_by(Invoice.id)
    )
    return InvoiceView(
        id=invoice.id,
        kind=invoice.kind,
        number=invoice.number,
        agency_code=agency_code or "",
        agency_name=invoice.agency_name,
        agency_address=invoice.agency_address,
        job_id=invoice.job_id,
        corrects_number=corrects.number if corrects else None,
        corrects_id=invoice.corrects_id,
        customer_id=invoice.customer_id,
        issued_at=invoice.issued_at,
        language=invoice.language,
        billing_name=invoice.billing_name,
        billing_address=invoice.billing_address,
        vehicle=invoice.vehicle,
        vin=invoice.vin,
        seller=LegalIdentity.from_dict(invoice.seller),
        reason=invoice.reason,
        lines=lines,
        totals=money.totals((line.amount_excl_cents, line.vat_rate_bp) for line in lines),
        payment=(
            PaymentView(payment.method, payment.paid_at, payment.by_staff_id) if payment else None
        ),
        credit_notes=tuple(credit_notes),
    )


def _input_of(line: object) -> LineInput:
    return LineInput(
        kind=line.kind,  # type: ignore[attr-defined]
        label=line.label,  # type: ignore[attr-defined]
        quantity_centi=line.quantity_centi,  # type: ignore[attr-defined]
        unit_price_cents=line.unit_price_cents,  # type: ignore[attr-defined]
        vat_rate_bp=line.vat_rate_bp,  # type: ignore[attr-defined]
    )


def _check_input(line: LineInput) -> None:
    if line.kind not in LINE_KINDS:
        raise InvalidValue("invalid_line_kind", f"a line is one of {', '.join(LINE_KINDS)}")
    if not line.label.strip() or len(line.label) > 200:
        raise InvalidValue("invalid_label", "a label of 1 to 200 characters")
    money.check_line_values(line.quantity_centi, line.unit_price_cents, line.vat_rate_bp)


def _vehicle_label(vehicle: Vehicle | None) -> str | None:
    if vehicle is None:
        return None
    label = f"{vehicle.brand} {vehicle.model}"
    return f"{label} ({vehicle.plate})" if vehicle.plate else label


def _clean(text: str | None, limit: int, what: str) -> str | None:
    cleaned = (text or "").strip()
    if len(cleaned) > limit:
        raise InvalidValue(f"{what}_too_long", f"at most {limit} characters")
    return cleaned or None
