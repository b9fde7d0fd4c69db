"""Alembic migrations: upgrade, downgrade, and agreement with the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.pool import NullPool

from core import manage
from core.db import make_engine
from core.models import Base

TABLES = {
    "services",
    "agencies",
    "calendars",
    "slot_counters",
    "bookings",
    "customers",
    "channel_identities",
    "vehicles",
    "conversations",
    "messages",
    "settings",
    "staff_users",
    "staff_sessions",
    "api_tokens",
    "login_attempts",
    "handoff_requests",
    "inbound_receipts",
    "attachments",
    "otp_challenges",
    "outbox_messages",
    "calendar_closures",
    "quotes",
    "callback_tasks",
    "reminders",
    "complaints",
    "survey_responses",
    "rooms",
    "room_members",
    "room_messages",
    "room_message_reports",
    "room_bans",
    "notifications",
    "notification_receipts",
    "notification_subscriptions",
    "test_ride_models",
    "test_ride_model_agencies",
    "answer_entries",
}


def table_names(url: str) -> set[str]:
    engine = make_engine(url, poolclass=NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_creates_every_table_and_downgrade_removes_them(db_url) -> None:
    manage.migrate(db_url)
    assert table_names(db_url) == TABLES | {"alembic_version"}

    manage.downgrade(db_url, "base")
    assert table_names(db_url) <= {"alembic_version"}

    manage.migrate(db_url)
    assert table_names(db_url) >= TABLES


def test_the_migrations_match_the_models(migrated_url) -> None:
    engine = make_engine(migrated_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_the_cli_creates_migrates_and_seeds_the_configured_database(tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'cli.db'}"
    monkeypatch.setenv("PITLANE_DATABASE_URL", url)

    assert manage.main(["init"]) == 0
    assert manage.main(["seed"]) == 0  # second time: already seeded, nothing changes

    assert (tmp_path / "var" / "cli.db").exists()
    assert table_names(url) >= TABLES
