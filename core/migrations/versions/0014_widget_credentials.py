"""The widget's credentials (a server-issued token, stored hashed) and the single-use tickets
of its notification stream (issue 14, item 3).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=False)  # naive UTC, as in 0001


def upgrade() -> None:
    op.create_table(
        "widget_credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("legacy_client_id", sa.String(40), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("last_seen_at", UTC, nullable=False),
        sa.Column("revoked_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_widget_credentials")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_widget_credentials_token_hash")),
        sa.UniqueConstraint("external_id", name=op.f("uq_widget_credentials_external_id")),
        sa.UniqueConstraint(
            "legacy_client_id", name=op.f("uq_widget_credentials_legacy_client_id")
        ),
    )
    op.create_table(
        "widget_stream_tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_hash", sa.String(64), nullable=False),
        sa.Column("credential_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("used_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["widget_credentials.id"],
            name=op.f("fk_widget_stream_tickets_credential_id_widget_credentials"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_widget_stream_tickets")),
        sa.UniqueConstraint("ticket_hash", name=op.f("uq_widget_stream_tickets_ticket_hash")),
    )
    op.create_index(
        op.f("ix_widget_stream_tickets_credential_id"),
        "widget_stream_tickets",
        ["credential_id"],
    )
    op.create_index(
        op.f("ix_widget_stream_tickets_expires_at"), "widget_stream_tickets", ["expires_at"]
    )


def downgrade() -> None:
    op.drop_table("widget_stream_tickets")
    op.drop_table("widget_credentials")
