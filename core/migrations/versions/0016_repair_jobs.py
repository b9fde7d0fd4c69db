"""Repair jobs (issue 16, item 1): repair_jobs with its status CHECK and version column, the
customer's photos of a job (job_photos), every change of a job (job_events); the staff roles
mechanic and manager (item 5) in the role CHECK of staff_users.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=False)  # naive UTC, as in 0001

JOB_STATUSES = (
    "received",
    "diagnosing",
    "estimate_sent",
    "approved",
    "declined",
    "in_progress",
    "waiting_parts",
    "ready_for_pickup",
    "returned",
    "cancelled",
)
OLD_ROLES = ("advisor", "admin")
NEW_ROLES = ("advisor", "mechanic", "manager", "admin")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete=ondelete
    )


def _set_roles(roles: tuple[str, ...]) -> None:
    # SQLite cannot alter a CHECK: batch mode copies the table with the new constraint.
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_constraint("ck_staff_users_role", type_="check")
        batch.create_check_constraint("ck_staff_users_role", _one_of("role", roles))


def upgrade() -> None:
    _set_roles(NEW_ROLES)
    op.create_table(
        "repair_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("mechanic_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("expected_completion", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_repair_jobs"),
        sa.UniqueConstraint("booking_id", name="uq_repair_jobs_booking_id"),
        sa.CheckConstraint(_one_of("status", JOB_STATUSES), name="ck_repair_jobs_status"),
        sa.CheckConstraint("version > 0", name="ck_repair_jobs_version_positive"),
        _fk("repair_jobs", "agency_id", "agencies", "RESTRICT"),
        _fk("repair_jobs", "vehicle_id", "vehicles", "SET NULL"),
        _fk("repair_jobs", "customer_id", "customers", "SET NULL"),
        _fk("repair_jobs", "booking_id", "bookings", "SET NULL"),
        _fk("repair_jobs", "mechanic_id", "staff_users", "SET NULL"),
    )
    op.create_index("ix_repair_jobs_vehicle_id", "repair_jobs", ["vehicle_id"])
    op.create_index("ix_repair_jobs_customer_id", "repair_jobs", ["customer_id"])
    op.create_index("ix_repair_jobs_agency_id_status", "repair_jobs", ["agency_id", "status"])
    op.create_index("ix_repair_jobs_mechanic_id_status", "repair_jobs", ["mechanic_id", "status"])
    op.create_table(
        "job_photos",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("job_id", "attachment_id", name="pk_job_photos"),
        _fk("job_photos", "job_id", "repair_jobs", "CASCADE"),
        _fk("job_photos", "attachment_id", "attachments", "CASCADE"),
    )
    op.create_table(
        "job_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=True),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("by_staff_id", sa.Integer(), nullable=True),
        sa.Column("mechanic_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_job_events"),
        sa.CheckConstraint("kind IN ('opened', 'status', 'assigned')", name="ck_job_events_kind"),
        _fk("job_events", "job_id", "repair_jobs", "CASCADE"),
        _fk("job_events", "by_staff_id", "staff_users", "SET NULL"),
        _fk("job_events", "mechanic_id", "staff_users", "SET NULL"),
    )
    op.create_index("ix_job_events_job_id_id", "job_events", ["job_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_job_events_job_id_id", table_name="job_events")
    op.drop_table("job_events")
    op.drop_table("job_photos")
    for name in (
        "ix_repair_jobs_mechanic_id_status",
        "ix_repair_jobs_agency_id_status",
        "ix_repair_jobs_customer_id",
        "ix_repair_jobs_vehicle_id",
    ):
        op.drop_index(name, table_name="repair_jobs")
    op.drop_table("repair_jobs")
    # Mechanics and managers cannot stay under the old CHECK: they become deactivated
    # advisors (never an account with more rights than it had).
    op.execute(
        "UPDATE staff_users SET role = 'advisor', active = false "
        "WHERE role IN ('mechanic', 'manager')"
    )
    _set_roles(OLD_ROLES)
