"""Shared fixtures: one database fixture for SQLite and PostgreSQL, migrated and seeded.

- `db_url`: an empty database URL, parametrised over SQLite (a file in tmp_path) and
  PostgreSQL (PITLANE_TEST_POSTGRES_URL's server, its own database per test, dropped
  afterwards; skipped with the reason when the server is unreachable; set the variable empty
  to skip on purpose).
- `migrated_url`: `db_url` upgraded to head through Alembic: a copy of a database migrated
  once per test process (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL).
- `uow_factory`: units of work on `migrated_url` (time zone Europe/Paris), empty database.
- `seeded_uow_factory`: the same with data/demo.yaml loaded relative to `now` (at the fixed
  `now`: a copy of a database seeded once per test process).
- `now`: a fixed instant, Wednesday 19 November 2025 10:30 in Paris (09:30 UTC).
- `local_dt`: `local_dt(2025, 10, 26, 9, 0)` -> that Paris wall-clock time as aware UTC.
- `add_calendar`: `add_calendar("agency", "service", capacity=2, slot_minutes=60,
  opening_hours={...})` creates the agency, service and calendar when missing.
- `add_staff`: `add_staff("Nina", role="advisor", available=True, seen=now)` inserts a staff
  user directly (no argon2 hashing: it cannot log in) and returns its id.
- `add_conversation`: `add_conversation("web", "visitor-1", customer="Camille")` returns the
  id of a new conversation, the customer known on that channel when a name is given.
- `sqlite_url` / `seeded_sqlite_url`: a migrated (and seeded, relative to the real clock's
  quarter hour, since a web app reads the clock) SQLite file URL, for web app tests.
"""

from __future__ import annotations

import functools
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from core.db import make_engine, make_session_factory
from core.manage import migrate
from core.models import (
    Agency,
    Calendar,
    ChannelIdentity,
    Conversation,
    Customer,
    Service,
    StaffUser,
)
from core.seed import DEMO_DATA, load_demo_data
from core.uow import UnitOfWork
from core.uow import uow_factory as make_uow_factory
from scripts.i18n import compile_catalogues

