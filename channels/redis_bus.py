"""The hub's `Bus` port (hub/ports.py) across web replicas, through Redis pub/sub: used when
PITLANE_REDIS_URL is set (webapp/main.py); the in-process bus (channels/bus.py) stays the
default of `make run`.

Each replica keeps one connection that publishes and one pub/sub connection that receives
every topic some local subscriber listens to; a reader task hands each event to the local
subscriptions, in the order Redis delivered them (per topic, the publishing order), each its
own copy, through the same bounded queues as the in-process bus (a slow subscriber loses its
oldest events and never holds up the others). `subscribe` returns once Redis has confirmed
the channel: an event published after that reaches the subscriber, whichever replica
publishes it.

Redis is not needed for the hub to work: while it is down, `publish` logs and returns 0
(what was published is stored in the database already) and `subscribe` still returns; the
reader reconnects and subscribes again every channel its subscribers want. Pub/sub keeps
nothing: once the link is back (or after a failed publish, for that topic), the
subscriptions are interrupted (SubscriptionLost), their sockets and streams end, and the
clients reconnect and read back from the database what they missed (docs/scaling.md,
"Live events across replicas").
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from redis import asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError

from channels.bus import DEFAULT_QUEUE_SIZE, LocalSubscribers, Subscription

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "pitlane:bus:"
CONFIRM_TIMEOUT = 5.0  # seconds to wait for Redis to confirm a subscription
READ_TIMEOUT = 1.0  # the reader's longest wait for one message
RETRY_AFTER = 1.0  # seconds between two reconnection attempts of the reader
PUBLISH_PAUSE = 2.0  # after a failed publish, seconds during which publishing is skipped
_REDIS_DOWN = (RedisError, OSError, asyncio.TimeoutError)


def redis_client(url: str, name: str = "pitlane-web") -> aioredis.Redis:
    """A Redis client that fails fast when Redis is away (its callers log and go on)."""
    return aioredis.from_url(
        url,
        decode_responses=False,  # a junk message must not break the connection's reader
        client_name=name,
        socket_connect_timeout=2,
        socket_timeout=5,
        socket_keepalive=True,
        health_check_interval=15,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 2),
    )


class RedisBus:
    """`await bus.publish(topic, event)`; `async with bus.subscribe(topic) as events: ...`,
    shared by every replica connected to the same Redis with the same prefix.

    `start()` before use and `close()` at the end (the web app's lifespan)."""

    def __init__(
        self,
        client: aioredis.Redis,
        prefix: str = DEFAULT_PREFIX,
        queue_size: int = DEFAULT_QUEUE_SIZE,
    ) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        self.queue_size = queue_size
        self._client = client
        self._prefix = prefix
        self._control = f"{prefix}-replica"  # keeps the pub/sub connection subscribed
        self._pubsub = client.pubsub()
        self._subscribers = LocalSubscribers()
        self._listening: set[str] = set()  # topics whose SUBSCRIBE was sent on this link
        self._confirming: dict[str, asyncio.Future[None]] = {}
        self._changing = asyncio.Lock()  # one (un)subscription command at a time
        self._reader: asyncio.Task[None] | None = None
        self._publish_again_at = 0.0
        # Confirmations of the control channel the reader asked for; another one means
        # redis-py reconnected the link by itself and subscribed again (events were lost).
        self._control_expected = 0

    @classmethod
    def from_url(
        cls, url: str, prefix: str = DEFAULT_PREFIX, name: str = "pitlane-web"
    ) -> RedisBus:
        return cls(redis_client(url, name), prefix)

    async def start(self) -> None:
        """Start the reader; it connects (and reconnects) by itself: Redis may be down."""
        if self._reader is None:
            self._reader = asyncio.create_task(self._read(), name="redis-bus-reader")

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        with suppress(*_REDIS_DOWN):
            await self._pubsub.aclose()
        await self._client.aclose()

    async def ready(self) -> bool:
        """Whether Redis answers (readiness)."""
        try:
            return bool(await self._client.ping())
        except _REDIS_DOWN:
            return False

    async def publish(self, topic: str, event: dict[str, Any]) -> int:
        """Send `event` to the topic's subscribers on every replica; returns how many
        replicas listen to it (0 when Redis is down: logged, never raised)."""
        encoded = json.dumps(event)  # refuses what could not cross a process boundary
        if time.monotonic() < self._publish_again_at:
            self._interrupt(topic)
            return 0
        try:
            return await self._client.publish(self._prefix + topic, encoded)
        except _REDIS_DOWN as exc:
            self._interrupt(topic)  # this replica's own subscribers read the state again
            self._publish_again_at = time.monotonic() + PUBLISH_PAUSE
            log.warning(
                "Redis bus: publishing on %s failed (%r); events skipped for %.0f s",
                topic,
                exc,
                PUBLISH_PAUSE,
            )
            return 0

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[Subscription]:
        """Receive the events published on `topic` from now on, until the block ends."""
        if self._reader is None:
            raise RuntimeError("RedisBus.start() was not awaited")
        subscription = self._subscribers.add(topic, self.queue_size)
        try:
            await self._listen(topic)  # returns once Redis confirmed (or is known down)
            yield subscription
        finally:
            self._subscribers.remove(subscription)
            await self._unlisten_if_unused(topic)

    def subscriber_count(self, topic: str) -> int:
        """The subscribers of `topic` on this replica (not across replicas: `publish`'s
        answer counts the replicas that listen)."""
        return len(self._subscribers.get(topic, ()))

    async def _listen(self, topic: str) -> None:
        """Subscribe this replica to `topic` unless it is already, then wait for Redis to
        confirm (the reader hands over the confirmation)."""
        channel = self._prefix + topic
        async with self._changing:
            confirmed = self._confirming.get(channel)
            if confirmed is None and topic not in self._listening:
                confirmed = asyncio.get_running_loop().create_future()
                self._confirming[channel] = confirmed
                try:
                    await self._pubsub.subscribe(channel)
                    self._listening.add(topic)
                except _REDIS_DOWN as exc:  # the reader subscribes it once Redis is back
                    log.warning("Redis bus: subscribing to %s failed (%r)", topic, exc)
                    del self._confirming[channel]
                    return
        if confirmed is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(confirmed), CONFIRM_TIMEOUT)
        except asyncio.TimeoutError:
            log.warning("Redis bus: no confirmation of %s within %.0f s", topic, CONFIRM_TIMEOUT)
        finally:
            if self._confirming.get(channel) is confirmed:
                del self._confirming[channel]

    async def _unlisten_if_unused(self, topic: str) -> None:
        async with self._changing:
            if topic in self._subscribers or topic not in self._listening:
                return
            self._listening.discard(topic)
            with suppress(*_REDIS_DOWN):  # the connection is gone: Redis dropped it already
                await self._pubsub.unsubscribe(self._prefix + topic)

    def _interrupt(self, topic: str | None = None) -> None:
        """Tell the subscribers of `topic` (of every topic when None) that events may have
        been lost: they read the state again from the database (hub/ports.py)."""
        topics = [topic] if topic is not None else list(self._subscribers)
        for name in topics:
            for subscription in self._subscribers.of(name):
                subscription.interrupt()

    async def _read(self) -> None:
        """Deliver what Redis sends; after an error, reconnect, subscribe again, and tell
        every subscriber of the gap (the events published meanwhile never came)."""
        broken = False
        while True:
            try:
                await self._subscribe_wanted()
                if broken:
                    self._interrupt()
                    broken = False
                while True:
                    message = await self._pubsub.get_message(timeout=READ_TIMEOUT)
                    if message is not None:
                        self._dispatch(message)
            except asyncio.CancelledError:
                raise
            except _REDIS_DOWN as exc:
                log.warning("Redis bus: %r; reconnecting in %.0f s", exc, RETRY_AFTER)
            except Exception:  # a bug must not stop this replica's live events for good
                log.exception("Redis bus reader failed; starting again")
            broken = True
            await asyncio.sleep(RETRY_AFTER)

    async def _subscribe_wanted(self) -> None:
        """The control channel and every topic a local subscriber listens to."""
        async with self._changing:
            wanted = set(self._subscribers)
            self._control_expected += 1
            await self._pubsub.subscribe(self._control, *(self._prefix + t for t in wanted))
            self._listening = wanted

    def _dispatch(self, message: dict[str, Any]) -> None:
        raw_channel = message.get("channel")
        if not isinstance(raw_channel, bytes):
            return
        channel = raw_channel.decode("utf-8", "replace")
        if not channel.startswith(self._prefix):
            return
        kind = message.get("type")
        kind = kind.decode() if isinstance(kind, bytes) else kind
        if kind == "subscribe" and channel == self._control:
            if self._control_expected > 0:
                self._control_expected -= 1
            else:  # a reconnection redis-py made on its own: the cut lost events
                log.warning("Redis bus: the link was cut and is back; subscribers resync")
                self._interrupt()
            return
        if kind == "subscribe":
            confirmed = self._confirming.get(channel)
            if confirmed is not None and not confirmed.done():
                confirmed.set_result(None)
            return
        if kind != "message" or channel == self._control:
            return
        topic = channel[len(self._prefix) :]
        subscribers = self._subscribers.of(topic)
        encoded = message.get("data")
        try:
            events = [json.loads(encoded) for _ in subscribers]  # each its own copy
        except (TypeError, ValueError):
            log.warning("Redis bus: an event on %s is not JSON; ignored", topic)
            return
        if events and not isinstance(events[0], dict):
            log.warning("Redis bus: an event on %s is not a JSON object; ignored", topic)
            return
        for subscription, event in zip(subscribers, events, strict=True):
            subscription.offer(event)
