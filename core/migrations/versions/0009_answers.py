"""The knowledge base of answers: a topic, the keywords of the questions it answers, its text
in French and English, for the group or one agency.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=False)  # naive UTC, as in 0001
GENERAL_ENTRY = "agency_id IS NULL"


def upgrade() -> None:
    op.create_table(
        "answer_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(40), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("keywords", sa.Text(), nullable=False),
        sa.Column("answer_fr", sa.Text(), nullable=True),
        sa.Column("answer_en", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_answer_entries"),
        sa.UniqueConstraint("topic", "agency_id", name="uq_answer_entries_topic_agency_id"),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name="fk_answer_entries_agency_id_agencies",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_answer_entries_agency_id", "answer_entries", ["agency_id"])
    op.create_index(
        "uq_answer_entries_one_general_per_topic",
        "answer_entries",
        ["topic"],
        unique=True,
        sqlite_where=sa.text(GENERAL_ENTRY),
        postgresql_where=sa.text(GENERAL_ENTRY),
    )


def downgrade() -> None:
    op.drop_index("uq_answer_entries_one_general_per_topic", table_name="answer_entries")
    op.drop_index("ix_answer_entries_agency_id", table_name="answer_entries")
    op.drop_table("answer_entries")
