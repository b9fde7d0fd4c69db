"""Estimates, invoices and credit notes of repair jobs (issue 16, items 2 and 4): estimates
and their lines, the numbering counters, invoices and credit notes (one table, kind) with
their lines, and counter payments.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=False)  # naive UTC, as in 0001

LINE_KINDS = "kind IN ('part', 'labour', 'other')"
DOCUMENT_KINDS = "kind IN ('invoice', 'credit_note')"


def _fk(table: str, column: str, target: str, ondelete: str, key: str = "id"):
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.{key}"], name=f"fk_{table}_{column}_{target}", ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "estimates",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("lines_version", sa.Integer(), nullable=False),
        sa.Column("sent_at", UTC, nullable=True),
        sa.Column("sent_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("total_excl_cents", sa.Integer(), nullable=True),
        sa.Column("total_vat_cents", sa.Integer(), nullable=True),
        sa.Column("total_incl_cents", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("decision_channel", sa.String(10), nullable=True),
        sa.Column("decided_by_staff_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("job_id", name="pk_estimates"),
        sa.CheckConstraint(
            "status IN ('draft', 'sent', 'approved', 'declined')", name="ck_estimates_status"
        ),
        sa.CheckConstraint(
            "decision_channel IS NULL OR decision_channel IN "
            "('web', 'telegram', 'whatsapp', 'counter', 'phone')",
            name="ck_estimates_decision_channel",
        ),
        _fk("estimates", "job_id", "repair_jobs", "CASCADE"),
        _fk("estimates", "sent_by_staff_id", "staff_users", "SET NULL"),
        _fk("estimates", "decided_by_staff_id", "staff_users", "SET NULL"),
    )
    op.create_table(
        "estimate_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("quantity_centi", sa.Integer(), nullable=False),
        sa.Column("unit_price_cents", sa.Integer(), nullable=False),
        sa.Column("vat_rate_bp", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_estimate_lines"),
        sa.CheckConstraint(LINE_KINDS, name="ck_estimate_lines_kind"),
        sa.CheckConstraint("quantity_centi > 0", name="ck_estimate_lines_quantity_positive"),
        sa.CheckConstraint("unit_price_cents >= 0", name="ck_estimate_lines_price_not_negative"),
        sa.CheckConstraint(
            "vat_rate_bp >= 0 AND vat_rate_bp <= 10000", name="ck_estimate_lines_vat_rate"
        ),
        _fk("estimate_lines", "job_id", "estimates", "CASCADE", key="job_id"),
    )
    op.create_index("ix_estimate_lines_job_id_id", "estimate_lines", ["job_id", "id"])
    op.create_table(
        "document_counters",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("agency_id", "kind", "year", name="pk_document_counters"),
        sa.CheckConstraint(DOCUMENT_KINDS, name="ck_document_counters_kind"),
        _fk("document_counters", "agency_id", "agencies", "RESTRICT"),
    )
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", UTC, nullable=False),
        sa.Column("issued_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("billing_name", sa.String(100), nullable=False),
        sa.Column("billing_address", sa.Text(), nullable=True),
        sa.Column("vehicle", sa.String(200), nullable=True),
        sa.Column("vin", sa.String(17), nullable=True),
        sa.Column("seller", sa.JSON(), nullable=False),
        sa.Column("agency_name", sa.String(100), nullable=False),
        sa.Column("agency_address", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("total_excl_cents", sa.Integer(), nullable=False),
        sa.Column("total_vat_cents", sa.Integer(), nullable=False),
        sa.Column("total_incl_cents", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_invoices"),
        sa.UniqueConstraint("number", name="uq_invoices_number"),
        sa.UniqueConstraint("job_id", name="uq_invoices_job_id"),
        sa.UniqueConstraint(
            "agency_id", "kind", "year", "seq", name="uq_invoices_agency_id_kind_year_seq"
        ),
        sa.CheckConstraint(DOCUMENT_KINDS, name="ck_invoices_kind"),
        sa.CheckConstraint(
            "(kind = 'invoice' AND corrects_id IS NULL AND job_id IS NOT NULL) OR "
            "(kind = 'credit_note' AND corrects_id IS NOT NULL AND job_id IS NULL)",
            name="ck_invoices_kind_links",
        ),
        _fk("invoices", "agency_id", "agencies", "RESTRICT"),
        _fk("invoices", "job_id", "repair_jobs", "RESTRICT"),
        _fk("invoices", "corrects_id", "invoices", "RESTRICT"),
        _fk("invoices", "customer_id", "customers", "SET NULL"),
        _fk("invoices", "issued_by_staff_id", "staff_users", "SET NULL"),
    )
    op.create_index("ix_invoices_agency_id_year", "invoices", ["agency_id", "year"])
    op.create_index("ix_invoices_corrects_id", "invoices", ["corrects_id"])
    op.create_index("ix_invoices_customer_id", "invoices", ["customer_id"])
    op.create_table(
        "invoice_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("quantity_centi", sa.Integer(), nullable=False),
        sa.Column("unit_price_cents", sa.Integer(), nullable=False),
        sa.Column("vat_rate_bp", sa.Integer(), nullable=False),
        sa.Column("amount_excl_cents", sa.Integer(), nullable=False),
        sa.Column("credits_line_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_invoice_lines"),
        sa.UniqueConstraint("invoice_id", "position", name="uq_invoice_lines_invoice_id_position"),
        sa.CheckConstraint(LINE_KINDS, name="ck_invoice_lines_kind"),
        sa.CheckConstraint("quantity_centi > 0", name="ck_invoice_lines_quantity_positive"),
        sa.CheckConstraint(
            "vat_rate_bp >= 0 AND vat_rate_bp <= 10000", name="ck_invoice_lines_vat_rate"
        ),
        _fk("invoice_lines", "invoice_id", "invoices", "RESTRICT"),
        _fk("invoice_lines", "credits_line_id", "invoice_lines", "RESTRICT"),
    )
    op.create_index("ix_invoice_lines_credits_line_id", "invoice_lines", ["credits_line_id"])
    op.create_table(
        "invoice_payments",
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("paid_at", UTC, nullable=False),
        sa.Column("recorded_at", UTC, nullable=False),
        sa.Column("by_staff_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("invoice_id", name="pk_invoice_payments"),
        sa.CheckConstraint(
            "method IN ('cash', 'card', 'cheque', 'transfer')", name="ck_invoice_payments_method"
        ),
        _fk("invoice_payments", "invoice_id", "invoices", "RESTRICT"),
        _fk("invoice_payments", "by_staff_id", "staff_users", "SET NULL"),
    )


def downgrade() -> None:
    op.drop_table("invoice_payments")
    op.drop_index("ix_invoice_lines_credits_line_id", table_name="invoice_lines")
    op.drop_table("invoice_lines")
    for name in ("ix_invoices_customer_id", "ix_invoices_corrects_id", "ix_invoices_agency_id_year"):
        op.drop_index(name, table_name="invoices")
    op.drop_table("invoices")
    op.drop_table("document_counters")
    op.drop_index("ix_estimate_lines_job_id_id", table_name="estimate_lines")
    op.drop_table("estimate_lines")
    op.drop_table("estimates")
