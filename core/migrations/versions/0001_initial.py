"""Initial schema: services, agencies, calendars, slot counters, bookings, customers,
channel identities, vehicles, conversations, messages, settings.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Times are stored as naive UTC (core.models.UTCDateTime turns them into aware UTC).
UTC = sa.DateTime(timezone=False)


def upgrade() -> None:
    op.create_table(
        "services",
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name_fr", sa.String(100), nullable=False),
        sa.Column("name_en", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("usage", sa.String(20), nullable=True),
        sa.PrimaryKeyConstraint("code", name="pk_services"),
        sa.CheckConstraint("kind IN ('workshop', 'test_ride')", name="ck_services_kind"),
        sa.CheckConstraint("usage IN ('road', 'offroad', 'sport')", name="ck_services_usage"),
    )
    op.create_table(
        "agencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("city", sa.String(100), nullable=False),
        sa.Column("postcode", sa.String(20), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("phone", sa.String(40), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_agencies"),
        sa.UniqueConstraint("code", name="uq_agencies_code"),
    )
    op.create_table(
        "calendars",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("service_code", sa.String(40), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("opening_hours", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_calendars"),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"],
            name="fk_calendars_agency_id_agencies", ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_code"], ["services.code"], name="fk_calendars_service_code_services"
        ),
        sa.UniqueConstraint(
            "agency_id", "service_code", name="uq_calendars_agency_id_service_code"
        ),
        sa.CheckConstraint("slot_minutes > 0", name="ck_calendars_slot_minutes_positive"),
        sa.CheckConstraint("capacity > 0", name="ck_calendars_capacity_positive"),
    )
    # The capacity guard: one row per booked slot, `taken` raised by a conditional upsert.
    op.create_table(
        "slot_counters",
        sa.Column("calendar_id", sa.Integer(), nullable=False),
        sa.Column("start_utc", UTC, nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("calendar_id", "start_utc", name="pk_slot_counters"),
        sa.ForeignKeyConstraint(
            ["calendar_id"], ["calendars.id"],
            name="fk_slot_counters_calendar_id_calendars", ondelete="CASCADE",
        ),
        sa.CheckConstraint("taken >= 0", name="ck_slot_counters_taken_not_negative"),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customers"),
    )
    op.create_table(
        "channel_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_channel_identities"),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"],
            name="fk_channel_identities_customer_id_customers", ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "channel", "external_id", name="uq_channel_identities_channel_external_id"
        ),
    )
    op.create_index(
        "ix_channel_identities_customer_id", "channel_identities", ["customer_id"]
    )
    op.create_table(
        "vehicles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("plate", sa.String(20), nullable=True),
        sa.Column("vin", sa.String(17), nullable=True),
        sa.Column("brand", sa.String(60), nullable=False),
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_vehicles"),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"],
            name="fk_vehicles_customer_id_customers", ondelete="CASCADE",
        ),
    )
    op.create_index("ix_vehicles_customer_id", "vehicles", ["customer_id"])
    op.create_index("ix_vehicles_plate", "vehicles", ["plate"])
    op.create_index("ix_vehicles_vin", "vehicles", ["vin"])
    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(20), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=False),
        sa.Column("start_utc", UTC, nullable=False),
        sa.Column("end_utc", UTC, nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_bookings"),
        sa.UniqueConstraint("reference", name="uq_bookings_reference"),
        sa.ForeignKeyConstraint(
            ["calendar_id"], ["calendars.id"],
            name="fk_bookings_calendar_id_calendars", ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"],
            name="fk_bookings_customer_id_customers", ondelete="SET NULL",
        ),
        sa.CheckConstraint("status IN ('confirmed', 'cancelled')", name="ck_bookings_status"),
    )
    op.create_index(
        "ix_bookings_calendar_id_start_utc", "bookings", ["calendar_id", "start_utc"]
    )
    op.create_index("ix_bookings_customer_id", "bookings", ["customer_id"])
    op.create_index("ix_bookings_start_utc", "bookings", ["start_utc"])
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_conversations"),
        sa.UniqueConstraint(
            "channel", "external_id", name="uq_conversations_channel_external_id"
        ),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("sender", sa.String(100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["conversations.id"],
            name="fk_messages_conversation_id_conversations", ondelete="CASCADE",
        ),
        sa.CheckConstraint("direction IN ('in', 'out')", name="ck_messages_direction"),
    )
    op.create_index("ix_messages_conversation_id_id", "messages", ["conversation_id", "id"])
    op.create_table(
        "settings",
        sa.Column("key", sa.String(60), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_settings"),
    )


def downgrade() -> None:
    op.drop_table("settings")
    op.drop_index("ix_messages_conversation_id_id", table_name="messages")
    op.drop_table("messages")
    op.drop_table("conversations")
    op.drop_index("ix_bookings_start_utc", table_name="bookings")
    op.drop_index("ix_bookings_customer_id", table_name="bookings")
    op.drop_index("ix_bookings_calendar_id_start_utc", table_name="bookings")
    op.drop_table("bookings")
    op.drop_index("ix_vehicles_vin", table_name="vehicles")
    op.drop_index("ix_vehicles_plate", table_name="vehicles")
    op.drop_index("ix_vehicles_customer_id", table_name="vehicles")
    op.drop_table("vehicles")
    op.drop_index("ix_channel_identities_customer_id", table_name="channel_identities")
    op.drop_table("channel_identities")
    op.drop_table("customers")
    op.drop_table("slot_counters")
    op.drop_table("calendars")
    op.drop_table("agencies")
    op.drop_table("services")
