"""A booking's confirmation as documents: the links the chat gives (the calendar invite,
kind "booking_ics", and a one-page PDF confirmation, kind "booking_pdf"), the PDF's facts,
and the confirmation e-mail with the invite attached (docs/workshop.md, "Confirmations as
documents").

Links are signed and expire (core/signed_links.py, PITLANE_DOCUMENT_LINK_DAYS). They are
absolute when PITLANE_PUBLIC_BASE_URL is set (every channel needs it: Telegram, WhatsApp
and e-mail readers are elsewhere); without it (development) they are relative to the web
app ("/documents/<token>"), which the widget resolves against its own server's origin.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from babel.dates import format_date
from sqlalchemy import func, select

from core import i18n, signed_links
from core.errors import InvalidValue, NotFound
from core.formatting import local_time
from core.ics import booking_invite, invite_ics
from core.legal import LegalIdentity, agency_address, legal_identity
from core.models import Agency, Booking, Calendar, Customer, OtpChallenge, Service
from core.notify import Attachment
from core.otp import mask_destination
from core.uow import UnitOfWork

log = logging.getLogger(__name__)

BOOKING_ICS = "booking_ics"
BOOKING_PDF = "booking_pdf"
CONTEXT = "booking_documents"
# The invite attached to the e-mail: a REQUEST (RFC 5546) that mail clients offer to add.
ICS_REQUEST_TYPE = "text/calendar; method=REQUEST; charset=utf-8"


@dataclass(frozen=True)
class DocumentLinks:
    """How to build a customer's document links: the signing secret, how long they open,
    and the public base URL of the web app (None: relative links)."""

    secret: str
    ttl: timedelta = signed_links.DEFAULT_TTL
    base_url: str | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> DocumentLinks:
        """From CoreSettings (or any settings with its document link fields)."""
        return cls(
            secret=settings.document_link_secret.get_secret_value(),
            ttl=settings.document_link_ttl,
            base_url=getattr(settings, "public_base_url", None),
        )

    def url(self, kind: str, object_id: int, now: datetime) -> str:
        token = signed_links.make_token(self.secret, kind, object_id, now, self.ttl)
        return f"{(self.base_url or '').rstrip('/')}/documents/{token}"


def booking_links(
    links: DocumentLinks, booking_id: int, now: datetime, language: str | None
) -> list[dict[str, str]]:
    """The two links of a booking, as the items of the bot's custom `{"links": [...]}`
    message: {"kind", "title", "url"} for the calendar invite, then the PDF."""
    t = i18n.messages(CONTEXT, language)
    return [
        {
            "kind": BOOKING_ICS,
            "title": t["link_ics"],
            "url": links.url(BOOKING_ICS, booking_id, now),
        },
        {
            "kind": BOOKING_PDF,
            "title": t["link_pdf"],
            "url": links.url(BOOKING_PDF, booking_id, now),
        },
    ]


def booking_ids(uow: UnitOfWork, customer_id: int, references: list[str]) -> dict[str, int]:
    """{reference: booking id} of those references that are this customer's bookings
    (another customer's reference is left out)."""
    if not references:
        return {}
    with uow:
        rows = uow.session.execute(
            select(Booking.reference, Booking.id).where(
                Booking.reference.in_(references), Booking.customer_id == customer_id
            )
        )
        return {reference: booking_id for reference, booking_id in rows}


@dataclass(frozen=True)
class BookingConfirmation:
    """What the PDF confirmation says, in the customer's language."""

    reference: str
    language: str
    service_name: str
    service_kind: str  # "workshop" or "test_ride": what to bring
    agency_name: str
    agency_address: str
    agency_phone: str
    day: str  # the local day, e.g. "mardi 24 novembre 2026"
    time: str  # local start and end, "09:00 – 10:00"
    timezone: str
    customer_name: str | None
    status: str
    seller: LegalIdentity | None


def booking_confirmation(uow: UnitOfWork, booking_id: int) -> BookingConfirmation:
    """The facts of the PDF confirmation of a booking; NotFound ("unknown_booking")."""
    with uow:
        session = uow.session
        row = session.execute(
            select(Booking, Agency, Service, Customer)
            .join(Calendar, Calendar.id == Booking.calendar_id)
            .join(Agency, Agency.id == Calendar.agency_id)
            .join(Service, Service.code == Calendar.service_code)
            .outerjoin(Customer, Customer.id == Booking.customer_id)
            .where(Booking.id == booking_id)
        ).first()
        if row is None:
            raise NotFound("unknown_booking", f"no booking {booking_id}")
        booking, agency, service, customer = row
        try:
            seller: LegalIdentity | None = legal_identity(session)
        except InvalidValue:
            seller = None  # not configured yet: the confirmation goes without the legal line
        language = i18n.language_of(customer.language if customer else None)
        zone = agency.timezone or uow.timezone
        start, end = local_time(booking.start_utc, zone), local_time(booking.end_utc, zone)
        return BookingConfirmation(
            reference=booking.reference,
            language=language,
            service_name=service.name_en if language == "en" else service.name_fr,
            service_kind=service.kind,
            agency_name=agency.name,
            agency_address=agency_address(agency),
            agency_phone=agency.phone,
            day=format_date(start.date(), format="full", locale=language),
            time=f"{start:%H:%M} - {end:%H:%M}",
            timezone=zone,
            customer_name=customer.name if customer and not customer.erased_at else None,
            status=booking.status,
            seller=seller,
        )


def verified_email(uow: UnitOfWork, customer_id: int) -> str | None:
    """The customer's e-mail address when they proved it is theirs: a one-time code sent to
    that very address for them was verified (core/otp.py); else None."""
    with uow:
        customer = uow.session.get(Customer, customer_id)
        if customer is None or customer.erased_at is not None or not customer.email:
            return None
        proved = uow.session.scalar(
            select(OtpChallenge.id)
            .where(
                OtpChallenge.customer_id == customer_id,
                OtpChallenge.transport == "email",
                OtpChallenge.consumed_at.is_not(None),
                func.lower(OtpChallenge.destination) == customer.email.strip().lower(),
            )
            .limit(1)
        )
        return customer.email if proved is not None else None


@dataclass(frozen=True)
class ConfirmationEmail:
    destination: str
    subject: str
    body: str
    attachment: Attachment


def confirmation_email(
    uow: UnitOfWork,
    booking_id: int,
    now: datetime,
    *,
    organizer: str,
    links: DocumentLinks | None = None,
) -> ConfirmationEmail | None:
    """The confirmation e-mail of a booking, None when its customer has no verified e-mail
    address: the text (with the PDF's link when `links` is given) and the invite as a
    REQUEST from `organizer` (the sender's address) to the customer."""
    with uow:
        booking = uow.session.get(Booking, booking_id)
        customer_id = booking.customer_id if booking is not None else None
    if customer_id is None:
        return None
    destination = verified_email(uow, customer_id)
    if destination is None:
        return None
    invite, language, facts = booking_invite(uow, booking_id)
    request = replace(invite, method="REQUEST", organizer=organizer, attendee=destination)
    body = invite_ics(request, now.astimezone(timezone.utc))
    t = i18n.messages(CONTEXT, language)
    text = t["email_body"].format(**facts)
    if links is not None:
        text += "\n\n" + t["email_pdf"].format(url=links.url(BOOKING_PDF, booking_id, now))
    return ConfirmationEmail(
        destination=destination,
        subject=t["email_subject"].format(reference=invite.reference),
        body=text,
        attachment=Attachment(f"{invite.reference}.ics", ICS_REQUEST_TYPE, body),
    )


def send_confirmation_email(
    transports: dict[str, Any],
    uow: UnitOfWork,
    booking_id: int,
    now: datetime,
    *,
    organizer: str,
    links: DocumentLinks | None = None,
) -> bool:
    """Send the confirmation e-mail when the customer has a verified address; whether it
    was sent. A failure is logged and changes nothing: the booking is already saved."""
    try:
        email = confirmation_email(uow, booking_id, now, organizer=organizer, links=links)
        if email is None:
            return False
        transports["email"].send(
            email.destination, email.subject, email.body, attachments=(email.attachment,)
        )
    except Exception:  # noqa: BLE001 - whatever the transport raises, the booking stands
        log.exception("the confirmation e-mail of booking %s was not sent", booking_id)
        return False
    log.info("booking confirmation sent to %s", mask_destination("email", email.destination))
    return True
