"""Alembic environment: the URL comes from the caller or from CoreSettings, never from a file."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy.pool import NullPool

from core.config import CoreSettings
from core.db import make_engine
from core.models import Base

config = context.config

# Logging is configured only for the command line; inside tests or a running app the host
# process owns logging (fileConfig would silence its loggers).
if config.config_file_name and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


# Tables other libraries own in the same database: APScheduler's job store
# (webapp/scheduler.py) creates and migrates its own table.
FOREIGN_TABLES = frozenset({"apscheduler_jobs"})


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Leave the tables of other libraries out of autogenerate's comparison."""
    return not (type_ == "table" and name in FOREIGN_TABLES)


def database_url() -> str:
    return config.attributes.get("database_url") or CoreSettings().database_url


def run_migrations_offline() -> None:
    url = database_url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=url.startswith("sqlite"),
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(database_url(), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
                include_object=include_object,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