TIMEZONE = "Europe/Paris"
FIXED_NOW = datetime(2025, 11, 19, 9, 30, tzinfo=timezone.utc)  # Wednesday, 10:30 in Paris
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
WORKSHOP_HOURS = {
    day: [["09:00", "12:00"], ["14:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")
}

UowFactory = Callable[[], UnitOfWork]


def pytest_sessionstart(session: pytest.Session) -> None:
    """The gettext catalogues compiled, as `make locale` does, when missing or out of date:
    the texts of core/, channels/ and backoffice/ are read from them (core/i18n.py)."""
    compile_catalogues()


# With pytest-xdist (`make test`: two workers, --dist loadgroup), the tests that start the
# whole stack or a browser (tests/e2e, tests/browser, tests/scale) run in turn on one worker,
# sharing its session's stack and leaving the machine's other core to the rest; a security
# module's tests stay together with its module-scoped app and signed-in callers. (xdist's own
# xdist_group marker cannot be used: it renames the tests' ids, which pytest 9 no longer lets
# a plugin do, so the groups are given to its scheduler instead.)
STACK_DIRECTORIES = ("e2e", "browser", "scale")


def work_unit(nodeid: str) -> str:
    """The unit of work a test is scheduled in: "stack", a security module, or itself."""
    parts = nodeid.split("/")
    if len(parts) > 2 and parts[0] == "tests" and parts[1] in STACK_DIRECTORIES:
        return "stack"
    if len(parts) > 2 and parts[0] == "tests" and parts[1] == "security":
        return parts[2].split("::")[0]
    return nodeid


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Grouped(LoadScopeScheduling):
        """xdist's scope scheduling (the largest units first, then one unit at a time to
        the worker that is free), with the units of `work_unit`."""

        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return Grouped(config, log)


def _postgres_url() -> URL | None:
    raw = os.environ.get("PITLANE_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    if not raw:
        return None
    url = make_url(raw)
    return url.set(drivername="postgresql+psycopg") if url.drivername == "postgresql" else url


@functools.lru_cache(maxsize=1)
def _postgres_unavailable() -> str | None:
    """Why the PostgreSQL tests cannot run, or None when the server answers."""
    url = _postgres_url()
    if url is None:
        return "PITLANE_TEST_POSTGRES_URL is empty: PostgreSQL tests disabled"
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return None
    except Exception as exc:  # any failure to connect means: skip, and say why
        shown = url.render_as_string(hide_password=True)
        return f"PostgreSQL unreachable at {shown}: {type(exc).__name__}: {exc}".strip()
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """An empty database: a SQLite file, or a new PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'pitlane.db'}"
        return
    reason = _postgres_unavailable()
    if reason:
        pytest.skip(reason)
    name = f"{PG_TEST_PREFIX}{os.getpid()}_{uuid.uuid4().hex[:12]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_database_url(name)
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


PG_TEST_PREFIX = "pitlane_t_"  # + the test process's pid: its databases and templates


def _pg_database_url(name: str) -> str:
    base = _postgres_url()
    assert base is not None
    return base.set(database=name).render_as_string(hide_password=False)


def _pg_admin(*statements: str) -> None:
    """Statements run outside a transaction on the server's `postgres` database."""
    engine = create_engine(
        make_url(_pg_database_url("postgres")), poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


_PG_TEMPLATES: dict[str, str] = {}


def _pg_template(kind: str) -> str:
    """A PostgreSQL database built once per test process, the source of each test's copy
    (CREATE DATABASE ... TEMPLATE): migrated ("migrated"), or that with the demo data at
    FIXED_NOW ("seeded"). Nothing stays connected to it, as a template requires."""
    name = _PG_TEMPLATES.get(kind)
    if name is not None:
        return name
    if not _PG_TEMPLATES:
        _drop_stale_pg_databases()
    name = f"{PG_TEST_PREFIX}{os.getpid()}_template_{kind}"
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    url = _pg_database_url(name)
    migrate(url)
    if kind == "seeded":
        _load_demo(url, FIXED_NOW)
    _PG_TEMPLATES[kind] = name
    return name


def _copy_pg_template(kind: str, url: str) -> None:
    """The test's database (nothing has connected to it yet) made again from the template."""
    name = make_url(url).database
    template = _pg_template(kind)
    _pg_admin(
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        # FILE_COPY: a copy of the files. It forces two checkpoints, and with the suite running
        # a create and drop took about 1 s against 0.45 s with WAL_LOG; yet a whole run with
        # WAL_LOG was no faster (25.0 against 24.7 min: its page-by-page copy takes
        # PostgreSQL's CPU from the tests on 2 cores), so FILE_COPY stays.
        f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY',
    )


def _drop_stale_pg_databases() -> None:
    """Databases left by test processes that no longer run (a run killed midway)."""
    engine = create_engine(
        make_url(_pg_database_url("postgres")), poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    try:
        with engine.connect() as connection:
            names = connection.scalars(
                text("SELECT datname FROM pg_database WHERE datname LIKE :prefix"),
                {"prefix": f"{PG_TEST_PREFIX}%"},
            ).all()
            for name in names:
                pid = name.removeprefix(PG_TEST_PREFIX).split("_", 1)[0]
                if pid.isdigit() and not _process_alive(int(pid)):
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def pytest_sessionfinish(session: pytest.Session) -> None:
    """This process's PostgreSQL templates dropped (each test drops its own database)."""
    if _PG_TEMPLATES:
        _pg_admin(*(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in _PG_TEMPLATES.values()))
        _PG_TEMPLATES.clear()


_TEMPLATES: dict[str, Path] = {}
LIVE_BUCKET = timedelta(minutes=15)


def _live_bucket_start() -> datetime:
    """The start of the quarter hour the real clock is in. Demo data loaded at that instant
    equals data loaded at any instant of the quarter: every slot of the demo calendars starts
    on a quarter hour, so the slots still to come are the same, and it is the same day."""
    now = datetime.now(timezone.utc)
    return now - (now - datetime(2000, 1, 1, tzinfo=timezone.utc)) % LIVE_BUCKET


def _load_demo(url: str, at: datetime) -> None:
    engine = make_engine(url)
    try:
        factory = make_uow_factory(make_session_factory(engine), timezone=TIMEZONE)
        assert load_demo_data(factory(), DEMO_DATA, at)
    finally:
        engine.dispose()


def _sqlite_template(kind: str) -> Path:
    """A SQLite database file built once per test process and copied for each test: the
    migrated schema ("migrated"), that with the demo data at FIXED_NOW ("seeded"), or at the
    real clock's current quarter hour ("live", built again each quarter hour). The copy holds
    the same bytes the same functions would write, in milliseconds instead of seconds (the
    migrations and the demo data are most of a database test's time)."""
    key = f"live-{_live_bucket_start():%Y%m%d%H%M}" if kind == "live" else kind
    path = _TEMPLATES.get(key)
    if path is not None and path.exists():
        return path
    if kind == "live":  # the last quarter's file is of no more use
        for old in [k for k in _TEMPLATES if k.startswith("live-")]:
            shutil.rmtree(_TEMPLATES.pop(old).parent, ignore_errors=True)
    path = Path(tempfile.mkdtemp(prefix=f"pitlane-{kind}-")) / "pitlane.db"
    url = f"sqlite:///{path}"
    migrate(url)
    if kind != "migrated":
        _load_demo(url, FIXED_NOW if kind == "seeded" else _live_bucket_start())
    with sqlite3.connect(path) as connection:  # everything in the main file, no WAL left
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    _TEMPLATES[key] = path
    return path


def _copy_sqlite_template(kind: str, url: str) -> None:
    target = Path(make_url(url).database or "")
    target.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (Path(f"{target}-wal"), Path(f"{target}-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(_sqlite_template(kind), target)


@pytest.fixture
def migrated_url(db_url: str) -> str:
    if db_url.startswith("sqlite:"):
        _copy_sqlite_template("migrated", db_url)
    else:
        _copy_pg_template("migrated", db_url)
    return db_url


@pytest.fixture
def uow_factory(migrated_url: str) -> Iterator[UowFactory]:
    engine = make_engine(migrated_url)
    yield make_uow_factory(make_session_factory(engine), timezone=TIMEZONE)
    engine.dispose()


@pytest.fixture
def racing_uow(migrated_url: str) -> Iterator[UowFactory]:
    """Units of work for racers (tests/race.py): NullPool, so every racer opens its own
    connection and the transactions really compete."""
    engine = make_engine(migrated_url, poolclass=NullPool)
    yield make_uow_factory(make_session_factory(engine), timezone=TIMEZONE)
    engine.dispose()


@pytest.fixture
def now() -> datetime:
    return FIXED_NOW


@pytest.fixture
def local_dt() -> Callable[..., datetime]:
    def build(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
        local = datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(TIMEZONE))
        return local.astimezone(timezone.utc)

    return build


@pytest.fixture
def seeded_uow_factory(migrated_url: str, uow_factory: UowFactory, now: datetime) -> UowFactory:
    if now != FIXED_NOW:
        assert load_demo_data(uow_factory(), DEMO_DATA, now)
    elif migrated_url.startswith("sqlite:"):  # nothing has connected to it yet
        _copy_sqlite_template("seeded", migrated_url)
    else:
        _copy_pg_template("seeded", migrated_url)
    return uow_factory


@pytest.fixture
def add_calendar(uow_factory: UowFactory) -> Callable[..., None]:
    def add(
        agency: str = "test-agency",
        service: str = "maintenance",
        *,
        capacity: int = 2,
        slot_minutes: int = 60,
        opening_hours: dict[str, list[list[str]]] | None = None,
    ) -> None:
        with uow_factory() as uow:
            session = uow.session
            if session.get(Service, service) is None:
                workshop = service == "maintenance"
                session.add(
                    Service(
                        code=service,
                        name_fr=service,
                        name_en=service,
                        kind="workshop" if workshop else "test_ride",
                        usage=None if workshop else "road",
                    )
                )
            agency_row = session.scalar(select(Agency).where(Agency.code == agency))
            if agency_row is None:
                agency_row = Agency(
                    code=agency,
                    name=agency.title(),
                    address="1 rue de Test",
                    city="Paris",
                    postcode="75001",
                    latitude=48.86,
                    longitude=2.34,
                    phone="+33 1 99 00 00 00",
                    email=f"{agency}@pitlane.example",
                )
                session.add(agency_row)
            session.flush()
            session.add(
                Calendar(
                    agency_id=agency_row.id,
                    service_code=service,
                    slot_minutes=slot_minutes,
                    capacity=capacity,
                    opening_hours=WORKSHOP_HOURS if opening_hours is None else opening_hours,
                )
            )
            uow.commit()

    return add


def _sqlite_database(tmp_path: Any, name: str, seeded: bool) -> str:
    url = f"sqlite:///{tmp_path / name / 'pitlane.db'}"
    _copy_sqlite_template("live" if seeded else "migrated", url)
    return url


@pytest.fixture
def sqlite_url(tmp_path: Any) -> str:
    """A migrated, empty SQLite database file."""
    return _sqlite_database(tmp_path, "empty", seeded=False)


@pytest.fixture
def seeded_sqlite_url(tmp_path: Any) -> str:
    """A migrated SQLite database file with the demo data, relative to the real clock."""
    return _sqlite_database(tmp_path, "seeded", seeded=True)


@pytest.fixture
def add_staff(uow_factory: UowFactory) -> Callable[..., int]:
    def add(
        name: str = "Nina Advisor",
        *,
        role: str = "advisor",
        available: bool = False,
        seen: datetime | None = None,
        max_conversations: int = 3,
        email: str | None = None,
    ) -> int:
        with uow_factory() as uow:
            user = StaffUser(
                email=email or f"{uuid.uuid4().hex[:10]}@staff.example",
                name=name,
                role=role,
                password_hash="not-a-hash",  # cannot log in (tests that do: create_staff_user)
                max_conversations=max_conversations,
                available=available,
                last_seen_at=seen,
            )
            uow.session.add(user)
            uow.session.flush()
            uow.commit()
            return user.id

    return add


@pytest.fixture
def add_conversation(uow_factory: UowFactory) -> Callable[..., int]:
    def add(
        channel: str = "web",
        external_id: str | None = None,
        *,
        customer: str | None = None,
        language: str | None = "fr",
    ) -> int:
        external_id = external_id or f"visitor-{uuid.uuid4().hex[:8]}"
        with uow_factory() as uow:
            session = uow.session
            if customer is not None:
                person = Customer(name=customer, language=language or "fr")
                session.add(person)
                session.flush()
                session.add(
                    ChannelIdentity(channel=channel, external_id=external_id, customer_id=person.id)
                )
            conversation = Conversation(channel=channel, external_id=external_id, language=language)
            session.add(conversation)
            session.flush()
            uow.commit()
            return conversation.id

    return add
