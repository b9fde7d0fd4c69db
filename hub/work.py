"""The one way to run core work off the event loop, and the store's failure."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import anyio.to_thread
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

T = TypeVar("T")


class StoreUnavailable(Exception):
    """The database did not answer, so the work was not done."""


async def off_loop(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`function(*args, **kwargs)` (synchronous core or database work) in a worker thread,
    so a slow disk never blocks the event loop; a database failure becomes StoreUnavailable
    (domain errors pass through)."""
    try:
        return await anyio.to_thread.run_sync(functools.partial(function, *args, **kwargs))
    except SQLAlchemyError as exc:
        log.exception("the store failed")
        raise StoreUnavailable(str(exc)) from exc
