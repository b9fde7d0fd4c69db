"""Unit of work: one session, one transaction; nothing is kept unless commit() is called."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from core.config import CoreSettings
from core.db import PoolSizes, make_engine, make_session_factory

DEFAULT_TIMEZONE = "Europe/Paris"
log = logging.getLogger(__name__)


class UnitOfWork:
    """`with uow: ...; uow.commit()`; rolls back otherwise.

    Re-entrant: a service function may enter a unit of work its caller already entered; the
    session is closed when the outermost block ends. An exception at any level rolls back.
    A caller composing several service functions into one transaction enters it with
    `one_transaction()`: their own commits then only flush, and one commit ends the block.
    """

    session: Session

    def __init__(
        self, session_factory: Callable[[], Session], timezone: str = DEFAULT_TIMEZONE
    ) -> None:
        self._session_factory = session_factory
        self.timezone = timezone
        self._depth = 0
        self._deferred = False

    def __enter__(self) -> UnitOfWork:
        if self._depth == 0:
            self.session = self._session_factory()
        self._depth += 1
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if exc_type is not None or self._depth == 0:
            self.rollback()
        if self._depth == 0:
            self.session.close()

    @contextmanager
    def one_transaction(self) -> Iterator[UnitOfWork]:
        """`with uow.one_transaction(): ...`: everything done in the block, the commits of the
        service functions called included, is kept by one commit at its end (one round trip
        and one disk flush instead of one per function), or nothing is on an exception."""
        if self._depth:
            raise RuntimeError("one_transaction() opens the unit of work; it is already open")
        with self:
            self._deferred = True
            try:
                yield self
            finally:
                self._deferred = False
            self.session.commit()

    def commit(self) -> None:
        if self._deferred:
            self.session.flush()
            return
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()


def uow_factory(
    session_factory: Callable[[], Session], timezone: str = DEFAULT_TIMEZONE
) -> Callable[[], UnitOfWork]:
    """A callable making fresh units of work on `session_factory`."""
    return lambda: UnitOfWork(session_factory, timezone=timezone)


_session_factories: dict[tuple[str, PoolSizes], sessionmaker[Session]] = {}
_lock = threading.Lock()


def _session_factory_for(url: str, pool: PoolSizes) -> sessionmaker[Session]:
    with _lock:
        key = (url, pool)
        if key not in _session_factories:
            _session_factories[key] = make_session_factory(make_engine(url, pool))
        return _session_factories[key]


def uow_from_settings(settings: CoreSettings) -> Callable[[], UnitOfWork]:
    """Units of work on the configured database; the engine is created on first use and cached."""
    url, timezone, pool = settings.database_url, settings.timezone, settings.pool
    return lambda: UnitOfWork(_session_factory_for(url, pool), timezone=timezone)


def engines() -> list[Engine]:
    """The engines this process created so far (the metrics read their pools)."""
    with _lock:
        binds = (factory.kw.get("bind") for factory in _session_factories.values())
        return [engine for engine in binds if engine is not None]


def dispose_engines() -> None:
    """Close the cached engines (process shutdown, tests)."""
    with _lock:
        for factory in _session_factories.values():
            engine = factory.kw.get("bind")
            if engine is not None:
                engine.dispose()
        _session_factories.clear()


def database_answers(uow: Callable[[], UnitOfWork]) -> bool:
    """Whether the database answers `SELECT 1` (the processes' readiness; blocking)."""
    try:
        with uow() as unit:
            unit.session.execute(text("SELECT 1"))
        return True
    except Exception as exc:  # whatever the cause, the answer is "not ready"
        log.warning("database does not answer: %s", type(exc).__name__)
        return False
