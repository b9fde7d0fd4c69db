"""Chat rooms between customers and commercial notifications: rooms, their members,
messages, reports and bans; notifications, their receipts and customers' subscriptions.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=False)  # naive UTC, as in 0001
OPEN_ROOM = "status = 'open'"


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "rooms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("description", sa.String(300), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("deleted_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_rooms"),
        sa.CheckConstraint("status IN ('open', 'deleted')", name="ck_rooms_status"),
        sa.CheckConstraint("capacity > 0", name="ck_rooms_capacity_positive"),
        sa.CheckConstraint("member_count >= 0", name="ck_rooms_member_count_not_negative"),
        sa.CheckConstraint(
            "member_count <= capacity", name="ck_rooms_member_count_within_capacity"
        ),
        _fk("rooms", "created_by", "staff_users", "SET NULL"),
    )
    op.create_index(
        "uq_rooms_open_name",
        "rooms",
        ["name"],
        unique=True,
        sqlite_where=sa.text(OPEN_ROOM),
        postgresql_where=sa.text(OPEN_ROOM),
    )
    op.create_table(
        "room_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(40), nullable=False),
        sa.Column("joined_at", UTC, nullable=False),
        sa.Column("window_start", UTC, nullable=True),
        sa.Column("window_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_room_members"),
        sa.UniqueConstraint(
            "room_id", "conversation_id", name="uq_room_members_room_id_conversation_id"
        ),
        _fk("room_members", "room_id", "rooms", "CASCADE"),
        _fk("room_members", "conversation_id", "conversations", "CASCADE"),
    )
    op.create_index("ix_room_members_conversation_id", "room_members", ["conversation_id"])
    op.create_table(
        "room_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("removed_at", UTC, nullable=True),
        sa.Column("removed_by", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_room_messages"),
        _fk("room_messages", "room_id", "rooms", "CASCADE"),
        _fk("room_messages", "conversation_id", "conversations", "SET NULL"),
        _fk("room_messages", "removed_by", "staff_users", "SET NULL"),
    )
    op.create_index("ix_room_messages_room_id_id", "room_messages", ["room_id", "id"])
    op.create_table(
        "room_message_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_room_message_reports"),
        sa.UniqueConstraint(
            "message_id",
            "conversation_id",
            name="uq_room_message_reports_message_id_conversation_id",
        ),
        _fk("room_message_reports", "message_id", "room_messages", "CASCADE"),
        _fk("room_message_reports", "conversation_id", "conversations", "CASCADE"),
    )
    op.create_table(
        "room_bans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("banned_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_room_bans"),
        sa.UniqueConstraint(
            "room_id", "conversation_id", name="uq_room_bans_room_id_conversation_id"
        ),
        _fk("room_bans", "room_id", "rooms", "CASCADE"),
        _fk("room_bans", "conversation_id", "conversations", "CASCADE"),
        _fk("room_bans", "banned_by", "staff_users", "SET NULL"),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(500), nullable=True),
        sa.Column("audience", sa.String(20), nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("send_at", UTC, nullable=False),
        sa.Column("sent_at", UTC, nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.CheckConstraint(
            "audience IN ('all', 'opted_in', 'language')", name="ck_notifications_audience"
        ),
        sa.CheckConstraint(
            "status IN ('scheduled', 'sending', 'sent', 'cancelled')",
            name="ck_notifications_status",
        ),
        _fk("notifications", "created_by", "staff_users", "SET NULL"),
    )
    op.create_index("ix_notifications_status_send_at", "notifications", ["status", "send_at"])
    op.create_table(
        "notification_receipts",
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint(
            "notification_id", "conversation_id", name="pk_notification_receipts"
        ),
        _fk("notification_receipts", "notification_id", "notifications", "CASCADE"),
        _fk("notification_receipts", "conversation_id", "conversations", "CASCADE"),
    )
    op.create_table(
        "notification_subscriptions",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("subscribed", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", name="pk_notification_subscriptions"),
        _fk("notification_subscriptions", "conversation_id", "conversations", "CASCADE"),
    )


def downgrade() -> None:
    op.drop_table("notification_subscriptions")
    op.drop_table("notification_receipts")
    op.drop_index("ix_notifications_status_send_at", table_name="notifications")
    op.drop_table("notifications")
    op.drop_table("room_bans")
    op.drop_table("room_message_reports")
    op.drop_index("ix_room_messages_room_id_id", table_name="room_messages")
    op.drop_table("room_messages")
    op.drop_index("ix_room_members_conversation_id", table_name="room_members")
    op.drop_table("room_members")
    op.drop_index("uq_rooms_open_name", table_name="rooms")
    op.drop_table("rooms")
