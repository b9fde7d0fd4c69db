"""What the web replicas share besides the database: the bus of live events and the
conversation locks. Through Redis when PITLANE_REDIS_URL is set, else in this process (the
default of `make run`: one replica, no Redis needed). Nothing connects here: the bus starts
in the lifespan, the locks connect on first use (docs/scaling.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from channels.bus import Bus
from channels.redis_bus import RedisBus, redis_client
from channels.redis_locks import RedisConversationLocks
from hub.locks import LocalConversationLocks
from hub.ports import Bus as BusPort
from hub.ports import ConversationLocks
from webapp.settings import WebSettings


@dataclass(frozen=True)
class SharedState:
    bus: BusPort
    locks: ConversationLocks
    redis_bus: RedisBus | None  # None: in process

    async def ready(self) -> bool:
        """Whether what is shared can be reached (always, in process)."""
        return self.redis_bus is None or await self.redis_bus.ready()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """For the lifespan: the Redis bus's reader runs inside the block."""
        if self.redis_bus is None:
            yield
            return
        await self.redis_bus.start()
        try:
            yield
        finally:
            await self.redis_bus.close()


def shared_state(settings: WebSettings) -> SharedState:
    if not settings.redis_url:
        return SharedState(Bus(), LocalConversationLocks(), None)
    client = redis_client(settings.redis_url)  # one pool; the bus closes it at the end
    bus = RedisBus(client, prefix=f"{settings.redis_prefix}bus:")
    # A hold lasts a Rasa turn or a tracker event (two attempts), with room to spare.
    expiry = 3 * settings.rasa_timeout + 30
    locks = RedisConversationLocks(client, expiry=expiry, prefix=f"{settings.redis_prefix}lock:")
    return SharedState(bus, locks, bus)
