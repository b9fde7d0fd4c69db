"""Job notes and expected completion (issue 16, items 1 and 5, the mechanic's side): two new
kinds of job_events, "note" (a remark without status change) and "expected" (the expected
completion set or cleared), and the column `expected_at` that the latter records.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=False)  # naive UTC, as in 0001
OLD_KINDS = ("opened", "status", "assigned")
NEW_KINDS = ("opened", "status", "assigned", "note", "expected")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade() -> None:
    # SQLite cannot alter a CHECK: batch mode copies the table with the new constraint.
    with op.batch_alter_table("job_events") as batch:
        batch.drop_constraint("ck_job_events_kind", type_="check")
        batch.create_check_constraint("ck_job_events_kind", _one_of("kind", NEW_KINDS))
        batch.add_column(sa.Column("expected_at", UTC, nullable=True))


def downgrade() -> None:
    # The old CHECK has no room for notes and expected-completion changes: they are dropped
    # from the history (the job's expected_completion itself stays on repair_jobs).
    op.execute("DELETE FROM job_events WHERE kind IN ('note', 'expected')")
    with op.batch_alter_table("job_events") as batch:
        batch.drop_column("expected_at")
        batch.drop_constraint("ck_job_events_kind", type_="check")
        batch.create_check_constraint("ck_job_events_kind", _one_of("kind", OLD_KINDS))
