"""Staff users, sessions, API tokens, login attempts and advisor handoff requests.

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=False)  # naive UTC, as in 0001
OPEN_HANDOFF = "status IN ('pending', 'accepted')"


def upgrade() -> None:
    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("max_conversations", sa.Integer(), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("last_seen_at", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_staff_users"),
        sa.UniqueConstraint("email", name="uq_staff_users_email"),
        sa.CheckConstraint("role IN ('advisor', 'admin')", name="ck_staff_users_role"),
        sa.CheckConstraint(
            "max_conversations > 0", name="ck_staff_users_max_conversations_positive"
        ),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_staff_sessions"),
        sa.UniqueConstraint("token_hash", name="uq_staff_sessions_token_hash"),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff_users.id"],
            name="fk_staff_sessions_staff_id_staff_users", ondelete="CASCADE",
        ),
    )
    op.create_index("ix_staff_sessions_staff_id", "staff_sessions", ["staff_id"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("revoked_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
        sa.ForeignKeyConstraint(
            ["created_by"], ["staff_users.id"],
            name="fk_api_tokens_created_by_staff_users", ondelete="CASCADE",
        ),
    )
    op.create_index("ix_api_tokens_created_by", "api_tokens", ["created_by"])
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("attempted_at", UTC, nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_attempts"),
    )
    op.create_index(
        "ix_login_attempts_key_attempted_at", "login_attempts", ["key", "attempted_at"]
    )
    op.create_table(
        "handoff_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("advisor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("accepted_at", UTC, nullable=True),
        sa.Column("ended_at", UTC, nullable=True),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_handoff_requests"),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["conversations.id"],
            name="fk_handoff_requests_conversation_id_conversations", ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["advisor_id"], ["staff_users.id"],
            name="fk_handoff_requests_advisor_id_staff_users", ondelete="SET NULL",
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'closed', 'refused', 'expired', 'cancelled')",
            name="ck_handoff_requests_status",
        ),
    )
    # At most one open (pending or accepted) request per conversation.
    op.create_index(
        "uq_handoff_requests_one_open",
        "handoff_requests",
        ["conversation_id"],
        unique=True,
        sqlite_where=sa.text(OPEN_HANDOFF),
        postgresql_where=sa.text(OPEN_HANDOFF),
    )
    op.create_index(
        "ix_handoff_requests_status_created_at", "handoff_requests", ["status", "created_at"]
    )
    op.create_index(
        "ix_handoff_requests_advisor_id_status", "handoff_requests", ["advisor_id", "status"]
    )


def downgrade() -> None:
    op.drop_index("ix_handoff_requests_advisor_id_status", table_name="handoff_requests")
    op.drop_index("ix_handoff_requests_status_created_at", table_name="handoff_requests")
    op.drop_index("uq_handoff_requests_one_open", table_name="handoff_requests")
    op.drop_table("handoff_requests")
    op.drop_index("ix_login_attempts_key_attempted_at", table_name="login_attempts")
    op.drop_table("login_attempts")
    op.drop_index("ix_api_tokens_created_by", table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_index("ix_staff_sessions_staff_id", table_name="staff_sessions")
    op.drop_table("staff_sessions")
    op.drop_table("staff_users")
