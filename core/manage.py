"""Database chores: `python -m core.manage migrate|seed|init|create-db|create-staff`, and
`backup --to DIR` / `restore --from DIR [--force]` (core/backup.py; README, "Backup and
restore"). The database is PITLANE_DATABASE_URL's, the uploads PITLANE_UPLOAD_DIR's."""

from __future__ import annotations

import argparse
import fcntl
import getpass
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, ProgrammingError
from sqlalchemy.pool import NullPool

from core.backup import BackupError, make_backup, restore_backup
from core.config import CoreSettings
from core.db import make_engine
from core.errors import PitlaneError
from core.seed import (
    DEMO_DATA,
    ensure_demo_answers,
    ensure_demo_canned_replies,
    ensure_demo_staff,
    load_demo_data,
)
from core.staff import ROLES, create_staff_user
from core.uow import dispose_engines, uow_from_settings

ROOT = Path(__file__).resolve().parent.parent
# pg_advisory_lock key of `init`/`migrate`/`seed` (any constant unique to Pitlane: "PITLANE1")
INIT_LOCK_KEY = 0x5049544C414E4531
# pg_advisory_lock key of `create-db`/`init`'s CREATE DATABASE, on the server's `postgres` database
CREATE_LOCK_KEY = 0x5049544C414E4530


def alembic_config(url: str, configure_logger: bool = False) -> Config:
    """Alembic configuration for `url` (env.py reads it from the attributes, not the ini)."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "core" / "migrations"))
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = configure_logger
    return config


def migrate(url: str, revision: str = "head", configure_logger: bool = False) -> None:
    """Upgrade the database at `url` to `revision`."""
    command.upgrade(alembic_config(url, configure_logger), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def create_database(url: str) -> bool:
    """Create the database if missing (SQLite file and folder, or a PostgreSQL database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        existed = database in ("", ":memory:") or Path(database).exists()
        engine = make_engine(url, poolclass=NullPool)  # creates the folder
        with engine.connect():  # creates the file
            pass
        engine.dispose()
        return not existed
    name = parsed.database
    admin = make_engine(
        parsed.set(database="postgres").render_as_string(hide_password=False),
        poolclass=NullPool,
        isolation_level="AUTOCOMMIT",
    )
    try:
        with admin.connect() as connection:
            # Replicas starting together: one checks and creates at a time (two concurrent
            # CREATE DATABASE fail with a unique violation on pg_database, not 42P04).
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": CREATE_LOCK_KEY})
            try:
                return _create_if_missing(connection, name)
            finally:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": CREATE_LOCK_KEY}
                )
    finally:
        admin.dispose()


def _create_if_missing(connection: Connection, name: str | None) -> bool:
    exists = connection.scalar(
        text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
    )
    if exists:
        return False
    quoted = connection.dialect.identifier_preparer.quote(name)
    try:
        connection.execute(text(f"CREATE DATABASE {quoted}"))
    except (ProgrammingError, IntegrityError) as exc:  # another program created it first
        if getattr(exc.orig, "sqlstate", None) not in ("42P04", "23505"):  # duplicate database
            raise
        return False
    return True


@contextmanager
def init_lock(url: str) -> Iterator[None]:
    """One process at a time migrates and seeds a database: replicas started together (each
    runs `init` before serving) wait for the first instead of racing on alembic_version.

    PostgreSQL: a session advisory lock, released when its connection ends (even if the
    process dies). SQLite: an exclusive flock on a file beside the database."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            yield
            return
        path = Path(database).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.with_name(path.name + ".init-lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
            yield
        return
    engine = make_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": INIT_LOCK_KEY})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": INIT_LOCK_KEY})
    finally:
        engine.dispose()


def seed(settings: CoreSettings, path: Path = DEMO_DATA) -> bool:
    loaded = load_demo_data(uow_from_settings(settings)(), path, datetime.now(timezone.utc))
    dispose_engines()
    return loaded


def seed_staff(settings: CoreSettings, path: Path = DEMO_DATA) -> int:
    """The demo staff users missing from the database (databases seeded before staff)."""
    added = ensure_demo_staff(uow_from_settings(settings)(), path)
    dispose_engines()
    return added


def seed_answers(settings: CoreSettings, path: Path = DEMO_DATA) -> int:
    """The demo knowledge base (databases seeded before it existed), loaded once."""
    added = ensure_demo_answers(uow_from_settings(settings)(), path)
    dispose_engines()
    return added


def seed_canned_replies(settings: CoreSettings, path: Path = DEMO_DATA) -> int:
    """The demo canned replies (databases seeded before they existed), loaded once."""
    added = ensure_demo_canned_replies(uow_from_settings(settings)(), path)
    dispose_engines()
    return added


def create_staff(settings: CoreSettings, args: argparse.Namespace) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            print("the passwords differ: no user created", file=sys.stderr)
            return 1
    try:
        user = create_staff_user(
            uow_from_settings(settings)(),
            email=args.email,
            name=args.name,
            role=args.role,
            password=password,
        )
    except PitlaneError as exc:
        print(f"no user created: {exc.message} ({exc.code})", file=sys.stderr)
        return 1
    finally:
        dispose_engines()
    print(f"staff user {user.email} created: id {user.id}, role {user.role}")
    return 0


def prepare(command: str, settings: CoreSettings, data: Path, configure_logger: bool) -> None:
    """`migrate`, `seed` or both (`init`), under the database's init lock."""
    url = settings.database_url
    shown = make_url(url).render_as_string(hide_password=True)
    if command in ("migrate", "init"):
        migrate(url, configure_logger=configure_logger)
        print(f"database {shown}: migrated to head")
    if command in ("seed", "init"):
        loaded = seed(settings, data)
        print(f"demo data: {'loaded' if loaded else 'not loaded, the database has agencies'}")
        added = seed_staff(settings, data)
        print(f"demo staff: {added} added")
        answers = seed_answers(settings, data)
        if answers:
            print(f"demo knowledge base: {answers} answers added")
        canned = seed_canned_replies(settings, data)
        if canned:
            print(f"demo canned replies: {canned} added")


