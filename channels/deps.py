"""What the hub's functions share: their dependencies, and database work off the event loop."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from sqlalchemy.exc import SQLAlchemyError

from channels.bus import Bus
from channels.rasa_client import BotBrain
from channels.tracker_events import TrackerEvents
from core.uow import UnitOfWork

if TYPE_CHECKING:
    from channels.outbound import ChannelSender

log = logging.getLogger(__name__)

DEFAULT_HANDOFF_WAIT = timedelta(seconds=600)
DEFAULT_DELIVERY_DELAYS = (0.5, 1.0, 2.0)  # seconds before each retry of a failed send


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class StoreUnavailable(Exception):
    """The message could not be stored, so it was not processed either."""


@dataclass(frozen=True)
class HubDeps:
    """What the hub needs: units of work, a bot brain, the domain's intents, the bus that
    reaches widgets and consoles live, a clock (aware UTC), how long a handoff request waits,
    the recorder of Rasa pause/resume events, the push channels' senders by channel name
    (channels/outbound.py) and the waits between their retries."""

    uow_factory: Callable[[], UnitOfWork]
    brain: BotBrain
    intents: frozenset[str] | None = None  # None: no domain found, payloads not checked
    bus: Bus = field(default_factory=Bus)
    clock: Callable[[], datetime] = utc_now
    handoff_wait: timedelta = DEFAULT_HANDOFF_WAIT
    tracker_events: TrackerEvents = field(default_factory=TrackerEvents)
    senders: Mapping[str, ChannelSender] = field(default_factory=dict)
    delivery_delays: tuple[float, ...] = DEFAULT_DELIVERY_DELAYS

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
