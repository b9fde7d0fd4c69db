"""Staff accounts' lifecycle and two-factor authentication (issue 14, item 8): an `active`
flag and the TOTP columns on staff_users; password-reset links, recovery codes and
second-factor sign-in steps, each stored as a sha256.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=False)  # naive UTC, as in 0001


def _staff_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["staff_id"],
        ["staff_users.id"],
        name=f"fk_{table}_staff_id_staff_users",
        ondelete="CASCADE",
    )


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("totp_secret", sa.String(64), nullable=True))
        batch.add_column(sa.Column("totp_confirmed_at", UTC, nullable=True))
        batch.add_column(sa.Column("totp_last_counter", sa.Integer(), nullable=True))
    op.create_table(
        "staff_password_resets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("used_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_staff_password_resets"),
        sa.UniqueConstraint("token_hash", name="uq_staff_password_resets_token_hash"),
        _staff_fk("staff_password_resets"),
    )
    op.create_index(
        "ix_staff_password_resets_staff_id", "staff_password_resets", ["staff_id"]
    )
    op.create_table(
        "staff_recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("used_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_staff_recovery_codes"),
        sa.UniqueConstraint(
            "staff_id", "code_hash", name="uq_staff_recovery_codes_staff_id_code_hash"
        ),
        _staff_fk("staff_recovery_codes"),
    )
    op.create_index("ix_staff_recovery_codes_staff_id", "staff_recovery_codes", ["staff_id"])
    op.create_table(
        "staff_login_challenges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_staff_login_challenges"),
        sa.UniqueConstraint("token_hash", name="uq_staff_login_challenges_token_hash"),
        _staff_fk("staff_login_challenges"),
    )
    op.create_index(
        "ix_staff_login_challenges_staff_id", "staff_login_challenges", ["staff_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_staff_login_challenges_staff_id", table_name="staff_login_challenges")
    op.drop_table("staff_login_challenges")
    op.drop_index("ix_staff_recovery_codes_staff_id", table_name="staff_recovery_codes")
    op.drop_table("staff_recovery_codes")
    op.drop_index("ix_staff_password_resets_staff_id", table_name="staff_password_resets")
    op.drop_table("staff_password_resets")
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("totp_last_counter")
        batch.drop_column("totp_confirmed_at")
        batch.drop_column("totp_secret")
        batch.drop_column("active")
