"""Customers, their identity on each channel, their vehicles; contacts as people type them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import InvalidValue, NotFound
from core.models import ChannelIdentity, Customer, Vehicle
from core.uow import UnitOfWork

NAME_MAX = 100
_EMAIL = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$"
)
_PHONE_CHARS = re.compile(r"^\+?[\d\s.\-/()]+$")
_PLATE = re.compile(r"^([A-HJ-NP-TV-Z]{2})(\d{3})([A-HJ-NP-TV-Z]{2})$")  # SIV: no I, O, U
_VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")  # no I, O, Q


@dataclass(frozen=True)
class CustomerView:
    id: int
    name: str
    email: str | None
    phone: str | None
    language: str


@dataclass(frozen=True)
class VehicleView:
    id: int
    plate: str | None
    vin: str | None
    brand: str
    model: str
    year: int | None


def find_customer(uow: UnitOfWork, channel: str, external_id: str) -> CustomerView | None:
    """The customer known under `external_id` on `channel`, if any."""
    with uow:
        customer = _customer_of(uow.session, channel, external_id)
        return None if customer is None else _view(customer)


def register_customer(
    uow: UnitOfWork,
    *,
    channel: str,
    external_id: str,
    name: str,
    contact: str,
    language: str | None,
) -> CustomerView:
    """Create the customer of this channel identity, or update it when it already exists."""
    clean = clean_name(name)
    kind, value = parse_contact(contact)
    with uow:
        session = uow.session
        customer = _customer_of(session, channel, external_id)
        if customer is None:
            customer = _create(session, channel, external_id, clean, language)
        customer.name = clean
        setattr(customer, kind, value)
        if language:
            customer.language = language
        session.flush()
        view = _view(customer)
        uow.commit()
        return view


Contacts = tuple[str | None, str | None]  # (phone, e-mail)


def contacts_of(uow: UnitOfWork, customer_ids: list[int]) -> dict[int, Contacts]:
    """(phone, e-mail) of each of these customers, erased ones left out."""
    if not customer_ids:
        return {}
    with uow:
        rows = uow.session.execute(
            select(Customer.id, Customer.phone, Customer.email).where(
                Customer.id.in_(set(customer_ids)), Customer.erased_at.is_(None)
            )
        )
        return {row.id: (row.phone, row.email) for row in rows}


def vehicles_of(uow: UnitOfWork, customer_id: int) -> list[VehicleView]:
    with uow:
        if uow.session.get(Customer, customer_id) is None:
            raise NotFound("unknown_customer", f"no customer {customer_id}")
        vehicles = uow.session.scalars(
            select(Vehicle).where(Vehicle.customer_id == customer_id).order_by(Vehicle.id)
        )
        return [VehicleView(v.id, v.plate, v.vin, v.brand, v.model, v.year) for v in vehicles]


def clean_name(text: str) -> str:
    """A person's name: trimmed, inner spaces collapsed, 1..100 characters with a letter."""
    name = " ".join(str(text).split())
    if not name or len(name) > NAME_MAX or not any(char.isalpha() for char in name):
        raise InvalidValue("invalid_name", "a name has 1 to 100 characters")
    return name


def parse_contact(text: str) -> tuple[str, str]:
    """("email", lowercased address) or ("phone", "+33612345678"); InvalidValue otherwise."""
    value = str(text).strip()
    if "@" in value:
        email = value.lower()
        if len(email) <= 254 and _EMAIL.match(email):
            return "email", email
    elif _PHONE_CHARS.match(value):
        phone = _normalise_phone(value)
        if phone:
            return "phone", phone
    raise InvalidValue("invalid_contact", "expected an e-mail address or a phone number")


def _normalise_phone(text: str) -> str | None:
    international = text.startswith("+")
    digits = re.sub(r"\D", "", text.replace("(0)", ""))
    if not international and digits.startswith("00"):
        digits, international = digits[2:], True
    if not international:
        if len(digits) != 10 or digits[0] != "0" or digits[1] == "0":
            return None
        digits = "33" + digits[1:]  # French national number: 06 12 34 56 78
    if digits.startswith("33"):
        national = digits[2:]
        if len(national) == 10 and national[0] == "0":
            national = national[1:]  # "+33 06 ..." written with the trunk 0
        if len(national) != 9 or national[0] == "0":
            return None
        digits = "33" + national
    if not 9 <= len(digits) <= 15 or digits[0] == "0":
        return None
    return "+" + digits


def parse_plate(text: str) -> str:
    """A French registration plate as "AB-123-CD"; InvalidValue otherwise."""
    match = _PLATE.match(re.sub(r"[\s-]", "", str(text).upper()))
    if not match:
        raise InvalidValue("invalid_plate", "expected a plate like AB-123-CD")
    return "-".join(match.groups())


def parse_vin(text: str) -> str:
    """A 17-character vehicle identification number (no I, O, Q); InvalidValue otherwise."""
    vin = re.sub(r"[\s-]", "", str(text).upper())
    if not _VIN.match(vin):
        raise InvalidValue("invalid_vin", "expected 17 letters and digits, without I, O or Q")
    return vin


def _customer_of(session: Session, channel: str, external_id: str) -> Customer | None:
    return session.scalar(
        select(Customer)
        .join(ChannelIdentity, ChannelIdentity.customer_id == Customer.id)
        .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
    )


def _create(
    session: Session, channel: str, external_id: str, name: str, language: str | None
) -> Customer:
    # The unique (channel, external_id) decides a race: the loser uses the winner's customer.
    try:
        with session.begin_nested():
            customer = Customer(name=name, language=language or "fr")
            session.add(customer)
            session.flush()
            session.add(
                ChannelIdentity(channel=channel, external_id=external_id, customer_id=customer.id)
            )
        return customer
    except IntegrityError:
        existing = _customer_of(session, channel, external_id)
        if existing is None:
            raise
        return existing


def _view(customer: Customer) -> CustomerView:
    return CustomerView(
        id=customer.id,
        name=customer.name,
        email=customer.email,
        phone=customer.phone,
        language=customer.language,
    )
