"""Tracker erasures: the Rasa trackers of erased customers, retried until Rasa erased them
(issue 14, item 9).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=False)  # naive UTC, as in 0001


def upgrade() -> None:
    op.create_table(
        "tracker_erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("requested_at", UTC, nullable=False),
        sa.Column("next_attempt_at", UTC, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("done_at", UTC, nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_tracker_erasures"),
    )
    op.create_index(
        "ix_tracker_erasures_done_at_next_attempt_at",
        "tracker_erasures",
        ["done_at", "next_attempt_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_tracker_erasures_done_at_next_attempt_at", table_name="tracker_erasures")
    op.drop_table("tracker_erasures")
