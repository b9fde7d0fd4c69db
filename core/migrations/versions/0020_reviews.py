"""Agencies managed in the backoffice and reviews (issue 16, items 7 and 8): an agency's own
opening hours and time zone, a calendar's `bookable` flag (a closed service takes no new
booking, its bookings are kept), and on survey_responses the customer's consent to publish
the comment with its moderation (review_status pending | approved | rejected, who, when).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=False)  # naive UTC, as in 0001
REVIEW_STATUS = "review_status IS NULL OR review_status IN ('pending', 'approved', 'rejected')"


def upgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.add_column(sa.Column("opening_hours", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column(
                "timezone", sa.String(60), nullable=False, server_default="Europe/Paris"
            )
        )
    with op.batch_alter_table("calendars") as batch:
        batch.add_column(
            sa.Column("bookable", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("survey_responses") as batch:
        batch.add_column(
            sa.Column("publish_consent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("review_status", sa.String(20), nullable=True))
        batch.add_column(sa.Column("reviewed_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reviewed_at", UTC, nullable=True))
        batch.create_foreign_key(
            "fk_survey_responses_reviewed_by_staff_users",
            "staff_users",
            ["reviewed_by"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_check_constraint("ck_survey_responses_review_status", REVIEW_STATUS)


def downgrade() -> None:
    with op.batch_alter_table("survey_responses") as batch:
        batch.drop_constraint("ck_survey_responses_review_status", type_="check")
        batch.drop_constraint("fk_survey_responses_reviewed_by_staff_users", type_="foreignkey")
        batch.drop_column("reviewed_at")
        batch.drop_column("reviewed_by")
        batch.drop_column("review_status")
        batch.drop_column("publish_consent")
    with op.batch_alter_table("calendars") as batch:
        batch.drop_column("bookable")
    with op.batch_alter_table("agencies") as batch:
        batch.drop_column("timezone")
        batch.drop_column("opening_hours")
