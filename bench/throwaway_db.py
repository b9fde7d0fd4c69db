"""Throwaway databases for a benchmark: a temporary SQLite file, and a PostgreSQL database
created and dropped around a block."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text


@contextmanager
def throwaway_postgres(server_url: str, name: str) -> Iterator[str | None]:
    """Create database `name` on the server of `server_url` and yield its URL, then drop it;
    yields None (and says why) when that server cannot create it."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - no PostgreSQL here: say so, measure the rest
        print(f"PostgreSQL: skipped ({type(exc).__name__}: {exc})".splitlines()[0])
        admin.dispose()
        yield None
        return
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def both_databases(server_url: str) -> Iterator[tuple[str, str, str]]:
    """("SQLite", its URL, a work folder), then ("PostgreSQL", ...) when the server of
    `server_url` can make a throwaway database: each one lives until the next is asked for.
    Iterate it to the end, so the PostgreSQL database is dropped."""
    with tempfile.TemporaryDirectory(prefix="pitlane-bench-") as workdir:
        yield "SQLite", f"sqlite:///{workdir}/bench.db", workdir
        with throwaway_postgres(server_url, f"pitlane_bench_{uuid.uuid4().hex[:8]}") as url:
            if url is not None:
                yield "PostgreSQL", url, workdir
