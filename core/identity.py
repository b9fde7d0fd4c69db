"""Which vehicle a customer means: plate and VIN normalised, matched against the records,
and the owner's contacts offered masked for a one-time code (core/otp.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from core.agencies import company_contact
from core.customers import parse_plate, parse_vin
from core.errors import InvalidValue, NotFound, TooManyAttempts
from core.models import Agency, Conversation, Customer, Vehicle
from core.otp_limits import DEFAULT_LIMITS, Limits, record, retry_after, serialise
from core.uow import UnitOfWork

# The pre-2009 FNI form "1234 AB 56": 1-4 digits, 1-3 letters, a department (2 digits,
# 2A/2B, or 97x overseas).
_FNI = re.compile(r"^(\d{1,4})([A-Z]{1,3})(\d{2}|2A|2B|97\d)$")
_PLATE_IN_TEXT = re.compile(
    r"(?<![A-Z0-9])(?:[A-Z]{2}[\s.-]?\d{3}[\s.-]?[A-Z]{2}"
    r"|\d{1,4}[\s.-]?[A-Z]{1,3}[\s.-]?(?:97\d|2A|2B|\d{2}))(?![A-Z0-9])"
)
_VIN_CHARS = re.compile(r"^[A-Z0-9]+$")
MASK = "•"

OUTCOMES = ("match", "plate_wrong", "vin_wrong", "unknown")


@dataclass(frozen=True)
class ContactOption:
    transport: str  # "sms" | "email"
    masked: str  # "06 •• •• •• 42" | "j•••@gmail.com"


@dataclass(frozen=True)
class Identification:
    outcome: str  # one of OUTCOMES
    vehicle_id: int | None = None  # the matched vehicle ("match" only)
    options: list[ContactOption] = field(default_factory=list)  # the owner's contacts, masked
    service_phone: str | None = None  # whom to call ("plate_wrong" only)


def normalize_plate(text: str) -> str:
    """ "ab123cd" or "ev.882.rc" -> "AB-123-CD" / "EV-882-RC"; "1234 ab 56" -> "1234-AB-56";
    InvalidValue("invalid_plate")."""
    compact = re.sub(r"[\s.-]", "", str(text).upper())
    match = _FNI.match(compact)
    if match:
        return "-".join(match.groups())
    return parse_plate(compact)


def normalize_vin(text: str) -> str:
    """17 characters without I, O or Q, uppercased; InvalidValue with a precise code."""
    vin = re.sub(r"[\s-]", "", str(text).upper())
    if not vin or not _VIN_CHARS.match(vin):
        raise InvalidValue("invalid_vin", "a VIN has only letters and digits")
    if len(vin) != 17:
        raise InvalidValue("vin_length", f"a VIN has 17 characters, not {len(vin)}")
    if set(vin) & set("IOQ"):
        raise InvalidValue("vin_forbidden_letters", "a VIN never contains I, O or Q")
    return parse_vin(vin)


def find_plate_and_vin(text: str) -> tuple[str | None, str | None]:
    """The plate and the VIN found in one free message, in any order (None when absent).

    A VIN written whole wins first, then the plate, then a VIN written in groups among
    what is left (so that "AB 123 CD ZDM1R BBW5K B012345" is not read as one VIN).
    """
    upper = str(text).upper()
    vin = None
    for token in re.findall(r"(?<![A-Z0-9])[A-Z0-9]{17}(?![A-Z0-9])", upper):
        if vin := _valid_vin(token):
            upper = upper.replace(token, " ", 1)
            break
    plate = None
    for match in _PLATE_IN_TEXT.finditer(upper):
        try:
            plate = normalize_plate(match.group())
        except InvalidValue:
            continue
        upper = upper.replace(match.group(), " ", 1)
        break
    if vin is None:
        for match in re.finditer(r"[A-Z0-9][A-Z0-9\s-]{15,40}[A-Z0-9]", upper):
            vin = _first_vin(match.group())
            if vin:
                break
    return plate, vin


def _valid_vin(text: str) -> str | None:
    try:
        return normalize_vin(text)
    except InvalidValue:
        return None


def _first_vin(chunk: str) -> str | None:
    """A 17-character VIN written whole or in groups (spaces, dashes) inside `chunk`."""
    tokens = [token for token in re.split(r"[\s-]+", chunk) if token]
    for start in range(len(tokens)):
        joined = ""
        for token in tokens[start:]:
            joined += token
            if len(joined) >= 17:
                if len(joined) == 17:
                    return _valid_vin(joined)
                break
    return None


def mask_phone(e164: str) -> str:
    """ "+33612345642" -> "06 •• •• •• 42"; other countries keep their prefix."""
    digits = re.sub(r"\D", "", e164)
    dots = " ".join([MASK * 2] * 3)
    if digits.startswith("33") and len(digits) == 11:
        return f"0{digits[2]} {dots} {digits[-2:]}"
    return f"+{digits[:2]} {dots} {digits[-2:]}"


def mask_email(email: str) -> str:
    """ "jean@gmail.com" -> "j•••@gmail.com"."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}{MASK * 3}@{domain}"


