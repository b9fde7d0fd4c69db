"""Amounts and their rounding, signed document links, and the PDFs read back from their
uncompressed bytes (no I/O but the compiled catalogues)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from core import money, signed_links
from core.errors import InvalidLink, InvalidValue
from core.estimates import EstimateView, LineView
from core.invoices import DocumentLine, InvoiceView, PaymentView
from core.legal import LegalIdentity
from documents import estimate_pdf, invoice_pdf

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
SECRET = "a-test-secret-of-enough-length-000"
SELLER = LegalIdentity(
    name="Pitlane SAS",
    address="12 rue des Essais, 75011 Paris",
    siret="912 345 678 00017",
    rcs="RCS Paris 912 345 678",
    vat_number="FR40912345678",
)


# ---- amounts


@pytest.mark.parametrize(
    ("numerator", "denominator", "rounded"),
    [(5, 10, 1), (4, 10, 0), (-5, 10, -1), (-4, 10, 0), (15, 10, 2), (25, 10, 3), (0, 7, 0)],
)
def test_halves_round_away_from_zero(numerator: int, denominator: int, rounded: int) -> None:
    assert money.divide_rounded(numerator, denominator) == rounded


def test_vat_is_rounded_once_per_rate_not_per_line() -> None:
    # three lines of 0.05 at 20 %: 1 cent of VAT each if rounded per line (3), 3 once (0.03)
    totals = money.totals([(5, 2000), (5, 2000), (5, 2000)])
    assert totals.vat_cents == 3 and totals.incl_cents == 18
    # 0.025 rounds away from zero: one cent, minus one cent for the opposite credit
    assert money.totals([(25, 1000)]).vat_cents == 3
    assert money.totals([(-25, 1000)]).vat_cents == -3


def test_a_credit_of_every_line_is_exactly_the_opposite_invoice() -> None:
    lines = [(150, 6_533, 2000), (333, 1_999, 550), (100, 1, 2000)]
    invoice = money.totals((money.line_amount(q, p), r) for q, p, r in lines)
    credit = money.totals((money.line_amount(q, -p), r) for q, p, r in lines)
    assert credit.excl_cents == -invoice.excl_cents
    assert credit.vat_cents == -invoice.vat_cents and credit.incl_cents == -invoice.incl_cents


@pytest.mark.parametrize(("text", "value"), [("12,50", 1250), ("1.5", 150), (" 3 ", 300)])
def test_decimals_written_by_people_are_read(text: str, value: int) -> None:
    assert money.parse_decimal(text, 100, "price") == value


@pytest.mark.parametrize("text", ["", "abc", "1,2,3", "NaN", "inf", "1e999999999", "1e13"])
def test_what_is_not_a_number_is_refused(text: str) -> None:
    with pytest.raises(InvalidValue):
        money.parse_decimal(text, 100, "price")


# ---- signed links


def test_a_link_opens_its_kind_and_object_until_it_expires() -> None:
    token = signed_links.make_token(SECRET, "invoice", 42, NOW, timedelta(days=7))
    assert signed_links.read_token(SECRET, token, NOW + timedelta(days=6)) == ("invoice", 42)
    with pytest.raises(InvalidLink) as expired:
        signed_links.read_token(SECRET, token, NOW + timedelta(days=7))
    assert expired.value.expired and expired.value.code == "link_expired"


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t.replace("invoice.42", "invoice.43"),  # another object
        lambda t: t.replace("invoice.", "estimate."),  # another kind
        lambda t: re.sub(r"\.(\d+)\.", lambda m: f".{int(m.group(1)) + 9}.", t, count=1),
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # another signature
        lambda t: t.rsplit(".", 1)[0],  # no signature
        lambda t: "x" * 300,
    ],
)
def test_a_forged_link_opens_nothing(forge) -> None:
    token = signed_links.make_token(SECRET, "invoice", 42, NOW)
    with pytest.raises(InvalidLink) as refused:
        signed_links.read_token(SECRET, forge(token), NOW)
    assert refused.value.code == "invalid_link"


def test_a_link_signed_with_another_secret_or_of_another_kind_is_refused() -> None:
    token = signed_links.make_token("another-secret-of-enough-length", "invoice", 42, NOW)
    with pytest.raises(InvalidLink):
        signed_links.read_token(SECRET, token, NOW)
    mine = signed_links.make_token(SECRET, "invoice", 42, NOW)
    with pytest.raises(InvalidLink):
        signed_links.read_token(SECRET, mine, NOW, kind="estimate")


def test_other_document_kinds_register_a_renderer() -> None:
    served = signed_links.Document("rdv.ics", "text/calendar", b"BEGIN:VCALENDAR")
    signed_links.register_kind("test_booking_ics", lambda uow, object_id: served)
    token = signed_links.make_token(SECRET, "test_booking_ics", 7, NOW)
    assert signed_links.render(None, SECRET, token, NOW) is served  # type: ignore[arg-type]
    assert "test_booking_ics" in signed_links.registered_kinds()


# ---- PDFs


def _invoice(language: str, **changes) -> InvoiceView:
    lines = (
        DocumentLine(1, "part", "Plaquettes (avant)", 200, 3_333, 2000, 6_666, None),
        DocumentLine(2, "labour", "Main d'oeuvre", 150, 6_500, 550, 9_750, None),
    )
    values = dict(
        id=1,
        kind="invoice",
        number="PN-2026-000123",
        agency_code="paris-nord",
        agency_name="Pitlane Paris Nord",
        agency_address="48 boulevard de la Chapelle, 75018 Paris",
        job_id=9,
        corrects_number=None,
        corrects_id=None,
        customer_id=None,
        issued_at=NOW,
        language=language,
        billing_name="Camille <Martin>",
        billing_address=None,
        vehicle="Ducati Monster 821 (AB-123-CD)",
        vin=None,
        seller=SELLER,
        reason=None,
        lines=lines,
        totals=money.totals((line.amount_excl_cents, line.vat_rate_bp) for line in lines),
        payment=None,
    )
    values.update(changes)
    return InvoiceView(**values)


def _text(pdf: bytes) -> str:
    """The text drawn on the pages (uncompressed): the strings of the Tj operators."""
    assert pdf.startswith(b"%PDF-")
    shown = re.findall(rb"\((.*?)\) Tj", pdf)
    return " ".join(s.decode("latin-1").replace("\\(", "(").replace("\\)", ")") for s in shown)


def test_the_invoice_pdf_has_its_number_lines_totals_vat_and_legal_identity() -> None:
    text = _text(invoice_pdf(_invoice("fr"), compress=False))

    for expected in (
        "Facture PN-2026-000123",
        "Plaquettes (avant)",
        "Total HT",
        "164,16",  # 66.66 + 97.50
        "TVA 5,5 % sur 97,50",
        "TVA 20 % sur 66,66",
        "13,33",
        "5,36",
        "Total TTC",
        "182,85",
        "SIRET 912 345 678 00017",
        "RCS Paris 912 345 678",
        "FR40912345678",
        "Pitlane SAS",
        "Camille <Martin>",  # escaped for reportlab's markup, drawn as typed
    ):
        assert expected in text, expected


def test_the_pdf_speaks_the_customers_language_and_says_how_it_was_paid() -> None:
    paid = _invoice("en", payment=PaymentView("card", NOW, 1))
    text = _text(invoice_pdf(paid, compress=False))
    assert "Invoice PN-2026-000123" in text and "Total incl. VAT" in text
    assert "Paid on 02 Mar 2026 (card)." in text and "VAT no. FR40912345678" in text


def test_a_credit_note_pdf_shows_the_invoice_it_corrects_and_negative_totals() -> None:
    note = _invoice(
        "fr",
        kind="credit_note",
        number="AV-PN-2026-000004",
        corrects_number="PN-2026-000123",
        reason="Remise",
        lines=(DocumentLine(3, "part", "Plaquettes", 100, -3_333, 2000, -3_333, 1),),
        totals=money.totals([(-3_333, 2000)]),
    )
    text = _text(invoice_pdf(note, compress=False))
    assert "Avoir AV-PN-2026-000004" in text and "PN-2026-000123" in text
    assert "-40,00" in text and "Motif : Remise" in text


def test_the_estimate_pdf_is_reproducible_and_compressed_by_default() -> None:
    line = LineView(1, "labour", "Diagnostic", 100, 6_000, 2000, 6_000)
    view = EstimateView(
        job_id=5,
        status="sent",
        lines=(line,),
        totals=money.totals([(6_000, 2000)]),
        customer_id=1,
        language="fr",
        sent_at=NOW,
        decided_at=None,
        decision_channel=None,
        decided_by_staff_id=None,
        customer_name="Camille Martin",
        vehicle="Ducati Monster 821",
        agency_name="Pitlane Paris Nord",
        agency_address="48 boulevard de la Chapelle",
        seller=SELLER,
    )
    assert estimate_pdf(view) == estimate_pdf(view)
    text = _text(estimate_pdf(view, compress=False))
    assert "Devis" in text
    assert "72,00" in text and "SIRET 912 345 678 00017" in text
