"""Human chats (issue 17, items 6 and 7): staff-only notes and transfers of a conversation
(handoff_notes), who ended it (ended_by), the customer's 1-5 rating of the advisor and when
its transcript was e-mailed to them (once).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=False)  # naive UTC, as in 0001


def upgrade() -> None:
    op.create_table(
        "handoff_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("text", sa.String(2000), nullable=False),
        sa.Column("transferred_to_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_handoff_notes"),
        sa.CheckConstraint("kind IN ('note', 'transfer')", name="ck_handoff_notes_kind"),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["handoff_requests.id"],
            name="fk_handoff_notes_request_id_handoff_requests",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_users.id"],
            name="fk_handoff_notes_staff_id_staff_users",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["transferred_to_id"],
            ["staff_users.id"],
            name="fk_handoff_notes_transferred_to_id_staff_users",
            ondelete="SET NULL",
        ),
    )
    op.create_index("ix_handoff_notes_request_id", "handoff_notes", ["request_id"])
    with op.batch_alter_table("handoff_requests") as batch:
        batch.add_column(sa.Column("ended_by", sa.String(10), nullable=True))
        batch.add_column(sa.Column("rating", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("rated_at", UTC, nullable=True))
        batch.add_column(sa.Column("transcript_sent_at", UTC, nullable=True))
        batch.create_check_constraint(
            "ck_handoff_requests_ended_by", "ended_by IS NULL OR ended_by IN ('advisor', 'customer')"
        )
        batch.create_check_constraint(
            "ck_handoff_requests_rating", "rating IS NULL OR rating BETWEEN 1 AND 5"
        )


def downgrade() -> None:
    with op.batch_alter_table("handoff_requests") as batch:
        batch.drop_constraint("ck_handoff_requests_rating", type_="check")
        batch.drop_constraint("ck_handoff_requests_ended_by", type_="check")
        batch.drop_column("transcript_sent_at")
        batch.drop_column("rated_at")
        batch.drop_column("rating")
        batch.drop_column("ended_by")
    op.drop_index("ix_handoff_notes_request_id", table_name="handoff_notes")
    op.drop_table("handoff_notes")
