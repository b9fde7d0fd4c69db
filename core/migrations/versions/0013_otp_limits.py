"""Limits of one-time codes across conversations: the events they count (codes sent, codes
tried, vehicles looked up, owners alerted) and the client address of a conversation.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=False)  # naive UTC, as in 0001


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("client_ip", sa.String(64), nullable=True))
    op.create_table(
        "otp_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=True),
        sa.Column("contact_hash", sa.String(64), nullable=True),
        sa.Column("ip", sa.String(64), nullable=True),
        sa.Column("sender", sa.String(240), nullable=True),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("challenge_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Integer(), nullable=True),
        sa.Column("at", UTC, nullable=False),
        sa.Column("taken_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_otp_events"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_otp_events_conversation_id_conversations",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["otp_challenges.id"],
            name="fk_otp_events_challenge_id_otp_challenges",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            "kind IN ('send', 'attempt', 'lookup', 'alert')", name="ck_otp_events_kind"
        ),
    )
    op.create_index("ix_otp_events_kind_vehicle_id_at", "otp_events", ["kind", "vehicle_id", "at"])
    op.create_index(
        "ix_otp_events_kind_contact_hash_at", "otp_events", ["kind", "contact_hash", "at"]
    )
    op.create_index("ix_otp_events_kind_ip_at", "otp_events", ["kind", "ip", "at"])
    op.create_index("ix_otp_events_kind_sender_at", "otp_events", ["kind", "sender", "at"])
    op.create_index(
        "ix_otp_events_conversation_id_kind_id", "otp_events", ["conversation_id", "kind", "id"]
    )


def downgrade() -> None:
    op.drop_table("otp_events")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("client_ip")
