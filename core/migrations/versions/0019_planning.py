"""The manager's planning (issue 16, items 5 and 7): staff tied to an agency
(staff_users.agency_id), the booking status `no_show` in the CHECK of bookings.status, and
the bookings staff have looked at on the planning (booking_acknowledgements).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=False)  # naive UTC, as in 0001

OLD_STATUSES = ("confirmed", "cancelled")
NEW_STATUSES = ("confirmed", "cancelled", "no_show")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _set_statuses(statuses: tuple[str, ...]) -> None:
    # SQLite cannot alter a CHECK: batch mode copies the table with the new constraint.
    with op.batch_alter_table("bookings") as batch:
        batch.drop_constraint("ck_bookings_status", type_="check")
        batch.create_check_constraint("ck_bookings_status", _one_of("status", statuses))


def upgrade() -> None:
    _set_statuses(NEW_STATUSES)
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("agency_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_staff_users_agency_id_agencies",
            "agencies",
            ["agency_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_staff_users_agency_id", ["agency_id"])
    op.create_table(
        "booking_acknowledgements",
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("booking_id", name="pk_booking_acknowledgements"),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name="fk_booking_acknowledgements_booking_id_bookings",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_users.id"],
            name="fk_booking_acknowledgements_staff_id_staff_users",
            ondelete="SET NULL",
        ),
    )


def downgrade() -> None:
    op.drop_table("booking_acknowledgements")
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_index("ix_staff_users_agency_id")
        batch.drop_constraint("fk_staff_users_agency_id_agencies", type_="foreignkey")
        batch.drop_column("agency_id")
    # A no-show cannot stay under the old CHECK: it was a confirmed booking whose customer did
    # not come, and stays a past confirmed booking (its place was never given back).
    op.execute("UPDATE bookings SET status = 'confirmed' WHERE status = 'no_show'")
    _set_statuses(OLD_STATUSES)
