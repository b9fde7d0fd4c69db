"""Canned replies of the advisor console (issue 17, item 3): canned_replies, one shortcut
per language.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=False)  # naive UTC, as in 0001


def upgrade() -> None:
    op.create_table(
        "canned_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shortcut", sa.String(30), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("title", sa.String(80), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_canned_replies"),
        sa.UniqueConstraint("language", "shortcut", name="uq_canned_replies_language_shortcut"),
        sa.CheckConstraint("language IN ('fr', 'en')", name="ck_canned_replies_language"),
    )


def downgrade() -> None:
    op.drop_table("canned_replies")
