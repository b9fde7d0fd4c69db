"""Channel delivery: inbound receipts, provider ids and errors on messages, attachments,
conversation opt-out.

Revision ID: 0003
Revises: 0002
Create Date: 2026-02-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=False)  # naive UTC, as in 0001


def upgrade() -> None:
    op.create_table(
        "inbound_receipts",
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("external_message_id", sa.String(100), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("channel", "external_message_id", name="pk_inbound_receipts"),
    )
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("external_id", sa.String(100), nullable=True))
        batch.add_column(sa.Column("error", sa.Text(), nullable=True))
    op.create_index("ix_messages_external_id", "messages", ["external_id"])
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("opted_out_at", UTC, nullable=True))
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=True),
        sa.Column("filename", sa.String(255), nullable=True),
        sa.Column("storage_path", sa.String(500), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_attachments"),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name="fk_attachments_message_id_messages",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            "kind IN ('image', 'document', 'audio', 'video', 'location')",
            name="ck_attachments_kind",
        ),
    )
    op.create_index("ix_attachments_message_id", "attachments", ["message_id"])


def downgrade() -> None:
    op.drop_index("ix_attachments_message_id", table_name="attachments")
    op.drop_table("attachments")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("opted_out_at")
    op.drop_index("ix_messages_external_id", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("error")
        batch.drop_column("external_id")
    op.drop_table("inbound_receipts")
