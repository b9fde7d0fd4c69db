"""A booking's confirmation as documents without a database: the PDF read back from its
uncompressed bytes, the links (signed, expiring, absolute or relative), the custom links
message as each channel shows it, and the e-mail with its invite attached."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from channels.telegram.send import message_text
from channels.whatsapp.send import numbered
from core import signed_links
from core.booking_documents import BOOKING_ICS, BOOKING_PDF, BookingConfirmation, DocumentLinks
from core.errors import InvalidLink
from core.legal import LegalIdentity
from core.notify import Attachment
from documents.pdf import booking_confirmation_pdf
from hub.messages import Link, OutgoingMessage
from transports.smtp import SmtpEmailTransport

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
SECRET = "a-test-secret-of-enough-length-000"
SELLER = LegalIdentity(
    name="Pitlane SAS",
    address="12 rue des Essais, 75011 Paris",
    siret="912 345 678 00017",
    rcs="RCS Paris 912 345 678",
    vat_number="FR40912345678",
)


def _text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    shown = re.findall(rb"\((.*?)\) Tj", pdf)
    text = " ".join(s.decode("latin-1").replace("\\(", "(").replace("\\)", ")") for s in shown)
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), text)  # octal escapes


def _view(language: str, kind: str = "workshop", seller: LegalIdentity | None = SELLER):
    return BookingConfirmation(
        reference="PL-4K7Q2X",
        language=language,
        service_name="Entretien / révision" if language == "fr" else "Maintenance / service",
        service_kind=kind,
        agency_name="Pitlane Paris Nord",
        agency_address="48 boulevard de la Chapelle, 75018 Paris",
        agency_phone="01 42 00 00 00",
        day="mardi 24 novembre 2026" if language == "fr" else "Tuesday, 24 November 2026",
        time="09:00 - 10:00",
        timezone="Europe/Paris",
        customer_name="Camille Martin",
        status="confirmed",
        seller=seller,
    )


def test_the_french_pdf_has_the_booking_the_agency_what_to_bring_and_the_legal_line() -> None:
    text = _text(booking_confirmation_pdf(_view("fr"), compress=False))
    for expected in (
        "Confirmation de rendez-vous PL-4K7Q2X",
        "Entretien / r\xe9vision",
        "mardi 24 novembre 2026",
        "09:00 - 10:00 (heure locale, Europe/Paris)",
        "Pitlane Paris Nord",
        "48 boulevard de la Chapelle, 75018 Paris",
        "carte grise",
        "SIRET 912 345 678 00017",
        "FR40912345678",
        "Camille Martin",
    ):
        assert expected in text, expected


def test_the_english_test_ride_pdf_says_to_bring_a_licence_and_works_without_legal_identity():
    text = _text(booking_confirmation_pdf(_view("en", "test_ride", None), compress=False))
    assert "Booking confirmation PL-4K7Q2X" in text and "driving licence" in text
    assert "local time, Europe/Paris" in text and "SIRET" not in text


@pytest.mark.parametrize("kind", [BOOKING_ICS, BOOKING_PDF])
def test_links_of_both_kinds_open_until_they_expire_and_forgeries_never(kind: str) -> None:
    links = DocumentLinks(SECRET, timedelta(days=7), "https://pitlane.example.com")
    url = links.url(kind, 42, NOW)
    assert url.startswith("https://pitlane.example.com/documents/")
    token = url.rsplit("/", 1)[1]
    assert signed_links.read_token(SECRET, token, NOW + timedelta(days=6)) == (kind, 42)
    with pytest.raises(InvalidLink) as expired:
        signed_links.read_token(SECRET, token, NOW + timedelta(days=7))
    assert expired.value.expired
    with pytest.raises(InvalidLink) as forged:
        signed_links.read_token("another-secret-of-enough-length", token, NOW)
    assert not forged.value.expired
    other = BOOKING_PDF if kind == BOOKING_ICS else BOOKING_ICS
    tampered = token.replace(kind, other, 1)  # the same signature for another kind
    with pytest.raises(InvalidLink):
        signed_links.read_token(SECRET, tampered, NOW)


def test_without_a_public_base_url_links_are_relative_to_the_web_app() -> None:
    assert DocumentLinks(SECRET).url(BOOKING_PDF, 1, NOW).startswith("/documents/booking_pdf.1.")


def test_the_links_message_is_shown_as_titles_and_urls_outside_the_widget() -> None:
    message = OutgoingMessage.from_rasa(
        {
            "custom": {
                "links": [
                    {"title": "Ajouter à mon agenda", "url": "https://p.example/documents/a"},
                    {"title": "Confirmation PDF", "url": "/documents/b"},
                    {"title": "piège", "url": "javascript:alert(1)"},
                    {"title": "protocol-relative", "url": "//evil.example/x"},
                    {"title": "", "url": "https://p.example/c"},
                ]
            }
        }
    )
    assert message.links == [
        Link("Ajouter à mon agenda", "https://p.example/documents/a"),
        Link("Confirmation PDF", "/documents/b"),
    ]
    expected = "Ajouter à mon agenda\nhttps://p.example/documents/a"
    assert expected in numbered(message) and "javascript" not in numbered(message)
    assert expected in (message_text(message) or "")
    assert OutgoingMessage.from_rasa({"custom": {"venue": {}}}).links == []


def test_an_email_with_an_invite_is_multipart_mixed_with_the_calendar_method() -> None:
    transport = SmtpEmailTransport("127.0.0.1", 25, "Pitlane <no-reply@pitlane.example>")
    invite = Attachment("PL-4K7Q2X.ics", "text/calendar; method=REQUEST; charset=utf-8", b"X")
    message = transport.message("camille@example.com", "Confirmé", "Bonjour", [invite])
    assert message.get_content_type() == "multipart/mixed"
    text, calendar = list(message.iter_parts())
    assert text.get_content_type() == "text/plain" and "Bonjour" in text.get_content()
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_filename() == "PL-4K7Q2X.ics"
    plain = transport.message("camille@example.com", "Code", "123456")
    assert plain.get_content_type() == "text/plain"
