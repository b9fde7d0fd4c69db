"""Backup and restore (`python -m core.manage backup|restore`) on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.pool import NullPool

from core import backup_parts, manage
from core.backup import current_revision, has_data
from core.backup_parts import BackupError, extract_uploads
from core.conversations import add_attachment, get_or_create_conversation, record_message
from core.db import make_engine, make_session_factory
from core.file_store import StoreKind, make_file_store
from core.files import store_upload
from core.models import Agency, Attachment, Booking, Message
from core.uow import uow_factory as make_uow_factory
from tests.conftest import TIMEZONE, UowFactory, _pg_admin, _pg_database_url

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
PDF = b"%PDF-1.4\n" + b"customer's estimate\n" * 20


@pytest.fixture
def empty_url(migrated_url: str, tmp_path: Path) -> Iterator[str]:
    """A new, empty database on the backend of `migrated_url` (never created on SQLite)."""
    if migrated_url.startswith("sqlite:"):
        yield f"sqlite:///{tmp_path / 'restored' / 'pitlane.db'}"
        return
    name = f"pitlane_restore_{os.getpid()}_{uuid.uuid4().hex[:12]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_database_url(name)
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def counts_at(url: str) -> dict[str, int]:
    engine = make_engine(url, poolclass=NullPool)
    try:
        return counts(make_uow_factory(make_session_factory(engine), timezone=TIMEZONE))
    finally:
        engine.dispose()


def store_customer_files(uow_factory: UowFactory, upload_dir: Path) -> dict[str, bytes]:
    """A customer's picture on the filesystem and a document in the database, each attached
    to a message; returns {storage key: bytes}."""
    conversation = get_or_create_conversation(uow_factory(), "web", "backup-visitor")
    message = record_message(
        uow_factory(),
        conversation.id,
        direction="in",
        sender="backup-visitor",
        text="here are my photos",
        status="received",
    )
    stored = {}
    files: list[tuple[StoreKind, bytes, str]] = [
        ("filesystem", PNG, "image/png"),
        ("database", PDF, "application/pdf"),
    ]
    for kind, data, content_type in files:
        key, size = store_upload(data, content_type, make_file_store(kind, upload_dir, uow_factory))
        add_attachment(
            uow_factory(),
            message,
            kind="image" if kind == "filesystem" else "document",
            content_type=content_type,
            storage_path=key,
            size=size,
        )
        stored[key] = data
    return stored


def counts(uow_factory: UowFactory) -> dict[str, int]:
    with uow_factory() as uow:
        return {
            model.__tablename__: uow.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Agency, Booking, Message, Attachment)
        }


def files_read_back(uow_factory: UowFactory, upload_dir: Path) -> list[bytes]:
    store = make_file_store("filesystem", upload_dir, uow_factory)
    with uow_factory() as uow:
        keys = uow.session.scalars(select(Attachment.storage_path).order_by(Attachment.id)).all()
    return [store.read(key) or b"" for key in keys if key]


def run_manage(url: str, upload_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real entry point, in its own process."""
    env = {**os.environ, "PITLANE_DATABASE_URL": url, "PITLANE_UPLOAD_DIR": str(upload_dir)}
    return subprocess.run(
        [sys.executable, "-m", "core.manage", *args],
        cwd=manage.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def manage_in_process(
    monkeypatch: pytest.MonkeyPatch, url: str, upload_dir: Path, *args: str
) -> int:
    monkeypatch.setenv("PITLANE_DATABASE_URL", url)
    monkeypatch.setenv("PITLANE_UPLOAD_DIR", str(upload_dir))
    return manage.main(list(args))


def test_a_backup_restored_into_an_empty_database_has_the_bookings_messages_and_files(
    seeded_uow_factory: UowFactory, migrated_url: str, empty_url: str, tmp_path: Path
) -> None:
    uploads, backup = tmp_path / "uploads", tmp_path / "backup"
    stored = store_customer_files(seeded_uow_factory, uploads)
    before = counts(seeded_uow_factory)
    assert before["bookings"] and before["messages"]

    made = run_manage(migrated_url, uploads, "backup", "--to", str(backup))
    assert made.returncode == 0, made.stderr
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["revision"] == current_revision(migrated_url)
    assert set(manifest["files"]) == {
        "database.sqlite3" if migrated_url.startswith("sqlite") else "database.pgdump",
        "uploads.tar.gz",
    }

    # Another machine: a new database and another upload directory.
    restored_uploads = tmp_path / "elsewhere" / "uploads"
    done = run_manage(empty_url, restored_uploads, "restore", "--from", str(backup))
    assert done.returncode == 0, done.stderr
    assert "1 files restored" in done.stdout

    assert counts_at(empty_url) == before
    engine = make_engine(empty_url, poolclass=NullPool)
    try:
        factory = make_uow_factory(make_session_factory(engine), timezone=TIMEZONE)
        assert sorted(files_read_back(factory, restored_uploads)) == sorted(stored.values())
    finally:
        engine.dispose()


def test_no_password_or_driver_reaches_the_postgresql_command_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: list[tuple[list[str], dict[str, str]]] = []

    def fake_run(command: list[str], env: dict[str, str], **_: object) -> object:
        seen.append((command, env))
        return subprocess.CompletedProcess(command, 0, b"", b"")

    monkeypatch.setattr(backup_parts.subprocess, "run", fake_run)
    url = "postgresql+psycopg://pitlane:s3cret%2Fpw@db.example:5433/pitlane?sslmode=require"
    backup_parts.dump_postgres(url, tmp_path / "database.pgdump")
    backup_parts.restore_postgres(tmp_path / "database.pgdump", url)

    assert [command[0] for command, _ in seen] == ["pg_dump", "pg_restore", "psql"]
    for command, env in seen:
        assert not any("s3cret" in part for part in command)
        assert env["PGPASSWORD"] == "s3cret/pw"
    dbname = [part for part in seen[0][0] if part.startswith("--dbname=")]
    assert dbname == ["--dbname=postgresql://pitlane@db.example:5433/pitlane?sslmode=require"]


@pytest.fixture
def backup_dir(seeded_uow_factory: UowFactory, migrated_url: str, tmp_path: Path) -> Path:
    """A backup of the seeded database with one uploaded file, made in this process."""
    store_customer_files(seeded_uow_factory, tmp_path / "uploads")
    assert manage_backup(migrated_url, tmp_path / "uploads", tmp_path / "backup") == 0
    return tmp_path / "backup"


def manage_backup(url: str, uploads: Path, target: Path) -> int:
    with pytest.MonkeyPatch.context() as patch:
        return manage_in_process(patch, url, uploads, "backup", "--to", str(target))


def test_a_backup_with_one_byte_changed_is_refused_and_changes_nothing(
    backup_dir: Path,
    migrated_url: str,
    empty_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    database = next(p for p in backup_dir.iterdir() if p.name.startswith("database."))
    data = bytearray(database.read_bytes())
    data[len(data) // 2] ^= 0x01
    database.write_bytes(bytes(data))
    target_uploads = tmp_path / "restored-uploads"

    code = manage_in_process(
        monkeypatch, empty_url, target_uploads, "restore", "--from", str(backup_dir)
    )

    assert code != 0
    error = capsys.readouterr().err
    assert "does not match its checksum" in error
    assert not target_uploads.exists()
    if empty_url.startswith("sqlite"):
        assert not Path(empty_url.removeprefix("sqlite:///")).exists()
    else:
        assert current_revision(empty_url) is None and not has_data(empty_url)
    # nor is the seeded database touched when forced
    before = counts_at(migrated_url)
    code = manage_in_process(
        monkeypatch, migrated_url, target_uploads, "restore", "--from", str(backup_dir), "--force"
    )
    assert code != 0 and counts_at(migrated_url) == before


def test_a_backup_without_its_manifest_is_refused_as_unfinished(
    backup_dir: Path,
    empty_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (backup_dir / "manifest.json").unlink()
    code = manage_in_process(
        monkeypatch, empty_url, tmp_path / "u", "restore", "--from", str(backup_dir)
    )
    assert code != 0
    assert "not a finished backup" in capsys.readouterr().err


def test_a_backup_of_a_newer_schema_than_the_code_knows_is_refused(
    backup_dir: Path,
    empty_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    manifest["revision"] = "9999_from_the_future"
    (backup_dir / "manifest.json").write_text(json.dumps(manifest))
    code = manage_in_process(
        monkeypatch, empty_url, tmp_path / "u", "restore", "--from", str(backup_dir)
    )
    assert code != 0
    assert "unknown to this version of Pitlane" in capsys.readouterr().err


def test_a_restore_onto_a_database_with_data_needs_force(
    backup_dir: Path,
    seeded_uow_factory: UowFactory,
    migrated_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = counts(seeded_uow_factory)
    with seeded_uow_factory() as uow:  # a mistake made after the backup
        uow.session.execute(Booking.__table__.delete())
        uow.commit()
    uploads = tmp_path / "uploads"

    code = manage_in_process(
        monkeypatch, migrated_url, uploads, "restore", "--from", str(backup_dir)
    )
    assert code != 0
    error = capsys.readouterr().err
    assert "already has data" in error and "--force" in error
    assert counts(seeded_uow_factory)["bookings"] == 0

    forced = run_manage(migrated_url, uploads, "restore", "--from", str(backup_dir), "--force")
    assert forced.returncode == 0, forced.stderr
    assert counts(seeded_uow_factory) == before


def test_an_older_backup_over_a_newer_database_is_restored_then_migrated_to_head(
    seeded_uow_factory: UowFactory,
    migrated_url: str,
    empty_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    manage.create_database(empty_url)
    manage.migrate(empty_url, "0023")
    assert manage_backup(empty_url, tmp_path / "none", tmp_path / "old") == 0
    head = current_revision(migrated_url)

    code = manage_in_process(
        monkeypatch,
        migrated_url,
        tmp_path / "u",
        "restore",
        "--from",
        str(tmp_path / "old"),
        "--force",
    )

    assert code == 0
    assert current_revision(migrated_url) == head
    assert counts(seeded_uow_factory)["agencies"] == 0  # the old, empty database's content
    engine = make_engine(migrated_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            assert "canned_replies" in inspect(connection).get_table_names()
    finally:
        engine.dispose()


def test_an_uploads_archive_reaching_outside_its_directory_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "uploads.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        entry = tarfile.TarInfo("../escaped.png")
        entry.size = len(PNG)
        tar.addfile(entry, io.BytesIO(PNG))
    with pytest.raises(BackupError, match="unsafe entry"):
        extract_uploads(archive, tmp_path / "staging")
    assert not (tmp_path / "escaped.png").exists()
