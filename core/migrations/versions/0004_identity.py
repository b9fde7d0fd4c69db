"""Identity: one-time code challenges, the development outbox, the customer's identified
vehicle and erasure mark.

Revision ID: 0004
Revises: 0003
Create Date: 2026-02-15
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=False)  # naive UTC, as in 0001


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("identified_vehicle_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("erased_at", UTC, nullable=True))
        batch.create_foreign_key(
            "fk_customers_identified_vehicle_id_vehicles",
            "vehicles",
            ["identified_vehicle_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "otp_challenges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("vehicle_id", sa.Integer(), nullable=True),
        sa.Column("transport", sa.String(10), nullable=False),
        sa.Column("destination", sa.String(254), nullable=False),
        sa.Column("secret", sa.String(64), nullable=False),
        sa.Column("counter", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTC, nullable=True),
        sa.Column("consumed_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_otp_challenges"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_otp_challenges_conversation_id_conversations",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name="fk_otp_challenges_customer_id_customers",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name="fk_otp_challenges_vehicle_id_vehicles",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            "purpose IN ('identify', 'verify_contact', 'signup')", name="ck_otp_challenges_purpose"
        ),
        sa.CheckConstraint("transport IN ('sms', 'email')", name="ck_otp_challenges_transport"),
        sa.CheckConstraint("attempts >= 0", name="ck_otp_challenges_attempts_not_negative"),
    )
    op.create_index(
        "ix_otp_challenges_conversation_id_created_at",
        "otp_challenges",
        ["conversation_id", "created_at"],
    )
    op.create_index("ix_otp_challenges_customer_id", "otp_challenges", ["customer_id"])
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transport", sa.String(10), nullable=False),
        sa.Column("destination", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(200), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_messages"),
        sa.CheckConstraint("transport IN ('sms', 'email')", name="ck_outbox_messages_transport"),
    )
    op.create_index("ix_outbox_messages_created_at", "outbox_messages", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_messages_created_at", table_name="outbox_messages")
    op.drop_table("outbox_messages")
    op.drop_index("ix_otp_challenges_customer_id", table_name="otp_challenges")
    op.drop_index("ix_otp_challenges_conversation_id_created_at", table_name="otp_challenges")
    op.drop_table("otp_challenges")
    with op.batch_alter_table("customers") as batch:
        batch.drop_constraint("fk_customers_identified_vehicle_id_vehicles", type_="foreignkey")
        batch.drop_column("erased_at")
        batch.drop_column("identified_vehicle_id")
