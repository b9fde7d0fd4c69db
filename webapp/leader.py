"""One leader among the web replicas, for the work that should run once: the scheduler
(reminders, scheduled notifications, tracker erasures, rate-window pruning) and the handoff
expiry sweeper.

PostgreSQL: the leader holds a session-level advisory lock (`pg_try_advisory_lock`) on a
connection of its own, kept open while it leads. Followers try again every few seconds.
When the leader dies, PostgreSQL ends its session and frees the lock, and a follower takes
over at its next try. A leader whose connection breaks steps down at its next check (the
lock may already be someone else's). The lock key is derived from the database and the
schema, so apps on different schemas of one server each have their own leader.
SQLite (`make run`: one process) has no other replica: the process leads at once.

Leadership only saves wasted work. The guarantees stay in the database: every reminder,
scheduled notification and expired request is claimed by a conditional update, so the short
overlap of a deposed leader and its successor sends nothing twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress

import anyio.to_thread
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from core.db import make_engine

log = logging.getLogger(__name__)

DEFAULT_RETRY_SECONDS = 5.0


def lock_key(database: str, schema: str) -> int:
    """The advisory lock key (a signed 64-bit integer) of Pitlane's leader on a schema."""
    digest = hashlib.blake2b(f"pitlane-leader:{database}:{schema}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


class Leadership:
    """This process's claim to lead; blocking methods (call them off the event loop)."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.embedded = make_url(database_url).get_backend_name() == "sqlite"
        self._engine: Engine | None = None
        self._connection: Connection | None = None
        self.leading = False

    def try_lead(self) -> bool:
        """Lead if no one else does; True while this process leads."""
        if self.leading:
            return self.still_leading()
        if self.embedded:
            self.leading = True
            return True
        try:
            connection = self._connect()
        except DBAPIError:
            log.warning("leader election: the database did not answer", exc_info=True)
            return False
        try:
            database, schema = connection.execute(
                text("SELECT current_database(), current_schema()")
            ).one()
            taken = connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": lock_key(database, schema)}
            )
        except DBAPIError:
            log.warning("leader election: the database did not answer", exc_info=True)
            taken = False
        if taken:
            self._connection, self.leading = connection, True
        else:
            connection.close()  # followers hold no connection between their tries
        return bool(taken)

    def still_leading(self) -> bool:
        """Whether the lock's connection is still alive (its session keeps the lock)."""
        if not self.leading or self.embedded:
            return self.leading
        assert self._connection is not None
        try:
            self._connection.execute(text("SELECT 1"))
            return True
        except DBAPIError:
            log.warning("leader's connection lost: stepping down")
            self._drop_connection()
            return False

    def resign(self) -> None:
        """Stop leading: the lock goes with the connection (closing it frees the lock)."""
        self._drop_connection()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def backend_pid(self) -> int | None:
        """The PostgreSQL backend holding the lock (tests end it to simulate a crash)."""
        if self._connection is None:
            return None
        return int(self._connection.scalar(text("SELECT pg_backend_pid()")))

    def _connect(self) -> Connection:
        if self._engine is None:
            self._engine = make_engine(
                self.database_url, poolclass=NullPool, isolation_level="AUTOCOMMIT"
            )
        return self._engine.connect()

    def _drop_connection(self) -> None:
        self.leading = False
        connection, self._connection = self._connection, None
        if connection is not None:
            with suppress(DBAPIError):
                connection.close()


async def lead(
    leadership: Leadership,
    work: Callable[[], AbstractAsyncContextManager[object]],
    retry_seconds: float = DEFAULT_RETRY_SECONDS,
    first_try: asyncio.Event | None = None,
) -> None:
    """Until cancelled: try to lead every `retry_seconds`; while leading, run inside
    `work()` (entered when elected, left when deposed or cancelled). `first_try` is set once
    the first attempt is over (and `work()` entered if it won)."""
    try:
        while True:
            if await anyio.to_thread.run_sync(leadership.try_lead):
                log.info("this replica leads: scheduler and handoff sweeper run here")
                async with work():
                    if first_try is not None:
                        first_try.set()
                    while await anyio.to_thread.run_sync(leadership.still_leading):
                        await asyncio.sleep(retry_seconds)
                log.warning("this replica no longer leads: its scheduler and sweeper stopped")
            elif first_try is not None and not first_try.is_set():
                log.info("another replica leads: this one retries every %s s", retry_seconds)
            if first_try is not None:
                first_try.set()
            await asyncio.sleep(retry_seconds)
    finally:
        await anyio.to_thread.run_sync(leadership.resign)


@asynccontextmanager
async def leading(
    database_url: str,
    work: Callable[[], AbstractAsyncContextManager[object]],
    retry_seconds: float = DEFAULT_RETRY_SECONDS,
) -> AsyncIterator[Leadership]:
    """For an app's lifespan: the election runs in the background while inside; the first
    try is over (and the work started if it won: always on SQLite) before the block runs."""
    leadership = Leadership(database_url)
    first_try = asyncio.Event()
    task = asyncio.create_task(lead(leadership, work, retry_seconds, first_try))
    waiter = asyncio.create_task(first_try.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    try:
        if task.done():
            task.result()  # the election failed before its first try ended: raise it
        yield leadership
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