def contact_options(customer: Customer) -> list[ContactOption]:
    """The ways a code can reach this customer, masked: SMS first, then e-mail."""
    options = []
    if customer.phone:
        options.append(ContactOption("sms", mask_phone(customer.phone)))
    if customer.email:
        options.append(ContactOption("email", mask_email(customer.email)))
    return options


def identify_vehicle(uow: UnitOfWork, plate: str, vin: str) -> Identification:
    """Match a plate and a VIN against the records.

    The VIN decides (a plate can change, a chassis number cannot): a known VIN with its own
    plate is a "match", with another plate "plate_wrong"; an unknown VIN with a known plate
    is "vin_wrong"; neither known is "unknown".
    """
    plate, vin = normalize_plate(plate), normalize_vin(vin)
    with uow:
        session = uow.session
        by_vin = session.scalar(select(Vehicle).where(Vehicle.vin == vin).order_by(Vehicle.id))
        if by_vin is not None and by_vin.plate == plate:
            owner = session.get(Customer, by_vin.customer_id)
            options = contact_options(owner) if owner is not None else []
            return Identification("match", by_vin.id, options)
        if by_vin is not None:
            return Identification("plate_wrong", service_phone=_service_phone(uow))
        by_plate = session.scalar(select(Vehicle.id).where(Vehicle.plate == plate).limit(1))
        return Identification("vin_wrong" if by_plate is not None else "unknown")


def look_up_vehicle(
    uow: UnitOfWork,
    plate: str,
    vin: str,
    *,
    conversation_id: int,
    now: datetime,
    limits: Limits = DEFAULT_LIMITS,
) -> Identification:
    """identify_vehicle for a chat, limited per sender, per client IP and per vehicle (the
    two answers of a near miss tell which plate or VIN exists): TooManyAttempts(seconds)."""
    plate, vin = normalize_plate(plate), normalize_vin(vin)
    with uow:
        session = uow.session
        conversation = session.get(Conversation, conversation_id)
        if conversation is None:
            raise NotFound("unknown_conversation", f"no conversation {conversation_id}")
        keys: dict[str, object] = {
            "sender": f"{conversation.channel}:{conversation.external_id}",
            "ip": conversation.client_ip,
        }
        serialise(session, keys)
        vehicle_id = session.scalar(
            select(Vehicle.id).where(Vehicle.vin == vin).order_by(Vehicle.id).limit(1)
        ) or session.scalar(select(Vehicle.id).where(Vehicle.plate == plate).limit(1))
        serialise(session, {"vehicle_id": vehicle_id})  # always after the others: no deadlock
        keys["vehicle_id"] = vehicle_id
        wait = retry_after(session, "lookup", limits.lookup, keys, now)
        if wait > 0:
            raise TooManyAttempts(wait, "lookup_throttled")
        found = identify_vehicle(uow, plate, vin)
        record(session, "lookup", found.outcome, now, conversation_id=conversation_id, **keys)
        uow.commit()
        return found


def _service_phone(uow: UnitOfWork) -> str | None:
    """The group's contact phone, else the first agency's."""
    try:
        return company_contact(uow).phone
    except NotFound:
        return uow.session.scalar(select(Agency.phone).order_by(Agency.id).limit(1))
