"""A booking as a calendar invite: an RFC 5545 VCALENDAR with one VEVENT, written by hand.

The event's times carry the agency's time zone as a TZID, described by a VTIMEZONE built
from the IANA database (zoneinfo): every offset change of the event's year and the year
before, as explicit onsets, so a calendar places 10:00 in Paris at 10:00 on both sides of a
DST change. The UID is stable per booking (its reference): importing the invite again after
a move updates the same event. Lines end with CRLF and are folded at 75 octets without
splitting a UTF-8 character; TEXT values are escaped (backslash, semicolon, comma, newline).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parseaddr
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from core import i18n
from core.errors import NotFound
from core.formatting import format_slot
from core.models import Agency, Booking, Calendar, Customer, Service
from core.signed_links import Document
from core.uow import UnitOfWork

PRODID = "-//Pitlane//Workshop bookings//FR"
MEDIA_TYPE = "text/calendar; charset=utf-8"
UID_DOMAIN = "pitlane"
MAX_OCTETS = 75


@dataclass(frozen=True)
class Invite:
    """What the invite says about one booking."""

    reference: str
    start_utc: datetime
    end_utc: datetime
    timezone: str  # IANA name; "UTC" writes UTC times and no VTIMEZONE
    summary: str
    location: str
    description: str
    cancelled: bool = False
    # "PUBLISH" (a file to import) or "REQUEST" (RFC 5546: an e-mailed invitation, which
    # names its organizer and the attendee)
    method: str = "PUBLISH"
    organizer: str | None = None  # an e-mail address
    attendee: str | None = None  # an e-mail address


def booking_ics_document(uow: UnitOfWork, booking_id: int, now: datetime | None = None) -> Document:
    """The signed-link renderer of kind "booking_ics": the .ics file of a booking, in its
    customer's language (French when unknown). NotFound ("unknown_booking")."""
    invite, _, _ = booking_invite(uow, booking_id)
    body = invite_ics(invite, now or datetime.now(timezone.utc))
    return Document(f"{invite.reference}.ics", MEDIA_TYPE, body)


def booking_invite(uow: UnitOfWork, booking_id: int) -> tuple[Invite, str, dict[str, str]]:
    """The invite of a booking, its customer's language and the facts it was written from
    (service, agency, address, phone, reference, when: the local start); NotFound."""
    with uow:
        row = uow.session.execute(
            select(Booking, Agency, Service, Customer.language)
            .join(Calendar, Calendar.id == Booking.calendar_id)
            .join(Agency, Agency.id == Calendar.agency_id)
            .join(Service, Service.code == Calendar.service_code)
            .outerjoin(Customer, Customer.id == Booking.customer_id)
            .where(Booking.id == booking_id)
        ).first()
        if row is None:
            raise NotFound("unknown_booking", f"no booking {booking_id}")
        booking, agency, service, customer_language = row
        language = i18n.language_of(customer_language)
        service_name = service.name_en if language == "en" else service.name_fr
        zone = agency.timezone or uow.timezone
        address = f"{agency.address}, {agency.postcode} {agency.city}"
        facts = {
            "service": service_name,
            "agency": agency.name,
            "address": address,
            "phone": agency.phone,
            "reference": booking.reference,
            "when": format_slot(booking.start_utc, zone, language),
        }
        invite = Invite(
            reference=booking.reference,
            start_utc=booking.start_utc,
            end_utc=booking.end_utc,
            timezone=zone,
            summary=i18n.text("ics", "summary", language, service=service_name, agency=agency.name),
            location=f"{agency.name}, {address}",
            description=i18n.text(
                "ics", "description", language, reference=booking.reference, phone=agency.phone
            ),
            cancelled=booking.status == "cancelled",
        )
    return invite, language, facts


def invite_ics(invite: Invite, now: datetime) -> bytes:
    """The VCALENDAR of one invite, as UTF-8 bytes with CRLF line ends."""
    zone = _zone(invite.timezone)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{invite.method}",
    ]
    if zone is not None:
        lines += vtimezone_lines(invite.timezone, invite.start_utc.year)
    lines += [
        "BEGIN:VEVENT",
        f"UID:booking-{invite.reference}@{UID_DOMAIN}",
        f"DTSTAMP:{_utc(now)}",
        _moment("DTSTART", invite.start_utc, invite.timezone, zone),
        _moment("DTEND", invite.end_utc, invite.timezone, zone),
        f"SUMMARY:{escape_text(invite.summary)}",
        f"LOCATION:{escape_text(invite.location)}",
        f"DESCRIPTION:{escape_text(invite.description)}",
        f"STATUS:{'CANCELLED' if invite.cancelled else 'CONFIRMED'}",
        "TRANSP:OPAQUE",
        *_people(invite),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines).encode("utf-8")


