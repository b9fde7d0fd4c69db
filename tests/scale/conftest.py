"""The scaled stack for the cross-replica suite, started once per session and shared by
every test in tests/scale: 2 web replicas, 2 Rasa replicas behind nginx, the action server
and nginx in front of the web replicas, all on spare ports, on a fresh PostgreSQL database
(created and dropped here, its Rasa tracker database beside it) and Redis db 4 (or
PITLANE_TEST_REDIS_URL). Built with the same code as `make run-scaled` (scripts/stack.py).

The tests talk to a replica straight (its own port) to put two parties on different
replicas, and through nginx where the balancer matters.
"""

from __future__ import annotations

import os
import socket
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from scripts.stack import (
    Stack,
    StackConfig,
    nginx_binary,
    prepare_databases,
    scaled_config,
    scaled_environment,
)
from tests.conftest import _postgres_unavailable, _postgres_url
from tests.e2e.conftest import free_port, require_model
from tests.scale.live import API_TOKEN, REST_CLIENT, REST_TOKEN

REDIS_URL = "redis://127.0.0.1:6379/4"
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of tests/scale is marked `scale` (`-m "not scale"` leaves the suite out)."""
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.scale)


@dataclass
class Scaled:
    """The running scaled stack and where to reach it."""

    stack: Stack
    database_url: str

    @property
    def config(self) -> StackConfig:
        return self.stack.config

    @property
    def a(self) -> str:
        """Web replica A, straight (not through nginx)."""
        return f"http://127.0.0.1:{self.config.web_replicas[0]}"

    @property
    def b(self) -> str:
        return f"http://127.0.0.1:{self.config.web_replicas[1]}"

    @property
    def proxy(self) -> str:
        """nginx, in front of both replicas."""
        return self.config.web_url


def redis_url() -> str:
    return os.environ.get("PITLANE_TEST_REDIS_URL", REDIS_URL)


def skip_reason() -> str | None:
    """Why the scaled stack cannot run here, or None."""
    if nginx_binary() is None:
        return "nginx is not installed (make test installs it as root: scripts/ensure-nginx.sh)"
    reason = _postgres_unavailable()
    if reason:
        return reason
    redis = urlsplit(redis_url())
    try:
        with socket.create_connection((redis.hostname, redis.port or 6379), timeout=3) as sock:
            sock.sendall(b"PING\r\n")
            if not sock.recv(16).startswith(b"+PONG"):
                return f"Redis at {redis_url()} does not answer PING"
    except OSError as exc:
        return f"Redis unreachable at {redis_url()}: {exc}"
    return None


def _drop(base_url: str, *names: str) -> None:
    admin = create_engine(base_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def database_url_named(name: str) -> str:
    base = _postgres_url()
    assert base is not None
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scaled]:
    """The scaled stack, healthy; its databases dropped at the end."""
    reason = skip_reason()
    if reason:
        pytest.skip(f"skipped: {reason}")
    require_model()
    name = f"scaled_{uuid.uuid4().hex[:10]}"
    database_url = database_url_named(name)
    workdir = tmp_path_factory.mktemp("scaled")
    environment = scaled_environment(database_url, redis_url())
    environment.update(
        {
            "PITLANE_API_TOKEN": API_TOKEN,
            "PITLANE_ENV": "development",
            "PITLANE_REST_WEBHOOK_TOKENS": f"{REST_CLIENT}:{REST_TOKEN}",
            # pub/sub channels are not per Redis db: this stack's own prefix
            "PITLANE_REDIS_PREFIX": f"{name}:",
            # every test talks from 127.0.0.1 (through nginx too): never throttled here
            "PITLANE_LIMIT_MESSAGES_PER_SENDER": "100000",
            "PITLANE_LIMIT_MESSAGES_PER_IP": "1000000",
            "PITLANE_LIMIT_UPLOADS_PER_SENDER": "100000",
            "PITLANE_LIMIT_UPLOADS_PER_IP": "1000000",
            "PITLANE_LIMIT_SUBSCRIPTION_CHANGES_PER_SENDER": "100000",
            "PITLANE_LIMIT_SUBSCRIPTION_CHANGES_PER_IP": "1000000",
            "PITLANE_LIMIT_SESSIONS_PER_IP": "1000000",
            "PITLANE_OTP_LIMIT_SCALE": "100",
            "PITLANE_RASA_TIMEOUT": "60",  # 50 conversations at once on 2 shared cores
            "PITLANE_SCHEDULER_SYNC_SECONDS": "5",  # a reminder made due is seen soon
        }
    )
    config = scaled_config(
        environment,
        web_ports=(free_port(), free_port()),
        rasa_ports=(free_port(), free_port()),
        proxy_port=free_port(),
        rasa_port=free_port(),
        actions_port=free_port(),
        log_dir=workdir / "log",
    )
    tracker = environment["RASA_TRACKER_DB_NAME"]
    running = Stack(config)
    try:
        prepare_databases(config, announce=lambda line: print(line, file=sys.stderr))
        running.start(announce=lambda line: print(line, file=sys.stderr))
        yield Scaled(running, database_url)
    finally:
        running.stop()
        _drop(database_url_named("postgres"), name, tracker)
