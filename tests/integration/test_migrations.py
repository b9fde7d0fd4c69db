"""Alembic migrations: upgrade, downgrade, and agreement with the models."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
import yaml
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text
from sqlalchemy.pool import NullPool

from core import manage
from core.db import make_engine
from core.models import Agency, Base
from core.seed import DEMO_DATA
from tests.conftest import _postgres_unavailable, _postgres_url

TABLES = {
    "customer_rate_windows",
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
    "staff_password_resets",
    "staff_recovery_codes",
    "staff_login_challenges",
    "handoff_requests",
    "inbound_receipts",
    "attachments",
    "otp_challenges",
    "otp_events",
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
    "tracker_erasures",
    "widget_credentials",
    "widget_stream_tickets",
    "stored_files",
    "room_bans",
    "notifications",
    "notification_receipts",
    "notification_subscriptions",
    "test_ride_models",
    "test_ride_model_agencies",
    "answer_entries",
    "repair_jobs",
    "job_photos",
    "job_events",
    # issue 16: estimates and invoices (0017)
    "estimates",
    "estimate_lines",
    "document_counters",
    "invoices",
    "invoice_lines",
    "invoice_payments",
    "booking_acknowledgements",  # issue 16: planning
    # issue 16: vehicle history (0022)
    "mileage_readings",
    "maintenance_subscriptions",
    "handoff_notes",  # issue 17: staff notes and transfers (0023)
    "canned_replies",  # issue 17: the console's canned replies (0024)
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


def test_replicas_starting_together_migrate_and_seed_the_database_once(db_url) -> None:
    """Three web replicas run `init` at the same moment on a fresh database (compose's web
    command): the first migrates and seeds while the others wait, then find it done."""
    env = {**os.environ, "PITLANE_DATABASE_URL": db_url}
    command = [sys.executable, "-m", "core.manage", "init"]
    starts = [
        subprocess.Popen(
            command, cwd=manage.ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        for _ in range(3)
    ]
    outputs = [start.communicate(timeout=300)[0].decode() for start in starts]

    assert [start.returncode for start in starts] == [0, 0, 0], "\n".join(outputs)
    assert sum("demo data: loaded" in output for output in outputs) == 1
    engine = make_engine(db_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            versions = connection.scalars(text("SELECT version_num FROM alembic_version")).all()
            agencies = connection.scalar(select(func.count()).select_from(Agency))
    finally:
        engine.dispose()
    assert len(versions) == 1
    assert agencies == len(yaml.safe_load(DEMO_DATA.read_text())["agencies"])


@pytest.mark.postgres
@pytest.mark.parametrize("round_", [1, 2, 3])
def test_two_inits_on_a_fresh_postgresql_database_both_succeed_at_head(round_: int) -> None:
    """Two replicas start together on a database that does not exist yet: both create it
    (one finds it created), one migrates while the other waits on the init lock, and the
    schema ends at head. Three rounds: the race is not won by luck once."""
    reason = _postgres_unavailable()
    if reason:
        pytest.skip(reason)
    base = _postgres_url()
    assert base is not None
    name = f"single_init_{uuid.uuid4().hex[:10]}"
    url = base.set(database=name).render_as_string(hide_password=False)
    env = {**os.environ, "PITLANE_DATABASE_URL": url}
    command = [sys.executable, "-m", "core.manage", "init"]
    try:
        starts = [
            subprocess.Popen(
                command, cwd=manage.ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            )
            for _ in range(2)
        ]
        outputs = [start.communicate(timeout=300)[0].decode() for start in starts]

        assert [start.returncode for start in starts] == [0, 0], "\n".join(outputs)
        assert sum(f"{name}: created" in output for output in outputs) <= 1
        head = ScriptDirectory.from_config(manage.alembic_config(url)).get_current_head()
        engine = make_engine(url, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                versions = connection.scalars(text("SELECT version_num FROM alembic_version"))
                assert versions.all() == [head]
        finally:
            engine.dispose()
    finally:
        admin = make_engine(
            base.set(database="postgres").render_as_string(hide_password=False),
            poolclass=NullPool,
            isolation_level="AUTOCOMMIT",
        )
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()
