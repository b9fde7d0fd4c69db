"""Uploaded files in the database (PITLANE_UPLOAD_STORE=database), readable by every replica
(issue 15, item 2).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=False)  # naive UTC, as in 0001


def upgrade() -> None:
    op.create_table(
        "stored_files",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_stored_files")),
    )


def downgrade() -> None:
    op.drop_table("stored_files")