def backup(settings: CoreSettings, target: Path) -> int:
    shown = make_url(settings.database_url).render_as_string(hide_password=True)
    try:
        manifest = make_backup(
            settings.database_url, Path(settings.upload_dir), target, datetime.now(timezone.utc)
        )
    except BackupError as exc:
        print(f"no backup made: {exc}", file=sys.stderr)
        return 1
    print(f"database {shown} (revision {manifest.revision}) and uploads backed up to {target}")
    return 0


def restore(settings: CoreSettings, source: Path, force: bool, configure_logger: bool) -> int:
    url = settings.database_url
    shown = make_url(url).render_as_string(hide_password=True)
    config = alembic_config(url, configure_logger)
    try:
        with init_lock(url):  # no replica starting beside it migrates meanwhile
            restored = restore_backup(source, url, Path(settings.upload_dir), config, force)
    except BackupError as exc:
        print(f"nothing restored into {shown}: {exc}", file=sys.stderr)
        return 1
    manifest = restored.manifest
    print(f"database {shown}: restored from {source} (backup of {manifest.created_at})")
    if restored.migrated:
        print(f"schema upgraded from revision {manifest.revision} to head")
    print(f"uploads: {restored.files} files restored into {settings.upload_dir}")
    return 0


COMMANDS = ["migrate", "seed", "init", "create-db", "create-staff", "backup", "restore"]


def main(argv: Sequence[str] | None = None, configure_logger: bool = False) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m core.manage",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=COMMANDS)
    parser.add_argument("--data", type=Path, default=DEMO_DATA, help="demo dataset (YAML)")
    staff = parser.add_argument_group("create-staff")
    staff.add_argument("--email")
    staff.add_argument("--name")
    staff.add_argument("--role", choices=ROLES, default="advisor")
    staff.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin instead of prompting",
    )
    saving = parser.add_argument_group("backup and restore")
    saving.add_argument(
        "--to",
        type=Path,
        metavar="DIR",
        help="backup: the new (or empty) directory the backup is written to",
    )
    saving.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="DIR",
        help="restore: the backup directory to restore (its manifest and checksums checked first)",
    )
    saving.add_argument(
        "--force",
        action="store_true",
        help="restore: replace a database that already has data (it is lost)",
    )
    args = parser.parse_args(argv)
    if args.command == "create-staff" and not (args.email and args.name):
        parser.error("create-staff needs --email and --name")
    if args.command == "backup" and args.to is None:
        parser.error("backup needs --to DIR")
    if args.command == "restore" and args.source is None:
        parser.error("restore needs --from DIR")
    settings = CoreSettings()
    url = settings.database_url
    shown = make_url(url).render_as_string(hide_password=True)

    if args.command in ("create-db", "init"):
        created = create_database(url)
        print(f"database {shown}: {'created' if created else 'already there'}")
    if args.command in ("migrate", "seed", "init"):
        with init_lock(url):
            prepare(args.command, settings, args.data, configure_logger)
    if args.command == "create-staff":
        return create_staff(settings, args)
    if args.command == "backup":
        return backup(settings, args.to)
    if args.command == "restore":
        return restore(settings, args.source, args.force, configure_logger)
    return 0


if __name__ == "__main__":
    sys.exit(main(configure_logger=True))
