"""Estimate, invoice and booking confirmation PDFs with reportlab (pure Python;
docs/workshop.md says why not weasyprint). Texts come from the catalogues (context
"documents"; "booking_documents" for the confirmation), amounts are formatted by Babel.
`compress=False` writes the page streams uncompressed and `invariant` makes the bytes
reproducible (no time stamp, fixed ids): the tests read the text back from the bytes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from io import BytesIO
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from babel.numbers import format_currency, format_decimal
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core import i18n
from core.booking_documents import BookingConfirmation
from core.estimates import EstimateView
from core.invoices import InvoiceView
from core.legal import LegalIdentity
from core.money import Totals

CONTEXT = "documents"
TIMEZONE = "Europe/Paris"
_LOCALES = {"fr": "fr_FR", "en": "en_GB"}


def estimate_pdf(view: EstimateView, *, compress: bool = True) -> bytes:
    """The estimate of a job as a PDF (its totals as sent once it is sent)."""
    t = _texts(view.language)
    lang = i18n.language_of(view.language)
    facts = [
        (t["job"], f"#{view.job_id}"),
        (t["customer"], view.customer_name or "-"),
        (t["vehicle"], view.vehicle or "-"),
    ]
    if view.sent_at:
        facts.append((t["date"], _day(view.sent_at, lang)))
    title = t["estimate_title"].format(job=view.job_id)
    lines = [
        (
            line.kind,
            line.label,
            line.quantity_centi,
            line.unit_price_cents,
            line.vat_rate_bp,
            line.amount_excl_cents,
        )
        for line in view.lines
    ]
    return _render(
        title,
        view.seller,
        view.agency_name,
        view.agency_address,
        facts,
        lines,
        view.totals,
        [t["estimate_validity"]],
        lang,
        compress,
    )


def invoice_pdf(view: InvoiceView, *, compress: bool = True) -> bytes:
    """An issued invoice or credit note as a PDF, from what was copied onto it when issued."""
    t = _texts(view.language)
    lang = i18n.language_of(view.language)
    credit = view.kind == "credit_note"
    facts = [
        (t["number"], view.number),
        (t["date"], _day(view.issued_at, lang)),
        (t["billed_to"], view.billing_name),
    ]
    if view.billing_address:
        facts.append((t["address"], view.billing_address))
    if view.vehicle:
        facts.append((t["vehicle"], view.vehicle + (f" - VIN {view.vin}" if view.vin else "")))
    notes = []
    if credit:
        facts.append((t["corrects"], view.corrects_number or "-"))
        notes.append(t["reason"].format(reason=view.reason or "-"))
    elif view.payment is not None:
        method = t[f"method_{view.payment.method}"]
        notes.append(t["paid"].format(date=_day(view.payment.paid_at, lang), method=method))
    else:
        notes.append(t["unpaid"])
    lines = [
        (
            line.kind,
            line.label,
            line.quantity_centi,
            line.unit_price_cents,
            line.vat_rate_bp,
            line.amount_excl_cents,
        )
        for line in view.lines
    ]
    title = t["credit_note_title" if credit else "invoice_title"].format(number=view.number)
    return _render(
        title,
        view.seller,
        view.agency_name,
        view.agency_address,
        facts,
        lines,
        view.totals,
        notes,
        lang,
        compress,
    )


def _render(
    title: str,
    seller: LegalIdentity | None,
    agency_name: str,
    agency_address: str,
    facts: Sequence[tuple[str, str]],
    lines: Sequence[tuple[str, str, int, int, int, int]],
    totals: Totals,
    notes: Sequence[str],
    lang: str,
    compress: bool,
) -> bytes:
    t = _texts(lang)
    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["Normal"]
    out = BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
        author=seller.name if seller else agency_name,
        invariant=1,
        pageCompression=1 if compress else 0,
    )
    story: list = []
    if seller is not None:
        story.append(Paragraph(f"<b>{_x(seller.name)}</b>", body))
        story.append(Paragraph(_x(seller.address), small))
    story.append(Paragraph(_x(f"{agency_name} - {agency_address}"), small))
    story += [Spacer(1, 6 * mm), Paragraph(_x(title), styles["Title"])]
    story.append(
        Table(
            [[_plain(k), _plain(v)] for k, v in facts], colWidths=[40 * mm, 130 * mm], hAlign="LEFT"
        )
    )
    story.append(Spacer(1, 5 * mm))
    header = [t["col_label"], t["col_quantity"], t["col_unit_price"], t["col_vat"]]
    rows = [[*header, t["col_amount"]]]
    for kind, label, quantity, price, rate, amount in lines:
        unit = t["unit_hours"] if kind == "labour" else ""
        rows.append(
            [
                Paragraph(_x(label), small),
                f"{_number(quantity, lang)}{unit}",
                _money(price, lang),
                _rate(rate, lang),
                _money(amount, lang),
            ]
        )
    rows.append(["", "", "", t["total_excl"], _money(totals.excl_cents, lang)])
    for vat in totals.vat:
        label = t["vat_line"].format(
            rate=_rate(vat.rate_bp, lang), base=_money(vat.base_cents, lang)
        )
        rows.append(["", "", "", label, _money(vat.vat_cents, lang)])
    rows.append(["", "", "", t["total_incl"], _money(totals.incl_cents, lang)])
    table = Table(rows, colWidths=[70 * mm, 20 * mm, 25 * mm, 30 * mm, 29 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("FONT", (3, -1), (-1, -1), "Helvetica-Bold"),
                ("LINEABOVE", (3, len(lines) + 1), (-1, len(lines) + 1), 0.5, colors.black),
            ]
        )
    )
    story += [table, Spacer(1, 5 * mm)]
    story += [Paragraph(_x(note), body) for note in notes]
    if seller is not None:
        legal = t["legal"].format(
            name=seller.name, siret=seller.siret, rcs=seller.rcs, vat=seller.vat_number
        )
        if seller.capital:
            legal += f" - {seller.capital}"
        story += [Spacer(1, 8 * mm), Paragraph(_x(legal), small)]
    document.build(story)
    return out.getvalue()


def _texts(language: str | None) -> dict[str, str]:
    return i18n.messages(CONTEXT, language)


def _plain(text: str) -> str:
    """Text in the standard fonts' encoding (Babel's narrow no-break spaces are not in it)."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


