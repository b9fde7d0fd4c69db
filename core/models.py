"""Database tables (SQLAlchemy 2 typed models). Times are aware UTC in Python, naive UTC in SQL."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: identical on SQLite and PostgreSQL."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Service(Base):
    __tablename__ = "services"
    __table_args__ = (
        CheckConstraint("kind IN ('workshop', 'test_ride')", name="kind"),
        CheckConstraint("usage IN ('road', 'offroad', 'sport')", name="usage"),
    )

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_fr: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    usage: Mapped[str | None] = mapped_column(String(20))


class Agency(Base):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    postcode: Mapped[str] = mapped_column(String(20))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    phone: Mapped[str] = mapped_column(String(40))
    email: Mapped[str] = mapped_column(String(254))


def _staff_default(context: Any) -> int:
    return int(context.get_current_parameters()["capacity"])


class Calendar(Base):
    """The bookable slots of one service at one agency."""

    __tablename__ = "calendars"
    __table_args__ = (
        UniqueConstraint("agency_id", "service_code"),
        CheckConstraint("slot_minutes > 0", name="slot_minutes_positive"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("staff_count > 0", name="staff_count_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    service_code: Mapped[str] = mapped_column(ForeignKey("services.code"))
    slot_minutes: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    # {"mon": [["09:00", "12:00"], ["14:00", "18:00"]], ...}; absent or empty = closed
    opening_hours: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Staff on duty for this service: a slot never holds more bookings than staff.
    # Not given: as many staff as places (like migration 0005 does for existing rows).
    staff_count: Mapped[int] = mapped_column(Integer, default=_staff_default, server_default="1")


class SlotCounter(Base):
    """Places taken in one slot: the capacity guard, updated by a conditional upsert."""

    __tablename__ = "slot_counters"
    __table_args__ = (CheckConstraint("taken >= 0", name="taken_not_negative"),)

    calendar_id: Mapped[int] = mapped_column(
        ForeignKey("calendars.id", ondelete="CASCADE"), primary_key=True
    )
    start_utc: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    taken: Mapped[int] = mapped_column(Integer)


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The vehicle this customer proved to own with a one-time code (core/otp.py); vehicles
    # also point at customers, hence use_alter for the cycle.
    identified_vehicle_id: Mapped[int | None] = mapped_column(
        ForeignKey("vehicles.id", ondelete="SET NULL", use_alter=True)
    )
    # Set when the customer asked for their account to be erased (core/profile.py).
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ChannelIdentity(Base):
    """Who a customer is on one channel (web visitor id, Telegram chat, WhatsApp number)."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )


