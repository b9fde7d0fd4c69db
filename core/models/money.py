"""Estimates, invoices and credit notes of repair jobs (docs/workshop.md, "Estimates and
invoices"). Amounts are integer cents, quantities hundredths (150 = 1.5 hours), VAT rates
basis points (2000 = 20 %)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime

LINE_KINDS = ("part", "labour", "other")
ESTIMATE_STATUSES = ("draft", "sent", "approved", "declined")
DECISION_CHANNELS = ("web", "telegram", "whatsapp", "counter", "phone")
DOCUMENT_KINDS = ("invoice", "credit_note")
PAYMENT_METHODS = ("cash", "card", "cheque", "transfer")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class Estimate(Base):
    """The estimate of a job (one per job). Its lines change only while it is a draft; each
    change bumps `lines_version` by a conditional UPDATE on status 'draft', and sending is a
    conditional UPDATE on (status 'draft', lines_version): the totals frozen at sending are
    those of the lines the sender read. The decision is one conditional UPDATE on 'sent'."""

    __tablename__ = "estimates"
    __table_args__ = (
        CheckConstraint(_one_of("status", ESTIMATE_STATUSES), name="status"),
        CheckConstraint(
            f"decision_channel IS NULL OR {_one_of('decision_channel', DECISION_CHANNELS)}",
            name="decision_channel",
        ),
    )

    job_id: Mapped[int] = mapped_column(
        ForeignKey("repair_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(10), default="draft")
    lines_version: Mapped[int] = mapped_column(Integer, default=1)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_by_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    total_excl_cents: Mapped[int | None] = mapped_column(Integer)
    total_vat_cents: Mapped[int | None] = mapped_column(Integer)
    total_incl_cents: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_channel: Mapped[str | None] = mapped_column(String(10))
    # a decision made at the counter or on the phone, recorded by staff
    decided_by_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )


class EstimateLine(Base):
    __tablename__ = "estimate_lines"
    __table_args__ = (
        CheckConstraint(_one_of("kind", LINE_KINDS), name="kind"),
        CheckConstraint("quantity_centi > 0", name="quantity_positive"),
        CheckConstraint("unit_price_cents >= 0", name="price_not_negative"),
        CheckConstraint("vat_rate_bp >= 0 AND vat_rate_bp <= 10000", name="vat_rate"),
        Index(None, "job_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("estimates.job_id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(200))
    quantity_centi: Mapped[int] = mapped_column(Integer)  # parts: quantity; labour: hours
    unit_price_cents: Mapped[int] = mapped_column(Integer)  # parts: unit price; labour: rate
    vat_rate_bp: Mapped[int] = mapped_column(Integer)


class DocumentCounter(Base):
    """The last number given per agency, kind and year: allocated by a conditional UPDATE
    in the issuing transaction (the row stays locked until it ends), so numbers have no gap
    and no duplicate."""

    __tablename__ = "document_counters"
    __table_args__ = (CheckConstraint(_one_of("kind", DOCUMENT_KINDS), name="kind"),)

    agency_id: Mapped[int] = mapped_column(
        ForeignKey("agencies.id", ondelete="RESTRICT"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Invoice(Base):
    """An issued invoice or credit note, never updated (core/invoices.py has no update path
    and a listener refuses one): its lines, totals, the customer's and vehicle's details and
    the company's legal identity are copied onto it when issued. A credit note (kind
    'credit_note') corrects an invoice (`corrects_id`) with negative amounts."""

    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint(_one_of("kind", DOCUMENT_KINDS), name="kind"),
        CheckConstraint(
            "(kind = 'invoice' AND corrects_id IS NULL AND job_id IS NOT NULL) OR "
            "(kind = 'credit_note' AND corrects_id IS NOT NULL AND job_id IS NULL)",
            name="kind_links",
        ),
        UniqueConstraint("agency_id", "kind", "year", "seq"),
        Index(None, "agency_id", "year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    number: Mapped[str] = mapped_column(String(40), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    # one invoice per job; credit notes point at the invoice they correct
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("repair_jobs.id", ondelete="RESTRICT"), unique=True
    )
    corrects_id: Mapped[int | None] = mapped_column(
        ForeignKey("invoices.id", ondelete="RESTRICT"), index=True
    )
    # legal retention: the customer's row may be anonymised; the snapshot below stays
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    language: Mapped[str] = mapped_column(String(8))
    billing_name: Mapped[str] = mapped_column(String(100))
    billing_address: Mapped[str | None] = mapped_column(Text)
    vehicle: Mapped[str | None] = mapped_column(String(200))  # "Ducati Monster 821 (AB-123-CD)"
    vin: Mapped[str | None] = mapped_column(String(17))
    seller: Mapped[dict[str, Any]] = mapped_column(JSON)  # the legal identity at issue
    agency_name: Mapped[str] = mapped_column(String(100))
    agency_address: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)  # a credit note's reason
    total_excl_cents: Mapped[int] = mapped_column(Integer)
    total_vat_cents: Mapped[int] = mapped_column(Integer)
    total_incl_cents: Mapped[int] = mapped_column(Integer)


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"
    __table_args__ = (
        CheckConstraint(_one_of("kind", LINE_KINDS), name="kind"),
        CheckConstraint("quantity_centi > 0", name="quantity_positive"),
        CheckConstraint("vat_rate_bp >= 0 AND vat_rate_bp <= 10000", name="vat_rate"),
        UniqueConstraint("invoice_id", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="RESTRICT"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(200))
    quantity_centi: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)  # negative on a credit note
    vat_rate_bp: Mapped[int] = mapped_column(Integer)
    amount_excl_cents: Mapped[int] = mapped_column(Integer)
    # a credit note's line: the invoice line it credits
    credits_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("invoice_lines.id", ondelete="RESTRICT"), index=True
    )


class InvoicePayment(Base):
    """The payment of an invoice, recorded at the counter: at most one (the primary key), so
    an invoice is paid once; the invoice itself is not touched."""

    __tablename__ = "invoice_payments"
    __table_args__ = (CheckConstraint(_one_of("method", PAYMENT_METHODS), name="method"),)

    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="RESTRICT"), primary_key=True
    )
    method: Mapped[str] = mapped_column(String(10))
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )


@event.listens_for(Invoice, "before_update")
@event.listens_for(InvoiceLine, "before_update")
def _issued_documents_are_never_updated(_mapper: Any, _connection: Any, target: Any) -> None:
    name = type(target).__name__
    raise RuntimeError(f"{name} {target.id} is issued: correct it with a credit note")