def vtimezone_lines(name: str, year: int) -> list[str]:
    """A VTIMEZONE for `name`: one STANDARD or DAYLIGHT onset per offset change from the
    start of `year - 1` to the end of `year`; a zone without change gets one STANDARD."""
    zone = ZoneInfo(name)
    first = datetime(year - 1, 1, 1, tzinfo=timezone.utc)
    last = datetime(year + 1, 1, 1, tzinfo=timezone.utc)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{name}"]
    changes = list(_offset_changes(zone, first, last))
    if not changes:
        offset = first.astimezone(zone).utcoffset() or timedelta(0)
        changes = [(datetime(1970, 1, 1, tzinfo=timezone.utc) - offset, offset, offset)]
        dst = [False]
    else:
        dst = [bool((at + timedelta(minutes=1)).astimezone(zone).dst()) for at, _, _ in changes]
    for (at, before, after), summer in zip(changes, dst, strict=True):
        kind = "DAYLIGHT" if summer else "STANDARD"
        onset = (at + before).replace(tzinfo=None)  # local time, in the offset it leaves
        abbreviation = (at + timedelta(minutes=1)).astimezone(zone).tzname() or name
        lines += [
            f"BEGIN:{kind}",
            f"DTSTART:{onset:%Y%m%dT%H%M%S}",
            f"TZOFFSETFROM:{_offset(before)}",
            f"TZOFFSETTO:{_offset(after)}",
            f"TZNAME:{escape_text(abbreviation)}",
            f"END:{kind}",
        ]
    lines.append("END:VTIMEZONE")
    return lines


def escape_text(value: str) -> str:
    """An RFC 5545 TEXT value: backslash, semicolon and comma escaped, newlines as \\n."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """A content line folded into lines of at most 75 octets (CRLF + one space before each
    continuation), never inside a UTF-8 character."""
    parts: list[str] = []
    current, size, limit = "", 0, MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, MAX_OCTETS - 1  # the leading space is one octet
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _offset_changes(
    zone: ZoneInfo, first: datetime, last: datetime
) -> Iterable[tuple[datetime, timedelta, timedelta]]:
    """(UTC instant, offset before, offset after) of each change of `zone`, to the minute."""
    day = timedelta(days=1)
    moment = first
    while moment < last:
        before = moment.astimezone(zone).utcoffset()
        after = (moment + day).astimezone(zone).utcoffset()
        if before != after:
            low, high = moment, moment + day  # offset(low) == before, offset(high) == after
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                middle = middle.replace(second=0, microsecond=0)
                if middle <= low:
                    break
                if middle.astimezone(zone).utcoffset() == before:
                    low = middle
                else:
                    high = middle
            assert before is not None and after is not None
            yield high, before, after
        moment += day


def _people(invite: Invite) -> list[str]:
    """ORGANIZER and ATTENDEE of a REQUEST (addresses as mailto: URIs, no parameters)."""
    lines = []
    if invite.organizer:
        lines.append(f"ORGANIZER:mailto:{_address(invite.organizer)}")
    if invite.attendee:
        lines.append(f"ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:{_address(invite.attendee)}")
    return lines


def _address(value: str) -> str:
    """The bare address of "Name <a@b>" or "a@b", without characters a URI cannot hold."""
    address = parseaddr(value)[1] or value
    return "".join(c for c in address if c.isprintable() and c not in ' <>;:,"\\')


def _zone(name: str) -> ZoneInfo | None:
    if name.upper() in ("UTC", "ETC/UTC", "Z"):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _moment(prop: str, moment: datetime, name: str, zone: ZoneInfo | None) -> str:
    if zone is None:
        return f"{prop}:{_utc(moment)}"
    return f"{prop};TZID={name}:{moment.astimezone(zone):%Y%m%dT%H%M%S}"


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}"


def _offset(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{rest:02d}"
