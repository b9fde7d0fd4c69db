"""Dependencies shared by the API routes (Annotated aliases)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from fastapi import Depends, FastAPI, Request
from starlette.requests import HTTPConnection

from core.config import CoreSettings
from core.uow import UnitOfWork

T = TypeVar("T")


def get_settings(request: Request) -> CoreSettings:
    """The app's settings (webapp.settings.WebSettings, a CoreSettings)."""
    return request.app.state.settings


def get_uow_factory(request: Request) -> Callable[[], UnitOfWork]:
    return request.app.state.uow_factory


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Core:
    """Calls core service functions from async code: a fresh unit of work, a worker thread."""

    uow_factory: Callable[[], UnitOfWork]
    clock: Callable[[], datetime]

    async def run(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`function(uow, *args, **kwargs)` in a worker thread, so the event loop never waits."""
        call = functools.partial(function, self.uow_factory(), *args, **kwargs)
        return await anyio.to_thread.run_sync(call)

    async def read(self, function: Callable[..., T], *args: Any) -> T:
        """`function(uow_factory, *args)` in a worker thread (several reads, one function)."""
        return await anyio.to_thread.run_sync(functools.partial(function, self.uow_factory, *args))

    def now(self) -> datetime:
        return self.clock()


def core_of(app: FastAPI) -> Core:
    """The app's core access, on the hub's clock (tests set it) when there is a hub."""
    hub = getattr(app.state, "hub", None)
    return Core(app.state.uow_factory, hub.now if hub is not None else utc_now)


def get_core(connection: HTTPConnection) -> Core:
    return core_of(connection.app)


SettingsDep = Annotated[CoreSettings, Depends(get_settings)]
UowFactoryDep = Annotated[Callable[[], UnitOfWork], Depends(get_uow_factory)]
CoreDep = Annotated[Core, Depends(get_core)]
