"""Workshop services, reminders and feedback: staff count and closed dates of calendars,
booking details, vehicles' first registration, quotes, callback tasks, reminders,
complaints and satisfaction surveys.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=False)  # naive UTC, as in 0001


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete=ondelete
    )


def upgrade() -> None:
    with op.batch_alter_table("calendars") as batch:
        batch.add_column(
            sa.Column("staff_count", sa.Integer(), server_default="1", nullable=False)
        )
        batch.create_check_constraint("ck_calendars_staff_count_positive", "staff_count > 0")
    # Existing calendars keep their capacity: as many staff as places.
    op.execute("UPDATE calendars SET staff_count = capacity")
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("details", sa.JSON(), nullable=True))
    with op.batch_alter_table("vehicles") as batch:
        batch.add_column(sa.Column("first_registration", sa.Date(), nullable=True))

    op.create_table(
        "calendar_closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_calendar_closures"),
        _fk("calendar_closures", "calendar_id", "calendars", "CASCADE"),
        sa.UniqueConstraint("calendar_id", "day", name="uq_calendar_closures_calendar_id_day"),
    )
    op.create_table(
        "quotes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_quotes"),
        _fk("quotes", "vehicle_id", "vehicles", "SET NULL"),
        _fk("quotes", "agency_id", "agencies", "CASCADE"),
        sa.UniqueConstraint("number", name="uq_quotes_number"),
        sa.CheckConstraint("status IN ('open', 'accepted', 'expired')", name="ck_quotes_status"),
    )
    op.create_index("ix_quotes_vehicle_id", "quotes", ["vehicle_id"])
    op.create_table(
        "callback_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("quote_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("closed_at", UTC, nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_callback_tasks"),
        _fk("callback_tasks", "customer_id", "customers", "SET NULL"),
        _fk("callback_tasks", "conversation_id", "conversations", "SET NULL"),
        _fk("callback_tasks", "agency_id", "agencies", "SET NULL"),
        _fk("callback_tasks", "quote_id", "quotes", "SET NULL"),
        sa.ForeignKeyConstraint(
            ["closed_by"],
            ["staff_users.id"],
            name="fk_callback_tasks_closed_by_staff_users",
            ondelete="SET NULL",
        ),
        sa.UniqueConstraint("reference", name="uq_callback_tasks_reference"),
        sa.CheckConstraint("status IN ('open', 'done')", name="ck_callback_tasks_status"),
    )
    op.create_index("ix_callback_tasks_customer_id", "callback_tasks", ["customer_id"])
    op.create_index(
        "ix_callback_tasks_status_created_at", "callback_tasks", ["status", "created_at"]
    )
    op.create_index(
        "uq_callback_tasks_one_open_per_quote",
        "callback_tasks",
        ["quote_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open' AND quote_id IS NOT NULL"),
        postgresql_where=sa.text("status = 'open' AND quote_id IS NOT NULL"),
    )
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("due_at", UTC, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("claimed_at", UTC, nullable=True),
        sa.Column("sent_at", UTC, nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reminders"),
        _fk("reminders", "booking_id", "bookings", "CASCADE"),
        sa.UniqueConstraint("booking_id", "kind", name="uq_reminders_booking_id_kind"),
        sa.CheckConstraint("kind IN ('reminder', 'survey')", name="ck_reminders_kind"),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'cancelled', 'failed')",
            name="ck_reminders_status",
        ),
    )
    op.create_index("ix_reminders_status_due_at", "reminders", ["status", "due_at"])
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(20), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("booking_reference", sa.String(20), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_complaints"),
        _fk("complaints", "customer_id", "customers", "SET NULL"),
        _fk("complaints", "conversation_id", "conversations", "SET NULL"),
        _fk("complaints", "agency_id", "agencies", "SET NULL"),
        sa.ForeignKeyConstraint(
            ["answered_by"],
            ["staff_users.id"],
            name="fk_complaints_answered_by_staff_users",
            ondelete="SET NULL",
        ),
        sa.UniqueConstraint("reference", name="uq_complaints_reference"),
        sa.CheckConstraint(
            "status IN ('open', 'answered', 'closed')", name="ck_complaints_status"
        ),
    )
    op.create_index("ix_complaints_customer_id", "complaints", ["customer_id"])
    op.create_index("ix_complaints_conversation_id", "complaints", ["conversation_id"])
    op.create_index("ix_complaints_status_created_at", "complaints", ["status", "created_at"])
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", UTC, nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_survey_responses"),
        _fk("survey_responses", "booking_id", "bookings", "CASCADE"),
        sa.UniqueConstraint("booking_id", name="uq_survey_responses_booking_id"),
        sa.CheckConstraint(
            "rating IS NULL OR (rating BETWEEN 1 AND 5)", name="ck_survey_responses_rating_range"
        ),
    )


def downgrade() -> None:
    for table in (
        "survey_responses",
        "complaints",
        "reminders",
        "callback_tasks",
        "quotes",
        "calendar_closures",
    ):
        op.drop_table(table)
    with op.batch_alter_table("vehicles") as batch:
        batch.drop_column("first_registration")
    with op.batch_alter_table("bookings") as batch:
        batch.drop_column("details")
    with op.batch_alter_table("calendars") as batch:
        batch.drop_constraint("ck_calendars_staff_count_positive", type_="check")
        batch.drop_column("staff_count")
