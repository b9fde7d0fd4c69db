"""The customer's profile: seen and changed in the chat, exported, erased; and the MyCar
account a customer creates when their vehicle is not on record.

Erasure (right to be forgotten) keeps the agencies' planning intact: the customer row
stays as an anonymous label ("Client supprimé") so bookings keep their customer_id;
name, e-mail, phone, vehicles, channel identities and one-time code challenges go;
the messages of their conversations are replaced by "[effacé]", their attachments
rows removed and the files deleted from the upload directory. The Rasa trackers of their
conversations (events, slots) are owed in the same transaction (core/tracker_erasure.py) and
erased by the web app's scheduler, even when Rasa is down at the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from core.customer_merge import merge_chat_into
from core.customers import CustomerView, VehicleView, clean_name, parse_contact, vehicles_of
from core.errors import Conflict, InvalidValue, NoChallenge, NotFound
from core.file_store import in_database, remove_files
from core.identity import normalize_plate, normalize_vin
from core.models import (
    Agency,
    Attachment,
    Booking,
    Calendar,
    ChannelIdentity,
    Conversation,
    Customer,
    Message,
    OtpChallenge,
    StoredFile,
    Vehicle,
)
from core.otp import ChallengeView, consumed_challenge, start_challenge
from core.otp_limits import DEFAULT_LIMITS, Limits
from core.tracker_erasure import record_tracker_erasures
from core.uow import UnitOfWork
from core.widget_credentials import CHANNEL as WIDGET_CHANNEL
from core.widget_credentials import revoke_customer_keys

LANGUAGES = ("fr", "en")
ERASED_NAME = "Client supprimé"
ERASED_TEXT = "[effacé]"
FIELD_OF = {"sms": "phone", "email": "email"}
SIGNUP_WINDOW = timedelta(minutes=30)  # how long verified contacts stay good for a signup


@dataclass(frozen=True)
class ProfileView:
    id: int
    name: str
    email: str | None
    phone: str | None
    language: str
    vehicles: list[VehicleView]
    identified_vehicle_id: int | None


def get_profile(uow: UnitOfWork, customer_id: int) -> ProfileView:
    with uow:
        customer = _customer(uow, customer_id)
        return ProfileView(
            id=customer.id,
            name=customer.name,
            email=customer.email,
            phone=customer.phone,
            language=customer.language,
            vehicles=vehicles_of(uow, customer_id),
            identified_vehicle_id=customer.identified_vehicle_id,
        )


def update_profile(
    uow: UnitOfWork, customer_id: int, *, name: str | None = None, language: str | None = None
) -> ProfileView:
    """Change the name and/or the language ("fr", "en"); contacts go through a code."""
    with uow:
        customer = _customer(uow, customer_id)
        if name is not None:
            customer.name = clean_name(name)
        if language is not None:
            if language not in LANGUAGES:
                raise InvalidValue("invalid_language", "the language is fr or en")
            customer.language = language
        uow.session.flush()
        uow.commit()
        return get_profile(uow, customer_id)


def request_contact_change(
    uow: UnitOfWork,
    *,
    conversation_id: int,
    customer_id: int,
    transport: str,
    new_value: str,
    now: datetime,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[ChallengeView, str]:
    """A code sent to the new phone ("sms") or e-mail ("email"); nothing changes yet."""
    kind, value = parse_contact(new_value)
    if FIELD_OF.get(transport) != kind:
        raise InvalidValue(f"invalid_{FIELD_OF.get(transport, 'contact')}", "not that kind")
    with uow:
        _customer(uow, customer_id)
        return start_challenge(
            uow,
            purpose="verify_contact",
            conversation_id=conversation_id,
            transport=transport,
            destination=value,
            now=now,
            customer_id=customer_id,
            payload={"field": kind, "value": value},
            limits=limits,
        )


def apply_contact_change(uow: UnitOfWork, *, challenge_id: int, now: datetime) -> ProfileView:
    """After verify_code: the verified contact replaces the old one (once)."""
    with uow:
        challenge = consumed_challenge(uow, challenge_id, "verify_contact")
        payload = dict(challenge.payload or {})
        if payload.get("applied") or challenge.customer_id is None:
            raise NoChallenge("already_applied", "this change was already applied")
        customer = _customer(uow, challenge.customer_id)
        setattr(customer, payload["field"], payload["value"])
        challenge.payload = {**payload, "applied": now.isoformat()}
        uow.session.flush()
        uow.commit()
        return get_profile(uow, customer.id)


def export_customer_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """Everything Pitlane stores about the customer, as plain JSON-able values."""
    with uow:
        session = uow.session
        customer = _customer(uow, customer_id)
        identities = list(
            session.scalars(
                select(ChannelIdentity).where(ChannelIdentity.customer_id == customer_id)
            )
        )
        bookings = session.execute(
            select(Booking, Calendar.service_code, Agency.name)
            .join(Calendar, Calendar.id == Booking.calendar_id)
            .join(Agency, Agency.id == Calendar.agency_id)
            .where(Booking.customer_id == customer_id)
            .order_by(Booking.start_utc)
        )
        conversations = []
        for conversation in _conversations_of(uow, identities):
            messages = session.scalars(
                select(Message)
                .where(Message.conversation_id == conversation.id)
                .order_by(Message.id)
            )
            conversations.append(
                {
                    "channel": conversation.channel,
                    "started_at": conversation.created_at.isoformat(),
                    "messages": [
                        {
                            "direction": m.direction,
                            "text": m.text,
                            "at": m.created_at.isoformat(),
                        }
                        for m in messages
                    ],
                }
            )
        return {
            "customer": {
                "name": customer.name,
                "email": customer.email,
                "phone": customer.phone,
                "language": customer.language,
                "created_at": customer.created_at.isoformat(),
            },
            "channels": [{"channel": i.channel, "id": i.external_id} for i in identities],
            "vehicles": [
                {"plate": v.plate, "vin": v.vin, "brand": v.brand, "model": v.model, "year": v.year}
                for v in vehicles_of(uow, customer_id)
            ],
            "bookings": [
                {
                    "reference": booking.reference,
                    "service": service,
                    "agency": agency,
                    "start_utc": booking.start_utc.isoformat(),
                    "status": booking.status,
                }
                for booking, service, agency in bookings
            ],
            "conversations": conversations,
        }


def erase_customer(uow: UnitOfWork, customer_id: int, now: datetime) -> None:
    """Erase the personal data and the files they sent; the customer row stays anonymous
    for the bookings."""
    with uow:
        session = uow.session
        customer = _customer(uow, customer_id)
        identities = list(
            session.scalars(
                select(ChannelIdentity).where(ChannelIdentity.customer_id == customer_id)
            )
        )
        conversation_ids = [c.id for c in _conversations_of(uow, identities)]
        stored_files: list[str] = []
        if conversation_ids:
            message_ids = select(Message.id).where(Message.conversation_id.in_(conversation_ids))
            stored_files = [
                path
                for path in session.scalars(
                    select(Attachment.storage_path).where(Attachment.message_id.in_(message_ids))
                )
                if path
            ]
            session.execute(delete(Attachment).where(Attachment.message_id.in_(message_ids)))
            # The database store's files go with the records, in this transaction.
            in_table = [key for key in stored_files if in_database(key)]
            session.execute(delete(StoredFile).where(StoredFile.key.in_(in_table)))
            session.execute(
                update(Message)
                .where(Message.conversation_id.in_(conversation_ids))
                .values(text=ERASED_TEXT, payload=None, error=None)
            )
            session.execute(
                delete(OtpChallenge).where(OtpChallenge.conversation_id.in_(conversation_ids))
            )
        session.execute(delete(OtpChallenge).where(OtpChallenge.customer_id == customer_id))
        # Rasa's sender id of each of their chats: "<channel>:<external id>".
        record_tracker_erasures(session, (f"{i.channel}:{i.external_id}" for i in identities), now)
        # Their widgets' credentials open nothing any more (history, rooms, stream, uploads).
        revoke_customer_keys(
            session, (i.external_id for i in identities if i.channel == WIDGET_CHANNEL), now
        )
        customer.identified_vehicle_id = None
        session.flush()
        session.execute(delete(Vehicle).where(Vehicle.customer_id == customer_id))
        session.execute(delete(ChannelIdentity).where(ChannelIdentity.customer_id == customer_id))
        customer.name = ERASED_NAME
        customer.email = None
        customer.phone = None
        customer.erased_at = now
        session.flush()
        uow.commit()
    # The filesystem's files go once their records are gone for good (a failed commit keeps
    # both).
    remove_files(key for key in stored_files if not in_database(key))


def create_mycar_account(
    uow: UnitOfWork,
    *,
    channel: str,
    external_id: str,
    name: str,
    email: str,
    phone: str,
    vin: str,
    plate: str,
    brand: str,
    model: str,
    year: int | None,
    now: datetime,
) -> CustomerView:
    """A customer and their vehicle, once this conversation verified both contacts.

    The contacts count as verified when a "signup" challenge of this conversation to that
    e-mail and one to that phone were consumed within the last 30 minutes. The new
    customer is identified with the new vehicle; the chat becomes theirs, with what its
    provisional record owned (bookings...: core/customer_merge.py), in the same transaction.
    """
    clean = clean_name(name)
    email_kind, email_value = parse_contact(email)
    phone_kind, phone_value = parse_contact(phone)
    if email_kind != "email":
        raise InvalidValue("invalid_email", "expected an e-mail address")
    if phone_kind != "phone":
        raise InvalidValue("invalid_phone", "expected a phone number")
    vin, plate = normalize_vin(vin), normalize_plate(plate)
    if not str(brand).strip() or not str(model).strip():
        raise InvalidValue("invalid_vehicle", "brand and model are needed")
    if year is not None and not 1900 <= int(year) <= now.year + 1:
        raise InvalidValue("invalid_year", "a year between 1900 and next year")
    with uow:
        session = uow.session
        conversation = session.scalar(
            select(Conversation).where(
                Conversation.channel == channel, Conversation.external_id == external_id
            )
        )
        if conversation is None:
            raise NotFound("unknown_conversation", "no conversation on that channel")
        for transport, destination in (("email", email_value), ("sms", phone_value)):
            verified = session.scalar(
                select(OtpChallenge.id).where(
                    OtpChallenge.conversation_id == conversation.id,
                    OtpChallenge.purpose == "signup",
                    OtpChallenge.transport == transport,
                    OtpChallenge.destination == destination,
                    OtpChallenge.consumed_at >= now - SIGNUP_WINDOW,
                )
            )
            if verified is None:
                raise NoChallenge(f"{FIELD_OF[transport]}_not_verified", "verify it with a code")
        if session.scalar(select(Vehicle.id).where(Vehicle.vin == vin)) is not None:
            raise Conflict("vin_known", "this VIN is already on record")
        customer = Customer(
            name=clean, email=email_value, phone=phone_value, language=conversation.language or "fr"
        )
        session.add(customer)
        session.flush()
        vehicle = Vehicle(
            customer_id=customer.id,
            plate=plate,
            vin=vin,
            brand=str(brand).strip(),
            model=str(model).strip(),
            year=None if year is None else int(year),
        )
        session.add(vehicle)
        session.flush()
        customer.identified_vehicle_id = vehicle.id
        session.flush()
        merge_chat_into(
            session,
            customer_id=customer.id,
            channel=channel,
            external_id=external_id,
            conversation_id=conversation.id,
        )
        view = CustomerView(
            customer.id, customer.name, customer.email, customer.phone, customer.language
        )
        uow.commit()
        return view


def _customer(uow: UnitOfWork, customer_id: int) -> Customer:
    customer = uow.session.get(Customer, customer_id)
    if customer is None or customer.erased_at is not None:
        raise NotFound("unknown_customer", f"no customer {customer_id}")
    return customer


def _conversations_of(uow: UnitOfWork, identities: list[ChannelIdentity]) -> list[Conversation]:
    found = []
    for identity in identities:
        conversation = uow.session.scalar(
            select(Conversation).where(
                Conversation.channel == identity.channel,
                Conversation.external_id == identity.external_id,
            )
        )
        if conversation is not None:
            found.append(conversation)
    return found
