"""Unit of work and engine settings."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import TimeoutError as PoolTimeout

from core.config import CoreSettings
from core.db import PoolSizes, make_engine
from core.models import Setting
from core.uow import dispose_engines, uow_from_settings


def settings_count(uow_factory) -> int:
    with uow_factory() as uow:
        return uow.session.scalar(select(func.count()).select_from(Setting))


def test_nothing_is_kept_unless_commit_is_called(uow_factory) -> None:
    with uow_factory() as uow:
        uow.session.add(Setting(key="a", value="1"))
        uow.session.flush()

    assert settings_count(uow_factory) == 0


def test_committed_work_is_kept(uow_factory) -> None:
    with uow_factory() as uow:
        uow.session.add(Setting(key="a", value="1"))
        uow.commit()

    assert settings_count(uow_factory) == 1


def test_an_error_rolls_back_even_in_a_nested_block(uow_factory) -> None:
    uow = uow_factory()
    with uow:
        with pytest.raises(RuntimeError), uow:
            uow.session.add(Setting(key="a", value="1"))
            uow.session.flush()
            raise RuntimeError("boom")
        uow.commit()

    assert settings_count(uow_factory) == 0


def test_sqlite_engines_use_wal_foreign_keys_and_a_busy_timeout(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new' / 'folder' / 'x.db'}")
    try:
        with engine.connect() as connection:
            assert connection.scalar(text("PRAGMA journal_mode")) == "wal"
            assert connection.scalar(text("PRAGMA foreign_keys")) == 1
            assert connection.scalar(text("PRAGMA busy_timeout")) == 30_000
        assert (tmp_path / "new" / "folder" / "x.db").exists()
    finally:
        engine.dispose()


def test_units_of_work_from_settings_share_one_engine_per_url(migrated_url) -> None:
    settings = CoreSettings(database_url=migrated_url, timezone="America/New_York")
    make_uow = uow_from_settings(settings)
    try:
        first, second = make_uow(), make_uow()
        assert first.timezone == "America/New_York"
        with first, second:
            assert first.session.get_bind() is second.session.get_bind()
    finally:
        dispose_engines()


def test_settings_refuse_an_unknown_time_zone() -> None:
    with pytest.raises(ValueError):
        CoreSettings(timezone="Europe/Atlantis")


def test_the_pool_sizes_of_the_settings_reach_a_postgresql_engine(db_url: str) -> None:
    settings = CoreSettings(
        database_url=db_url, db_pool_size=3, db_max_overflow=2, db_pool_timeout=4.5
    )
    uow_factory = uow_from_settings(settings)
    try:
        with uow_factory() as uow:
            pool = uow.session.get_bind().pool
            if db_url.startswith("sqlite"):  # SQLite keeps its own pool: the sizes are ignored
                assert uow.session.scalar(text("SELECT 1")) == 1
                return
            assert (pool.size(), pool._max_overflow, pool._timeout) == (3, 2, 4.5)
    finally:
        dispose_engines()


def test_an_engine_never_opens_more_than_its_pool_allows(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite has no server connections to count")
    engine = make_engine(db_url, PoolSizes(size=1, max_overflow=1, timeout=0.2))
    try:
        first, second = engine.connect(), engine.connect()
        with pytest.raises(PoolTimeout):
            engine.connect()
        first.close()
        second.close()
    finally:
        engine.dispose()
