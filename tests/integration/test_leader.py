"""The leader among web replicas (webapp/leader.py): on PostgreSQL, two real Leadership
objects on two engines (as two replicas would hold), one lock between them; a crashed
leader (its backend terminated) hands over; on SQLite the one process leads at once; and
two real apps on one PostgreSQL database run one scheduler between them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.pool import NullPool

from core.db import make_engine
from tests.integration.web_support import closed_port, web_settings
from webapp.leader import Leadership, leading, lock_key
from webapp.main import create_app

RETRY = 0.1


@pytest.fixture
def postgres_url(migrated_url: str) -> str:
    if migrated_url.startswith("sqlite"):
        pytest.skip("the advisory lock is PostgreSQL's; SQLite is covered by its own tests")
    return migrated_url


@pytest.fixture
def replicas(postgres_url: str) -> Iterator[Callable[[], Leadership]]:
    """Makes Leadership objects on the database, resigned afterwards."""
    made: list[Leadership] = []

    def make() -> Leadership:
        made.append(Leadership(postgres_url))
        return made[-1]

    yield make
    for leadership in made:
        leadership.resign()


def crash(url: str, leadership: Leadership) -> None:
    """End the leader's database session from outside, as a dead process's would end."""
    pid = leadership.backend_pid()
    engine = make_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        engine.dispose()


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not within the timeout"
        time.sleep(0.05)


def test_of_two_replicas_only_one_leads(replicas) -> None:
    first, second = replicas(), replicas()

    assert first.try_lead() is True
    assert second.try_lead() is False
    assert second.try_lead() is False  # still not, however often it tries
    assert first.try_lead() is True and first.still_leading()


def test_a_crashed_leader_hands_over_to_the_next_try(postgres_url, replicas) -> None:
    first, second = replicas(), replicas()
    assert first.try_lead() and not second.try_lead()

    crash(postgres_url, first)

    assert first.still_leading() is False  # it notices at its next check and steps down
    assert second.try_lead() is True
    assert first.try_lead() is False


def test_a_resigning_leader_frees_the_lock_at_once(replicas) -> None:
    first, second = replicas(), replicas()
    assert first.try_lead()

    first.resign()

    assert second.try_lead() is True


def test_each_schema_of_a_server_has_its_own_leader_lock() -> None:
    assert lock_key("pitlane", "public") == lock_key("pitlane", "public")
    assert lock_key("pitlane", "public") != lock_key("pitlane", "test_a")
    assert lock_key("pitlane", "public") != lock_key("other", "public")


def test_on_sqlite_the_process_leads_at_once(tmp_path) -> None:
    leadership = Leadership(f"sqlite:///{tmp_path / 'pitlane.db'}")

    assert leadership.try_lead() is True and leadership.still_leading() is True


class Work:
    """Counts who is inside the leader's work."""

    def __init__(self) -> None:
        self.inside = 0
        self.entered = 0

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[None]:
        self.inside += 1
        self.entered += 1
        try:
            yield
        finally:
            self.inside -= 1


async def wait_for(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not within the timeout"
        await asyncio.sleep(0.05)


async def test_the_leaders_work_runs_on_one_replica_and_moves_when_it_dies(postgres_url) -> None:
    works = [Work(), Work()]
    async with (
        leading(postgres_url, works[0], RETRY) as first,
        leading(postgres_url, works[1], RETRY) as second,
    ):
        assert (works[0].inside, works[1].inside) == (1, 0)  # the first try won, before use
        await asyncio.sleep(5 * RETRY)
        assert (works[0].inside, works[1].inside) == (1, 0)
        assert first.leading and not second.leading

        await asyncio.to_thread(crash, postgres_url, first)

        await wait_for(lambda: works[1].inside == 1)
        await wait_for(lambda: works[0].inside == 0)  # the old leader stopped its work
        assert works[0].entered == 1
    assert (works[0].inside, works[1].inside) == (0, 0)


async def test_on_sqlite_the_work_starts_before_the_app_serves(tmp_path) -> None:
    work = Work()
    async with leading(f"sqlite:///{tmp_path / 'pitlane.db'}", work, RETRY):
        assert work.inside == 1
    assert work.inside == 0


def test_two_apps_on_one_postgresql_database_run_one_scheduler(postgres_url) -> None:
    rasa = f"http://127.0.0.1:{closed_port()}"
    settings = web_settings(postgres_url, rasa, scheduler=True, leader_retry_seconds=RETRY)
    first, second = TestClient(create_app(settings)), TestClient(create_app(settings))
    first.__enter__()
    try:
        with second:
            assert first.app.state.scheduler is not None and first.app.state.scheduler.running
            assert second.app.state.scheduler is None

            first.__exit__(None, None, None)  # the leader's process ends
            first = None
            eventually(lambda: second.app.state.scheduler is not None)
            assert second.app.state.scheduler.running
    finally:
        if first is not None:
            first.__exit__(None, None, None)
