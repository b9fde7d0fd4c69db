"""Job notices (issue 16, item 3): the state of the customer's notice on each job_events row
(notice pending -> sending -> told | skipped | failed, claimed once by a conditional UPDATE),
its claim time, its attempts and when it was finished (told_at).

Events written before this revision are history: they are marked skipped, so the first
dispatcher after the upgrade does not tell customers about old changes.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=False)  # naive UTC, as in 0001
NOTICE_STATES = ("pending", "sending", "told", "skipped", "failed")


def upgrade() -> None:
    with op.batch_alter_table("job_events") as batch:
        batch.add_column(sa.Column("notice", sa.String(10), nullable=True))
        batch.add_column(sa.Column("notice_claimed_at", UTC, nullable=True))
        batch.add_column(
            sa.Column("notice_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("told_at", UTC, nullable=True))
        batch.create_check_constraint(
            "ck_job_events_notice",
            f"notice IN ({', '.join(repr(state) for state in NOTICE_STATES)})",
        )
    op.create_index("ix_job_events_notice_id", "job_events", ["notice", "id"])
    op.execute("UPDATE job_events SET notice = 'skipped' WHERE kind IN ('opened', 'status')")


def downgrade() -> None:
    op.drop_index("ix_job_events_notice_id", table_name="job_events")
    with op.batch_alter_table("job_events") as batch:
        batch.drop_constraint("ck_job_events_notice", type_="check")
        batch.drop_column("told_at")
        batch.drop_column("notice_attempts")
        batch.drop_column("notice_claimed_at")
        batch.drop_column("notice")
