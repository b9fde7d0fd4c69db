"""The parts of a backup (core/backup.py): the database, copied (SQLite) or dumped
(PostgreSQL), and the upload directory as a tar.gz; each written, then read back on restore.

PostgreSQL's client programs get a libpq URL without the password, which goes through the
subprocess's PGPASSWORD: never on a command line other users can list."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tarfile
from contextlib import closing
from pathlib import Path, PurePosixPath

from sqlalchemy.engine import URL, make_url

DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
UPLOADS_FILE = "uploads.tar.gz"
SQLITE_TIMEOUT_SECONDS = 30

# Run in the restore's transaction before the dump's statements: every table and sequence of
# the public schema dropped, so a backup older than the database (tables it does not know)
# is restored exactly, and the migrations that follow find the schema they expect.
WIPE_PUBLIC_SCHEMA = """
DO $$
DECLARE item record;
BEGIN
  FOR item IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
    EXECUTE format('DROP TABLE IF EXISTS public.%I CASCADE', item.tablename);
  END LOOP;
  FOR item IN SELECT sequence_name FROM information_schema.sequences
              WHERE sequence_schema = 'public' LOOP
    EXECUTE format('DROP SEQUENCE IF EXISTS public.%I CASCADE', item.sequence_name);
  END LOOP;
END $$;
"""


class BackupError(Exception):
    """A backup that cannot be made, or a restore refused or failed; the message says why
    (never a password nor personal data)."""


def database_kind(url: str) -> str:
    """The database kind, "sqlite" or "postgresql"; any other is refused."""
    kind = make_url(url).get_backend_name()
    if kind not in DATABASE_FILES:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {kind}")
    return kind


def sqlite_path(url: str) -> Path:
    database = make_url(url).database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        raise BackupError("backups need a SQLite database file, not an in-memory database")
    return Path(database).expanduser()


def copy_sqlite(url: str, copy: Path) -> None:
    """An online, consistent copy through sqlite3's backup API (the app may be writing; a
    plain copy of a WAL database can miss or tear its last transactions)."""
    source_path = sqlite_path(url)
    if not source_path.is_file():
        raise BackupError(f"no SQLite database at {source_path}")
    with (
        closing(sqlite3.connect(source_path, timeout=SQLITE_TIMEOUT_SECONDS)) as source,
        closing(sqlite3.connect(copy)) as target,
    ):
        source.backup(target)
        target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal


def restore_sqlite(copy: Path, url: str) -> None:
    """The copy's pages written over the database in one transaction (the backup API again)."""
    target_path = sqlite_path(url)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    with (
        closing(sqlite3.connect(f"{copy.resolve().as_uri()}?mode=ro", uri=True)) as source,
        closing(sqlite3.connect(target_path, timeout=SQLITE_TIMEOUT_SECONDS)) as target,
    ):
        source.backup(target)


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """The URL libpq accepts (no `+psycopg` driver, no password) and the environment of the
    client program, with PGPASSWORD when the URL has a password."""
    parsed = make_url(url)
    environment = dict(os.environ)
    if parsed.password is not None:
        environment["PGPASSWORD"] = str(parsed.password)
    plain = URL.create(  # URL.set(password=None) would keep the password
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    return plain.render_as_string(hide_password=False), environment


def dump_postgres(url: str, dump: Path) -> None:
    """`pg_dump --format=custom` of the database (a consistent snapshot while the app runs)."""
    target, environment = libpq_target(url)
    _run(["pg_dump", "--format=custom", f"--file={dump}", f"--dbname={target}"], environment)


def restore_postgres(dump: Path, url: str) -> None:
    """The dump restored in one transaction: pg_restore turns it into SQL (--clean --if-exists
    --no-owner), psql runs that after WIPE_PUBLIC_SCHEMA; on any error nothing is changed."""
    target, environment = libpq_target(url)
    script = _run(
        ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--file=-"]
        + [str(dump)],
        environment,
    )
    _run(
        ["psql", "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction"]
        + [f"--command={WIPE_PUBLIC_SCHEMA}", "--file=-", f"--dbname={target}"],
        environment,
        stdin=script,
    )


def _run(command: list[str], environment: dict[str, str], stdin: bytes | None = None) -> bytes:
    """Runs a PostgreSQL client program; its stdout, or BackupError with its message."""
    try:
        done = subprocess.run(command, input=stdin, env=environment, capture_output=True)
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} not found: install PostgreSQL's client programs") from exc
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()[-2000:]
        raise BackupError(f"{command[0]} failed (exit {done.returncode}): {message}")
    return done.stdout


def archive_uploads(upload_dir: Path, archive: Path) -> int:
    """The upload directory's regular files into a tar.gz (an empty one when there is no
    directory); returns how many files."""
    count = 0
    with tarfile.open(archive, "w:gz") as tar:
        if upload_dir.is_dir():
            for path in sorted(upload_dir.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    tar.add(path, arcname=path.relative_to(upload_dir).as_posix())
                    count += 1
    return count


def extract_uploads(archive: Path, staging: Path) -> int:
    """The archive's files written under `staging`; an entry that is not a regular file with
    a relative name inside it (a link, a device, "../x", "/x") refuses the whole archive."""
    count = 0
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            name = PurePosixPath(member.name)
            if member.isdir():
                continue
            if not member.isfile() or name.is_absolute() or ".." in name.parts:
                raise BackupError(f"refused: the uploads archive holds an unsafe entry {name}")
            source = tar.extractfile(member)
            assert source is not None  # a regular file always has content
            path = staging.joinpath(*name.parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            with source, open(path, "xb") as target:
                shutil.copyfileobj(source, target)
            count += 1
    return count


def install_uploads(staging: Path, upload_dir: Path) -> None:
    """The staged files moved into the upload directory (same file system: renames)."""
    for path in sorted(staging.rglob("*")):
        if path.is_file():
            target = upload_dir / path.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
