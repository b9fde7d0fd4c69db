"""Repair quotes and the callback tasks of the staff (docs/workshop.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime, utcnow


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
