"""Web replicas for tests (imported, not a conftest): several apps served by real uvicorn
servers on one event loop, in one thread, each on its own local port.

One event loop lets replicas share one in-process bus object (`share_bus`), which stands for
the bus between replicas (Redis in production): same interface, and what one replica
publishes reaches the other's subscribers.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from tests.integration.web_support import SHUTDOWN_GRACE_SECONDS, closed_port


def share_bus(source: FastAPI, *others: FastAPI) -> None:
    """`others` publish and subscribe on `source`'s bus (call before serving them)."""
    bus = source.state.bus
    for app in others:
        app.state.bus = bus
        app.state.hub = dataclasses.replace(app.state.hub, bus=bus)


@contextmanager
def served_replicas(*apps: FastAPI) -> Iterator[list[str]]:
    """Every app served by uvicorn on a free local port; yields their base URLs, in order."""
    servers = [
        uvicorn.Server(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=closed_port(),
                log_level="warning",
                timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
            )
        )
        for app in apps
    ]

    async def serve_all() -> None:
        await asyncio.gather(*(server.serve() for server in servers))

    thread = threading.Thread(target=asyncio.run, args=(serve_all(),), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not all(server.started for server in servers) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        assert all(server.started for server in servers), "uvicorn did not start"
        yield [f"http://127.0.0.1:{server.config.port}" for server in servers]
    finally:
        for server in servers:
            server.should_exit = True
        thread.join(timeout=10)
