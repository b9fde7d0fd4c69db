"""Dependencies shared by the API routes (Annotated aliases)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Request
from starlette.requests import HTTPConnection

from core.config import CoreSettings
from core.models import utcnow
from core.uow import UnitOfWork
from hub.work import off_loop

T = TypeVar("T")


def get_settings(request: Request) -> CoreSettings:
    """The app's settings (webapp.settings.WebSettings, a CoreSettings)."""
    return request.app.state.settings


def get_uow_factory(request: Request) -> Callable[[], UnitOfWork]:
    return request.app.state.uow_factory


@dataclass(frozen=True)
class Core:
    """Calls core service functions from async code: a fresh unit of work, a worker thread."""

    uow_factory: Callable[[], UnitOfWork]
    clock: Callable[[], datetime]

    async def run(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`function(uow, *args, **kwargs)` with a fresh unit of work, off the event loop."""
        return await off_loop(function, self.uow_factory(), *args, **kwargs)

    async def read(self, function: Callable[..., T], *args: Any) -> T:
        """`function(uow_factory, *args)` off the event loop (several reads, one function)."""
        return await off_loop(function, self.uow_factory, *args)

    def now(self) -> datetime:
        return self.clock()


def core_of(app: FastAPI) -> Core:
    """The app's core access, on the hub's clock (tests set it) when there is a hub."""
    hub = getattr(app.state, "hub", None)
    return Core(app.state.uow_factory, hub.now if hub is not None else utcnow)


def get_core(connection: HTTPConnection) -> Core:
    return core_of(connection.app)


SettingsDep = Annotated[CoreSettings, Depends(get_settings)]
UowFactoryDep = Annotated[Callable[[], UnitOfWork], Depends(get_uow_factory)]
CoreDep = Annotated[Core, Depends(get_core)]
