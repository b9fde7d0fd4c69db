"""Engines and sessions. Nothing is created at import time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class PoolSizes:
    """SQLAlchemy's QueuePool of one engine (PITLANE_DB_POOL_*): kept connections, extra ones
    under load, seconds to wait for a free one. SQLite's engines ignore it."""

    size: int = 5
    max_overflow: int = 5
    timeout: float = 30.0

    @property
    def most(self) -> int:
        """The most connections the engine opens at once."""
        return self.size + self.max_overflow


def make_engine(url: str, pool: PoolSizes | None = None, **engine_kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys, a busy timeout and BEGIN IMMEDIATE.
    `pool` sizes a server database's pool (ignored with an explicit `poolclass`)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine_kwargs.setdefault("pool_pre_ping", True)
        if pool is not None and "poolclass" not in engine_kwargs:
            engine_kwargs.setdefault("pool_size", pool.size)
            engine_kwargs.setdefault("max_overflow", pool.max_overflow)
            engine_kwargs.setdefault("pool_timeout", pool.timeout)
        return _create_engine(url, **engine_kwargs)

    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    connect_args = engine_kwargs.pop("connect_args", {})
    connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
    connect_args.setdefault("check_same_thread", False)
    engine = _create_engine(url, connect_args=connect_args, **engine_kwargs)
    _configure_sqlite(engine)
    return engine


def _create_engine(url: str, **engine_kwargs: Any) -> Engine:
    # Looked up at each call, not bound at import: an instrumentation installed at a
    # process's start (traces, ops/tracing.py) wraps sqlalchemy.create_engine.
    return sqlalchemy.create_engine(url, **engine_kwargs)


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling is disabled (isolation_level=None) and every
    # transaction starts with BEGIN IMMEDIATE: a writer takes the lock up front, so concurrent
    # writers queue on busy_timeout instead of failing with "database is locked" on upgrade.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to `engine`; objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)
