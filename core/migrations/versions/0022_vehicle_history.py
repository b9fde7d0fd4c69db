"""Vehicle history (issue 16, items 6 and 9): mileage_readings (a vehicle's odometer
readings) and maintenance_subscriptions (customers who asked for a maintenance reminder).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=False)  # naive UTC, as in 0001
SOURCES = ("booking", "check_in", "customer", "staff")


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "mileage_readings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("km", sa.Integer(), nullable=False),
        sa.Column("read_at", UTC, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mileage_readings"),
        sa.CheckConstraint("km >= 0", name="ck_mileage_readings_km_not_negative"),
        sa.CheckConstraint(
            "source IN (" + ", ".join(repr(s) for s in SOURCES) + ")",
            name="ck_mileage_readings_source",
        ),
        _fk("mileage_readings", "vehicle_id", "vehicles", "CASCADE"),
        _fk("mileage_readings", "booking_id", "bookings", "SET NULL"),
        _fk("mileage_readings", "job_id", "repair_jobs", "SET NULL"),
        _fk("mileage_readings", "staff_id", "staff_users", "SET NULL"),
    )
    op.create_index(
        "ix_mileage_readings_vehicle_id_read_at", "mileage_readings", ["vehicle_id", "read_at"]
    )
    op.create_table(
        "maintenance_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("declared_last_service", sa.Date(), nullable=True),
        sa.Column("opted_in_at", UTC, nullable=False),
        sa.Column("opted_out_at", UTC, nullable=True),
        sa.Column("claimed_due_on", sa.Date(), nullable=True),
        sa.Column("claimed_at", UTC, nullable=True),
        sa.Column("sent_due_on", sa.Date(), nullable=True),
        sa.Column("sent_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_maintenance_subscriptions"),
        sa.UniqueConstraint("vehicle_id", name="uq_maintenance_subscriptions_vehicle_id"),
        _fk("maintenance_subscriptions", "vehicle_id", "vehicles", "CASCADE"),
        _fk("maintenance_subscriptions", "customer_id", "customers", "CASCADE"),
    )
    op.create_index(
        "ix_maintenance_subscriptions_customer_id", "maintenance_subscriptions", ["customer_id"]
    )


def downgrade() -> None:
    op.drop_index(
        "ix_maintenance_subscriptions_customer_id", table_name="maintenance_subscriptions"
    )
    op.drop_table("maintenance_subscriptions")
    op.drop_index("ix_mileage_readings_vehicle_id_read_at", table_name="mileage_readings")
    op.drop_table("mileage_readings")