class Vehicle(Base):
    __tablename__ = "vehicles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    plate: Mapped[str | None] = mapped_column(String(20), index=True)
    vin: Mapped[str | None] = mapped_column(String(17), index=True)
    brand: Mapped[str] = mapped_column(String(60))
    model: Mapped[str] = mapped_column(String(100))
    year: Mapped[int | None] = mapped_column(Integer)
    # Date of first registration (carte grise): the 1000 km visit's age rule uses it.
    first_registration: Mapped[date | None] = mapped_column(Date)


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("status IN ('confirmed', 'cancelled')", name="status"),
        Index(None, "calendar_id", "start_utc"),
        Index(None, "start_utc"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendars.id", ondelete="CASCADE"))
    start_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    end_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="confirmed")
    # What the customer told for this service: {"mileage": 12000, "description": "...",
    # "attachment_ids": [3, 4], "quote_number": "..."}; shown to staff with the booking.
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Conversation(Base):
    """One customer's chat on one channel; its Rasa sender id is "channel:external_id"."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the customer asked for no more messages (STOP): no proactive message then.
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint("direction IN ('in', 'out')", name="direction"),
        Index(None, "conversation_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(3))
    sender: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    external_id: Mapped[str | None] = mapped_column(String(100), index=True)  # provider's id
    error: Mapped[str | None] = mapped_column(Text)  # why an outbound message failed


class InboundReceipt(Base):
    """A provider message already taken in: a retried webhook is not processed twice."""

    __tablename__ = "inbound_receipts"

    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    external_message_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


ATTACHMENT_KINDS = ("image", "document", "audio", "video", "location")


class Attachment(Base):
    """A file or a location a message carries; files live outside the web root."""

    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint("kind IN ('image', 'document', 'audio', 'video', 'location')", name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    content_type: Mapped[str | None] = mapped_column(String(100))
    filename: Mapped[str | None] = mapped_column(String(255))
    storage_path: Mapped[str | None] = mapped_column(String(500))
    size: Mapped[int | None] = mapped_column(Integer)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Setting(Base):
    """Key/value settings of the group: contact_email, contact_phone."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class StaffUser(Base):
    """An advisor or an admin of the console; `email` is stored lowercased."""

    __tablename__ = "staff_users"
    __table_args__ = (
        CheckConstraint("role IN ('advisor', 'admin')", name="role"),
        CheckConstraint("max_conversations > 0", name="max_conversations_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id, PHC string
    max_conversations: Mapped[int] = mapped_column(Integer, default=3)
    available: Mapped[bool] = mapped_column(Boolean, default=False)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StaffSession(Base):
    """A server-side console session; only the sha256 of its token is stored."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiToken(Base):
    """A bearer token created by an admin for scripts; only its sha256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginAttempt(Base):
    """One login attempt under one limiter key ("email:<address>" or "ip:<address>")."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index(None, "key", "attempted_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    succeeded: Mapped[bool] = mapped_column(Boolean)


HANDOFF_STATUSES = ("pending", "accepted", "closed", "refused", "expired", "cancelled")
OPEN_HANDOFF = "status IN ('pending', 'accepted')"


class HandoffRequest(Base):
    """A customer's request to talk with an advisor (state machine in core/handoff.py)."""

    __tablename__ = "handoff_requests"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'accepted', 'closed', 'refused', 'expired', 'cancelled')",
            name="status",
        ),
        # One open request per conversation: the database is the guarantee, not a lookup.
        Index(
            "uq_handoff_requests_one_open",
            "conversation_id",
            unique=True,
            sqlite_where=text(OPEN_HANDOFF),
            postgresql_where=text(OPEN_HANDOFF),
        ),
        Index(None, "status", "created_at"),
        Index(None, "advisor_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    advisor_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(500))


OTP_PURPOSES = ("identify", "verify_contact", "signup")
OTP_TRANSPORTS = ("sms", "email")


class OtpChallenge(Base):
    """A one-time code sent to one destination (rules in core/otp.py); the code is not stored."""

    __tablename__ = "otp_challenges"
    __table_args__ = (
        CheckConstraint("purpose IN ('identify', 'verify_contact', 'signup')", name="purpose"),
        CheckConstraint("transport IN ('sms', 'email')", name="transport"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index(None, "conversation_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicles.id", ondelete="CASCADE"))
    transport: Mapped[str] = mapped_column(String(10))
    destination: Mapped[str] = mapped_column(String(254))
    secret: Mapped[str] = mapped_column(String(64))  # pyotp base32; the code is HOTP(counter)
    counter: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxMessage(Base):
    """An SMS or e-mail the development transport kept instead of sending it."""

    __tablename__ = "outbox_messages"
    __table_args__ = (CheckConstraint("transport IN ('sms', 'email')", name="transport"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transport: Mapped[str] = mapped_column(String(10))
    destination: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


# --- Workshop services, reminders, feedback (docs/workshop.md) -------------------------


class CalendarClosure(Base):
    """A date on which one calendar takes no booking (holiday, staff training...)."""

    __tablename__ = "calendar_closures"
    __table_args__ = (UniqueConstraint("calendar_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendars.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)  # local date (PITLANE_TIMEZONE)
    reason: Mapped[str | None] = mapped_column(String(200))


class Quote(Base):
    """A repair quote (devis) made by an agency for one vehicle."""

    __tablename__ = "quotes"
    __table_args__ = (CheckConstraint("status IN ('open', 'accepted', 'expired')", name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)  # normalised: upper, no spaces
    vehicle_id: Mapped[int | None] = mapped_column(
        ForeignKey("vehicles.id", ondelete="SET NULL"), index=True
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    description: Mapped[str] = mapped_column(Text)
    amount_cents: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


OPEN_CALLBACK = "status = 'open' AND quote_id IS NOT NULL"
OPEN_CONVERSATION_CALLBACK = "status = 'open' AND kind = 'callback'"


class CallbackTask(Base):
    """Someone of the staff must call the customer back (a repair quote to schedule...)."""

    __tablename__ = "callback_tasks"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'done')", name="status"),
        Index(None, "status", "created_at"),
        # One open task per quote: asking twice returns the same task (core/workshop.py).
        Index(
            "uq_callback_tasks_one_open_per_quote",
            "quote_id",
            unique=True,
            sqlite_where=text(OPEN_CALLBACK),
            postgresql_where=text(OPEN_CALLBACK),
        ),
        # One open callback request per conversation: asking again returns it (0007).
        Index(
            "uq_callback_tasks_one_open_per_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=text(OPEN_CONVERSATION_CALLBACK),
            postgresql_where=text(OPEN_CONVERSATION_CALLBACK),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(30))  # "repair_quote" | "callback"
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL")
    )
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"))
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("quotes.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    # the number to call, when given in the chat (else the customer's own phone)
    phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    outcome: Mapped[str | None] = mapped_column(Text)


class Reminder(Base):
    """A message due about a booking: the reminder before it, the survey after it.

    The row is the truth (due time, sent or not); APScheduler jobs only wake the web app
    at the due time. Sending claims the row by a conditional update, so it happens once
    whatever the number of replicas.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("booking_id", "kind"),
        CheckConstraint("kind IN ('reminder', 'survey')", name="kind"),
        CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'cancelled', 'failed')", name="status"
        ),
        Index(None, "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Complaint(Base):
    """A customer's complaint (réclamation): a ticket staff answer in the backoffice."""

    __tablename__ = "complaints"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'answered', 'closed')", name="status"),
        Index(None, "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"))
    booking_reference: Mapped[str | None] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SurveyResponse(Base):
    """The satisfaction survey sent after one booking, and the customer's answer."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    booking_id: Mapped[int] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), unique=True
    )
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rating: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# ---- chat rooms between customers and commercial notifications (docs/rooms.md) ----------

ROOM_STATUSES = ("open", "deleted")
OPEN_ROOM = "status = 'open'"


class Room(Base):
    """A chat room an admin created; `member_count` is the capacity guard (conditional
    update, and a CHECK that it never exceeds the capacity). Deleting closes it for good."""

    __tablename__ = "rooms"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'deleted')", name="status"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("member_count >= 0", name="member_count_not_negative"),
        CheckConstraint("member_count <= capacity", name="member_count_within_capacity"),
        # Two open rooms never share a name; a deleted room's name can be used again.
        Index(
            "uq_rooms_open_name",
            "name",
            unique=True,
            sqlite_where=text(OPEN_ROOM),
            postgresql_where=text(OPEN_ROOM),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    description: Mapped[str | None] = mapped_column(String(300))
    capacity: Mapped[int] = mapped_column(Integer)
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RoomMember(Base):
    """A customer (their conversation) in a room, under the name they chose; the rate
    limit's window lives on this row so one conditional update checks and counts."""

    __tablename__ = "room_members"
    __table_args__ = (UniqueConstraint("room_id", "conversation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    display_name: Mapped[str] = mapped_column(String(40))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_count: Mapped[int] = mapped_column(Integer, default=0)


class RoomMessage(Base):
    """A message posted in a room (plain text); an admin may remove it (kept for admins)."""

    __tablename__ = "room_messages"
    __table_args__ = (Index(None, "room_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL")
    )
    author: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )


class RoomMessageReport(Base):
    """A customer reported a room message; one report per message and reporter."""

    __tablename__ = "room_message_reports"
    __table_args__ = (UniqueConstraint("message_id", "conversation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("room_messages.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RoomBan(Base):
    """A customer an admin banned from a room: they cannot join it again."""

    __tablename__ = "room_bans"
    __table_args__ = (UniqueConstraint("room_id", "conversation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    banned_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


NOTIFICATION_AUDIENCES = ("all", "opted_in", "language")
NOTIFICATION_STATUSES = ("scheduled", "sending", "sent", "cancelled")


class Notification(Base):
    """A commercial notification an admin composed; sent at `send_at` by whoever claims it
    first (conditional update scheduled -> sending)."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint("audience IN ('all', 'opted_in', 'language')", name="audience"),
        CheckConstraint("status IN ('scheduled', 'sending', 'sent', 'cancelled')", name="status"),
        Index(None, "status", "send_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    audience: Mapped[str] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    send_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NotificationReceipt(Base):
    """One customer received one notification (live stream, catch-up, or their channel)."""

    __tablename__ = "notification_receipts"

    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), primary_key=True
    )
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NotificationSubscription(Base):
    """A customer's explicit yes to commercial notifications (the "opted-in" audience)."""

    __tablename__ = "notification_subscriptions"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    subscribed: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


# The test-ride catalogue's and the knowledge base's tables are declared in their own modules;
# importing them here registers them on Base.metadata for everyone who imports the models
# (Alembic included).
from core import answers_tables, catalogue_tables  # noqa: E402, F401
