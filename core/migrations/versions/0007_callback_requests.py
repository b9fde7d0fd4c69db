"""Callback requests from the chat: the number to call on the task, and one open callback
request per conversation (partial unique index).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OPEN_CONVERSATION_CALLBACK = "status = 'open' AND kind = 'callback'"


def upgrade() -> None:
    op.add_column("callback_tasks", sa.Column("phone", sa.String(20), nullable=True))
    op.create_index(
        "uq_callback_tasks_one_open_per_conversation",
        "callback_tasks",
        ["conversation_id"],
        unique=True,
        sqlite_where=sa.text(OPEN_CONVERSATION_CALLBACK),
        postgresql_where=sa.text(OPEN_CONVERSATION_CALLBACK),
    )


def downgrade() -> None:
    op.drop_index("uq_callback_tasks_one_open_per_conversation", table_name="callback_tasks")
    op.drop_column("callback_tasks", "phone")
