"""In-process publish/subscribe between the hub, the widget sockets and the advisor console:
the embedded implementation of the hub's `Bus` port (hub/ports.py).

Topics: hub/topics.py (docs/handoff.md). Events are JSON objects: each subscriber gets
its own copy, as it would through Redis between replicas.

Every subscriber has a bounded queue. Publishing never waits: when a subscriber is too slow
and its queue is full, its oldest event is dropped (and counted) to make room, so one stuck
browser tab cannot hold up the hub or the other subscribers. Call from the event loop only.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from hub.ports import SubscriptionLost

log = logging.getLogger(__name__)

DEFAULT_QUEUE_SIZE = 100


class Subscription:
    """The events of one topic for one subscriber, oldest first (an async iterator).

    Once `interrupt()`ed (a bus that may have lost events for it), the events queued before
    are still given, then `get` and the iteration raise SubscriptionLost (hub/ports.py)."""

    def __init__(self, topic: str, maxsize: int) -> None:
        self.topic = topic
        self.dropped = 0  # events lost because this subscriber was too slow
        self.lost = False  # interrupted: what follows the queued events may be missing
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize)

    def offer(self, event: dict[str, Any]) -> None:
        """Queue `event`, dropping the oldest one when full (for the bus implementations)."""
        if self.lost:
            return
        while True:
            try:
                self._queue.put_nowait(event)
                return
            except asyncio.QueueFull:
                self._queue.get_nowait()
                self.dropped += 1
                if self.dropped == 1 or self.dropped % 100 == 0:
                    log.warning(
                        "slow subscriber on %s: %d events dropped", self.topic, self.dropped
                    )

    def interrupt(self) -> None:
        """Events may have been lost: end this subscription after what is queued."""
        if not self.lost:
            self.offer(_LOST)
            self.lost = True

    async def get(self) -> dict[str, Any]:
        """The next event, waiting for one."""
        event = await self._queue.get()
        if event is _LOST:
            self._queue.put_nowait(_LOST)  # every later call says so too
            raise SubscriptionLost(self.topic)
        return event

    def pending(self) -> int:
        return self._queue.qsize()

    def take_waiting(self) -> list[dict[str, Any]]:
        """The events already queued, without waiting for more."""
        waiting = [self._queue.get_nowait() for _ in range(self._queue.qsize())]
        if self.lost:
            self._queue.put_nowait(_LOST)
            raise SubscriptionLost(self.topic)
        return waiting

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> dict[str, Any]:
        return await self.get()


_LOST: dict[str, Any] = {"type": "_lost"}  # the queue's end mark, told apart by identity


class LocalSubscribers(dict[str, set[Subscription]]):
    """This process's subscriptions by topic (both buses keep theirs here)."""

    def add(self, topic: str, queue_size: int) -> Subscription:
        subscription = Subscription(topic, queue_size)
        self.setdefault(topic, set()).add(subscription)
        return subscription

    def remove(self, subscription: Subscription) -> None:
        remaining = self.get(subscription.topic)
        if remaining is not None:
            remaining.discard(subscription)
            if not remaining:
                del self[subscription.topic]

    def of(self, topic: str) -> list[Subscription]:
        return list(self.get(topic, ()))


class Bus:
    """`await bus.publish(topic, event)`; `async with bus.subscribe(topic) as events: ...`."""

    def __init__(self, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        self.queue_size = queue_size
        self._subscribers = LocalSubscribers()

    async def publish(self, topic: str, event: dict[str, Any]) -> int:
        """Deliver `event` to the topic's current subscribers; returns how many there were."""
        encoded = json.dumps(event)  # refuses what could not cross a process boundary
        subscribers = self._subscribers.of(topic)
        for subscription in subscribers:
            subscription.offer(json.loads(encoded))
        return len(subscribers)

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[Subscription]:
        """Receive the events published on `topic` from now on, until the block ends."""
        subscription = self._subscribers.add(topic, self.queue_size)
        try:
            yield subscription
        finally:
            self._subscribers.remove(subscription)

    def subscriber_count(self, topic: str) -> int:
        return len(self._subscribers.get(topic, ()))
