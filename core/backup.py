"""Backups and their restore: `python -m core.manage backup --to DIR | restore --from DIR`.

A backup is a directory: the database (database.sqlite3, an online copy through sqlite3's
backup API, or database.pgdump, `pg_dump --format=custom`), the upload directory
(uploads.tar.gz; the database store's files are in the database already) and, written last,
manifest.json: the schema's Alembic revision, the database kind, the time, the upload
directory and each file's SHA-256. A directory without a manifest is an unfinished backup.

A restore checks everything before changing anything: the manifest, the checksums, the
database kind, a revision this code knows, an empty database (or `force`). It then replaces
the database, upgrades an older schema to head, points the attachments at the upload
directory if it moved, and puts the files in place."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import inspect, literal, select, table, text
from sqlalchemy.pool import NullPool

from core.backup_parts import (
    DATABASE_FILES,
    UPLOADS_FILE,
    BackupError,
    archive_uploads,
    copy_sqlite,
    database_kind,
    dump_postgres,
    extract_uploads,
    install_uploads,
    restore_postgres,
    restore_sqlite,
    sqlite_path,
)
from core.db import make_engine

__all__ = ["BackupError", "Manifest", "Restored", "make_backup", "restore_backup"]

MANIFEST_FILE = "manifest.json"
MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class Manifest:
    """What manifest.json says; `files` maps each file's name to its SHA-256."""

    revision: str
    database: str
    created_at: str
    upload_dir: str
    files: dict[str, str]
    format: int = MANIFEST_FORMAT


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    migrated: bool  # the backup's schema was older and was upgraded to head
    files: int  # files put back in the upload directory


def make_backup(url: str, upload_dir: Path, target: Path, now: datetime) -> Manifest:
    """A backup of the database at `url` and of `upload_dir` in the new directory `target`."""
    kind = database_kind(url)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} exists and is not an empty directory: choose a new one")
    if kind == "sqlite" and not sqlite_path(url).is_file():
        raise BackupError(f"no SQLite database at {sqlite_path(url)}")
    revision = current_revision(url)
    if revision is None:
        raise BackupError("the database has no schema: nothing to back up")
    target.mkdir(parents=True, exist_ok=True)
    database = target / DATABASE_FILES[kind]
    # The database first: a file is saved before the row naming it is committed, so every
    # file the copy names is already in the upload directory when it is archived.
    (copy_sqlite if kind == "sqlite" else dump_postgres)(url, database)
    archive_uploads(upload_dir.resolve(), target / UPLOADS_FILE)
    manifest = Manifest(
        revision=revision,
        database=kind,
        created_at=now.isoformat(),
        upload_dir=str(upload_dir.resolve()),
        files={name: sha256_of(target / name) for name in (database.name, UPLOADS_FILE)},
    )
    partial = target / f".{MANIFEST_FILE}.partial"
    partial.write_text(json.dumps(asdict(manifest), indent=2) + "\n", encoding="utf-8")
    os.replace(partial, target / MANIFEST_FILE)  # last, and whole
    return manifest


def restore_backup(
    source: Path, url: str, upload_dir: Path, config: Config, force: bool = False
) -> Restored:
    """The backup in `source` restored into the database at `url` and `upload_dir`.
    `config` is Alembic's configuration for `url` (core.manage.alembic_config)."""
    manifest = check_backup(source, url, config)
    if not force and has_data(url):
        raise BackupError(
            "refused: the database already has data, which the restore would replace; "
            "give --force to overwrite it"
        )
    upload_dir = upload_dir.resolve()
    staging = upload_dir.parent / f".{upload_dir.name}.restore-{secrets.token_hex(4)}"
    try:
        files = extract_uploads(source / UPLOADS_FILE, staging)
        database = source / DATABASE_FILES[manifest.database]
        (restore_sqlite if manifest.database == "sqlite" else restore_postgres)(database, url)
        migrated = manifest.revision != ScriptDirectory.from_config(config).get_current_head()
        if migrated:
            command.upgrade(config, "head")
        move_upload_keys(url, Path(manifest.upload_dir), upload_dir)
        install_uploads(staging, upload_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Restored(manifest, migrated, files)


def check_backup(source: Path, url: str, config: Config) -> Manifest:
    """The backup's manifest, once the backup is found whole, untouched, of this database
    kind and of a schema revision this code knows; BackupError otherwise."""
    manifest = read_manifest(source)
    kind = database_kind(url)
    if manifest.database != kind:
        raise BackupError(f"refused: a {manifest.database} backup cannot go into {kind}")
    wanted = {DATABASE_FILES[kind], UPLOADS_FILE}
    if not wanted <= manifest.files.keys():
        raise BackupError("refused: the manifest does not list the database and the uploads")
    for name, digest in manifest.files.items():
        path = source / name
        if Path(name).name != name or not path.is_file():
            raise BackupError(f"refused: {name} is missing from the backup (incomplete)")
        if sha256_of(path) != digest:
            raise BackupError(f"refused: {name} does not match its checksum (damaged or changed)")
    try:
        known = ScriptDirectory.from_config(config).get_revision(manifest.revision)
    except CommandError:
        known = None
    if known is None:
        raise BackupError(
            f"refused: the backup's schema revision {manifest.revision} is unknown to this "
            "version of Pitlane (a newer one made it): upgrade Pitlane first"
        )
    return manifest


def read_manifest(source: Path) -> Manifest:
    path = source / MANIFEST_FILE
    if not path.is_file():
        raise BackupError(f"refused: {source} has no {MANIFEST_FILE}: not a finished backup")
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        manifest = Manifest(**data)
    except (ValueError, TypeError) as exc:
        raise BackupError(f"refused: {MANIFEST_FILE} cannot be read ({exc})") from exc
    if manifest.format != MANIFEST_FORMAT or not isinstance(manifest.files, dict):
        raise BackupError(f"refused: {MANIFEST_FILE} is not of format {MANIFEST_FORMAT}")
    return manifest


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def current_revision(url: str) -> str | None:
    """The database's Alembic revision (None: never migrated)."""
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def has_data(url: str) -> bool:
    """Whether any table but alembic_version has a row (a missing SQLite file has none)."""
    if database_kind(url) == "sqlite" and not sqlite_path(url).is_file():
        return False
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            names = [n for n in inspect(connection).get_table_names() if n != "alembic_version"]
            query = select(literal(1)).limit(1)
            return any(connection.scalar(query.select_from(table(n))) for n in names)
    finally:
        engine.dispose()


def move_upload_keys(url: str, old: Path, new: Path) -> int:
    """The attachments' keys of the filesystem store (absolute paths) moved from the upload
    directory at backup time to this one; returns how many."""
    if old == new:
        return 0
    before, after = f"{old}{os.sep}", f"{new}{os.sep}"
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            moved = connection.execute(
                text(
                    "UPDATE attachments SET storage_path = :after || substr(storage_path, :cut) "
                    "WHERE substr(storage_path, 1, :length) = :before"
                ),
                {"after": after, "before": before, "cut": len(before) + 1, "length": len(before)},
            )
        return int(moved.rowcount or 0)
    finally:
        engine.dispose()