def _x(text: str) -> str:
    """Text for a reportlab Paragraph, whose markup is XML: escaped."""
    return escape(_plain(text))


def _money(cents: int, lang: str) -> str:
    amount = format_currency(Decimal(cents) / 100, "EUR", locale=_LOCALES[lang])
    return amount.replace("\u202f", " ").replace("\xa0", " ")


def _number(centi: int, lang: str) -> str:
    return format_decimal(Decimal(centi) / 100, locale=_LOCALES[lang])


def _rate(bp: int, lang: str) -> str:
    return f"{format_decimal(Decimal(bp) / 100, locale=_LOCALES[lang])} %"


def _day(when: datetime, lang: str) -> str:
    local = when.astimezone(ZoneInfo(TIMEZONE)).date()
    return local.strftime("%d/%m/%Y") if lang == "fr" else local.strftime("%d %b %Y")


def booking_confirmation_pdf(view: BookingConfirmation, *, compress: bool = True) -> bytes:
    """A booking's one-page confirmation: reference, service, agency and its address, the
    local day and time in the agency's time zone, what to bring, the legal identity line."""
    t = i18n.messages("booking_documents", view.language)
    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["Normal"]
    title = t["pdf_title"].format(reference=view.reference)
    out = BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
        author=view.seller.name if view.seller else view.agency_name,
        invariant=1,
        pageCompression=1 if compress else 0,
    )
    story: list = []
    if view.seller is not None:
        story.append(Paragraph(f"<b>{_x(view.seller.name)}</b>", body))
    story += [Spacer(1, 6 * mm), Paragraph(_x(title), styles["Title"])]
    if view.status == "cancelled":
        story.append(Paragraph(f"<b>{_x(t['pdf_cancelled'])}</b>", body))
    facts = [
        (t["pdf_reference"], view.reference),
        (t["pdf_service"], view.service_name),
        (t["pdf_date"], view.day),
        (t["pdf_time"], t["pdf_time_value"].format(time=view.time, timezone=view.timezone)),
        (t["pdf_agency"], view.agency_name),
        (t["pdf_address"], view.agency_address),
        (t["pdf_phone"], view.agency_phone),
    ]
    if view.customer_name:
        facts.insert(1, (t["pdf_customer"], view.customer_name))
    story.append(
        Table(
            [[_plain(k), Paragraph(_x(v), small)] for k, v in facts],
            colWidths=[40 * mm, 130 * mm],
            hAlign="LEFT",
        )
    )
    bring = t["pdf_bring_test_ride" if view.service_kind == "test_ride" else "pdf_bring_workshop"]
    story += [
        Spacer(1, 6 * mm),
        Paragraph(f"<b>{_x(t['pdf_bring_title'])}</b>", body),
        Paragraph(_x(bring), body),
        Spacer(1, 4 * mm),
        Paragraph(_x(t["pdf_change"].format(phone=view.agency_phone)), body),
    ]
    if view.seller is not None:
        story += [Spacer(1, 10 * mm), Paragraph(_x(_legal_line(view.seller, view.language)), small)]
    document.build(story)
    return out.getvalue()


def _legal_line(seller: LegalIdentity, lang: str) -> str:
    """The company's identity as every document prints it (the catalogue's "legal" line)."""
    line = _texts(lang)["legal"].format(
        name=seller.name, siret=seller.siret, rcs=seller.rcs, vat=seller.vat_number
    )
    line = f"{line} - {seller.address}"
    return f"{line} - {seller.capital}" if seller.capital else line
