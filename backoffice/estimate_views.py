"""What the estimate page shows (template estimate.html), read from core's job, estimate and
invoice views and formatted per language ("1 234,50 €"): plain values, no markup."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core import estimates, invoices, jobs
from core.estimates import LineView
from core.formatting import format_hundredths, format_money, format_slot
from core.invoices import InvoiceView
from core.job_views import JobView
from core.money import Totals
from core.staff import list_staff
from core.uow import UnitOfWork

STATE_BADGES = {"none": "open", "draft": "open", "sent": "answered", "approved": "done"}


@dataclass(frozen=True)
class EstimatePageData:
    """Everything the page reads, in one trip off the event loop."""

    job: JobView
    estimate: estimates.EstimateView | None
    invoice: InvoiceView | None
    default_vat_bp: int
    staff_names: dict[int, str]


def read_page_data(make_uow: Callable[[], UnitOfWork], job_id: int) -> EstimatePageData:
    """The job (NotFound `unknown_job`), its estimate, its invoice and what the forms need."""
    return EstimatePageData(
        job=jobs.get_job(make_uow(), job_id),
        estimate=estimates.estimate_of(make_uow(), job_id),
        invoice=invoices.invoice_of_job(make_uow(), job_id),
        default_vat_bp=estimates.default_vat_rate(make_uow()),
        staff_names={s.id: s.name for s in list_staff(make_uow())},
    )


@dataclass(frozen=True)
class LineRow:
    id: int
    kind: str
    kind_label: str
    label: str
    quantity: str
    unit_price: str
    vat_rate: str
    amount: str


def rate(bp: int, lang: str) -> str:
    """A VAT rate kept in basis points: '20 %', '5,5 %'."""
    return f"{format_hundredths(bp, lang)} %"


def line_row(line: LineView, t: dict[str, str], lang: str) -> LineRow:
    """A line as read: labour in hours at an hourly rate, parts and others by the unit."""
    quantity = format_hundredths(line.quantity_centi, lang)
    price = format_money(line.unit_price_cents, lang)
    if line.kind == "labour":
        quantity = t["estimate_hours"].format(n=quantity)
        price = t["estimate_per_hour"].format(price=price)
    return LineRow(
        id=line.id,
        kind=line.kind,
        kind_label=t.get(f"estimate_kind_{line.kind}", line.kind),
        label=line.label,
        quantity=quantity,
        unit_price=price,
        vat_rate=rate(line.vat_rate_bp, lang),
        amount=format_money(line.amount_excl_cents, lang),
    )


@dataclass(frozen=True)
class TotalRows:
    excl: str
    vat: tuple[tuple[str, str], ...]  # ("TVA 20 % sur 100,00 €", "20,00 €") per rate
    incl: str


def total_rows(totals: Totals, t: dict[str, str], lang: str) -> TotalRows:
    return TotalRows(
        excl=format_money(totals.excl_cents, lang),
        vat=tuple(
            (
                t["estimate_total_vat"].format(
                    rate=rate(v.rate_bp, lang), base=format_money(v.base_cents, lang)
                ),
                format_money(v.vat_cents, lang),
            )
            for v in totals.vat
        ),
        incl=format_money(totals.incl_cents, lang),
    )


@dataclass(frozen=True)
class EstimateState:
    code: str  # none | draft | sent | approved | declined
    label: str
    badge: str
    detail: str  # when it was sent or decided, through which channel, by whom


def estimate_state(data: EstimatePageData, t: dict[str, str], lang: str, tz: str) -> EstimateState:
    estimate = data.estimate
    if estimate is None or (estimate.status == "draft" and not estimate.lines):
        return EstimateState("none", t["estimate_status_none"], "open", "")
    code = estimate.status
    detail = ""
    if code == "sent" and estimate.sent_at:
        detail = t["estimate_sent_at"].format(when=format_slot(estimate.sent_at, tz, lang))
    elif code in ("approved", "declined") and estimate.decided_at:
        channel = estimate.decision_channel or ""
        detail = t[f"estimate_{code}_at"].format(
            when=format_slot(estimate.decided_at, tz, lang),
            channel=t.get(f"estimate_channel_{channel}", channel),
        )
        by = data.staff_names.get(estimate.decided_by_staff_id or 0)
        if by:
            detail += " · " + t["estimate_recorded_by"].format(name=by)
    return EstimateState(
        code, t[f"estimate_status_{code}"], STATE_BADGES.get(code, "closed"), detail
    )


@dataclass(frozen=True)
class AddForm:
    """One of the add-a-line forms: the fields its kind needs."""

    kind: str
    title: str
    quantity_label: str  # '' for "other": one amount
    price_label: str


def add_forms(t: dict[str, str]) -> tuple[AddForm, ...]:
    return (
        AddForm(
            "part",
            t["estimate_add_part"],
            t["estimate_field_quantity"],
            t["estimate_field_unit_price"],
        ),  # fmt: skip
        AddForm(
            "labour",
            t["estimate_add_labour"],
            t["estimate_field_hours"],
            t["estimate_field_rate"],
        ),  # fmt: skip
        AddForm("other", t["estimate_add_other"], "", t["estimate_field_amount"]),
    )


def invoice_text(invoice: InvoiceView, t: dict[str, str], lang: str, tz: str) -> str:
    return t["estimate_invoice_issued"].format(
        number=invoice.number, when=format_slot(invoice.issued_at, tz, lang)
    )
