"""The test-ride catalogue: motorcycle models offered for test rides (usage, licence, engine
size or electric) and the agencies that have each one.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=False)  # naive UTC, as in 0001


def upgrade() -> None:
    op.create_table(
        "test_ride_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand", sa.String(60), nullable=False),
        sa.Column("model", sa.String(80), nullable=False),
        sa.Column("usage", sa.String(20), nullable=False),
        sa.Column("licence", sa.String(2), nullable=False),
        sa.Column("engine_cc", sa.Integer(), nullable=True),
        sa.Column("electric", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("description_fr", sa.String(300), nullable=True),
        sa.Column("description_en", sa.String(300), nullable=True),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_test_ride_models"),
        sa.UniqueConstraint("brand", "model", name="uq_test_ride_models_brand_model"),
        sa.CheckConstraint(
            "usage IN ('road', 'offroad', 'sport')", name="ck_test_ride_models_usage"
        ),
        sa.CheckConstraint("licence IN ('A', 'A2')", name="ck_test_ride_models_licence"),
        sa.CheckConstraint(
            "(electric AND engine_cc IS NULL) OR (NOT electric AND engine_cc > 0)",
            name="ck_test_ride_models_engine_cc_unless_electric",
        ),
    )
    op.create_table(
        "test_ride_model_agencies",
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("model_id", "agency_id", name="pk_test_ride_model_agencies"),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["test_ride_models.id"],
            name="fk_test_ride_model_agencies_model_id_test_ride_models",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name="fk_test_ride_model_agencies_agency_id_agencies",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_test_ride_model_agencies_agency_id", "test_ride_model_agencies", ["agency_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_test_ride_model_agencies_agency_id", table_name="test_ride_model_agencies")
    op.drop_table("test_ride_model_agencies")
    op.drop_table("test_ride_models")
