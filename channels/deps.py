"""What the hub's functions share: their dependencies, and database work off the event loop."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import anyio.to_thread
from sqlalchemy.exc import SQLAlchemyError

from channels.bus import Bus
from channels.rasa_client import BotBrain
from channels.tracker_events import TrackerEvents
from core.uow import UnitOfWork

log = logging.getLogger(__name__)

DEFAULT_HANDOFF_WAIT = timedelta(seconds=600)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class StoreUnavailable(Exception):
    """The message could not be stored, so it was not processed either."""


@dataclass(frozen=True)
class HubDeps:
    """What the hub needs: units of work, a bot brain, the domain's intents, the bus that
    reaches widgets and consoles live, a clock (aware UTC), how long a handoff request waits,
    and the recorder of Rasa pause/resume events."""

    uow_factory: Callable[[], UnitOfWork]
    brain: BotBrain
    intents: frozenset[str] | None = None  # None: no domain found, payloads not checked
    bus: Bus = field(default_factory=Bus)
    clock: Callable[[], datetime] = utc_now
    handoff_wait: timedelta = DEFAULT_HANDOFF_WAIT
    tracker_events: TrackerEvents = field(default_factory=TrackerEvents)

    def now(self) -> datetime:
        return self.clock().astimezone(timezone.utc)


async def in_thread(function: Callable[..., Any], *args: Any) -> Any:
    """Run synchronous database work in a worker thread; a database failure becomes
    StoreUnavailable (domain errors pass through)."""
    try:
        return await anyio.to_thread.run_sync(function, *args)
    except SQLAlchemyError as exc:
        log.exception("conversation store failed")
        raise StoreUnavailable(str(exc)) from exc
