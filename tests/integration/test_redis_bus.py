"""The Redis bus on a real Redis, two instances standing for two web replicas: events cross
both ways in order, each subscriber gets its own copy, a slow one drops its oldest, leaving
stops delivery, a killed connection is resubscribed, junk on a channel is ignored, Redis
down never raises into the hub."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis

from channels.redis_bus import RedisBus, redis_client
from hub.ports import SubscriptionLost
from tests.integration.redis_support import (
    kill_clients,
    redis_test_url,
    redis_unavailable,
    unique_prefix,
)
from tests.integration.web_support import closed_port

pytestmark = pytest.mark.skipif(redis_unavailable() is not None, reason=str(redis_unavailable()))


@pytest.fixture
def prefix() -> str:
    return unique_prefix()


@pytest.fixture
async def replicas(prefix: str) -> AsyncIterator[tuple[RedisBus, RedisBus]]:
    """Two buses on one Redis and one prefix, each with its own connection name."""
    names = [f"{prefix}a", f"{prefix}b"]
    buses = [RedisBus(redis_client(redis_test_url(), name), prefix) for name in names]
    for bus in buses:
        await bus.start()
    try:
        yield buses[0], buses[1]
    finally:
        for bus in buses:
            await bus.close()


async def next_event(events: Any, timeout: float = 5.0) -> dict[str, Any]:
    return await asyncio.wait_for(events.get(), timeout)


async def test_events_cross_replicas_both_ways_in_publishing_order(
    replicas: tuple[RedisBus, RedisBus],
) -> None:
    one, two = replicas
    async with one.subscribe("queue") as on_one, two.subscribe("queue") as on_two:
        for n in range(20):
            await one.publish("queue", {"n": n, "from": "one"})
        for n in range(20):
            await two.publish("queue", {"n": n, "from": "two"})
        for events in (on_one, on_two):
            got = [await next_event(events) for _ in range(40)]
            assert got == [{"n": n, "from": "one"} for n in range(20)] + [
                {"n": n, "from": "two"} for n in range(20)
            ]


async def test_an_event_reaches_only_the_subscribers_of_its_topic(
    replicas: tuple[RedisBus, RedisBus],
) -> None:
    one, two = replicas
    async with two.subscribe("advisor:1") as advisor, two.subscribe("queue") as queue:
        await one.publish("advisor:2", {"type": "message"})
        await one.publish("queue", {"type": "queue"})
        assert await next_event(queue) == {"type": "queue"}
        await asyncio.sleep(0.2)
        assert advisor.pending() == 0


async def test_every_subscriber_gets_its_own_copy(replicas: tuple[RedisBus, RedisBus]) -> None:
    one, two = replicas
    async with two.subscribe("conversation:7") as first, two.subscribe("conversation:7") as second:
        listening = await one.publish("conversation:7", {"type": "advisor", "text": "Bonjour"})
        a, b = await next_event(first), await next_event(second)
    assert listening == 1  # one replica listens, with two subscribers
    assert a == b == {"type": "advisor", "text": "Bonjour"}
    a["text"] = "changed"
    assert b["text"] == "Bonjour"


async def test_a_slow_subscriber_loses_its_oldest_events_and_holds_up_no_one(
    prefix: str,
) -> None:
    small = RedisBus(redis_client(redis_test_url(), f"{prefix}small"), prefix, queue_size=5)
    other = RedisBus(redis_client(redis_test_url(), f"{prefix}other"), prefix)
    await small.start()
    await other.start()
    try:
        async with small.subscribe("queue") as slow, other.subscribe("queue") as fast:
            for n in range(12):
                await other.publish("queue", {"n": n})
            got = [await next_event(fast) for _ in range(12)]
            assert [e["n"] for e in got] == list(range(12))
            await asyncio.sleep(0.3)  # the slow one's reader got them all meanwhile
            assert [e["n"] for e in slow.take_waiting()] == [7, 8, 9, 10, 11]
            assert slow.dropped == 7
    finally:
        await small.close()
        await other.close()


async def test_leaving_a_topic_stops_delivery_and_the_replica_stops_listening(
    replicas: tuple[RedisBus, RedisBus],
) -> None:
    one, two = replicas
    async with two.subscribe("advisor:3") as events:
        assert two.subscriber_count("advisor:3") == 1
        await one.publish("advisor:3", {"n": 1})
        assert await next_event(events) == {"n": 1}
    assert two.subscriber_count("advisor:3") == 0
    assert await one.publish("advisor:3", {"n": 2}) == 0
    async with two.subscribe("advisor:3") as again:  # subscribing again works at once
        assert await one.publish("advisor:3", {"n": 3}) == 1
        assert await next_event(again) == {"n": 3}


async def test_after_a_killed_connection_the_subscribers_are_told_and_events_flow_again(
    replicas: tuple[RedisBus, RedisBus], prefix: str
) -> None:
    """What is published while the link is cut never comes: once the reader is back, every
    subscription ends with SubscriptionLost (its socket reconnects and reads the database),
    and a new subscription receives again."""
    one, two = replicas
    async with two.subscribe("rooms") as events:
        await one.publish("rooms", {"n": 0})
        assert await next_event(events) == {"n": 0}
        assert kill_clients(f"{prefix}b") >= 1
        with pytest.raises(SubscriptionLost):
            while True:  # events that arrived before the cut may still come first
                await one.publish("rooms", {"n": "during"})
                assert isinstance((await next_event(events, 10.0))["n"], str | int)
    async with two.subscribe("rooms") as again:
        assert await one.publish("rooms", {"n": "after"}) == 1
        assert await next_event(again) == {"n": "after"}


async def test_a_message_that_is_not_a_json_object_is_ignored(
    replicas: tuple[RedisBus, RedisBus], prefix: str
) -> None:
    _, two = replicas
    raw = aioredis.from_url(redis_test_url())
    try:
        async with two.subscribe("queue") as events:
            await raw.publish(f"{prefix}queue", b"\xff not json")
            await raw.publish(f"{prefix}queue", "[1, 2]")
            await raw.publish(f"{prefix}queue", '{"ok": true}')
            assert await next_event(events) == {"ok": True}
            assert events.pending() == 0
    finally:
        await raw.aclose()


async def test_an_event_that_is_not_json_is_refused_before_it_leaves() -> None:
    bus = RedisBus(redis_client(redis_test_url(), "unused"), unique_prefix())
    with pytest.raises(TypeError):
        await bus.publish("queue", {"at": object()})
    await bus.close()


async def test_redis_down_publishing_returns_zero_and_subscribing_still_works() -> None:
    down = RedisBus.from_url(f"redis://127.0.0.1:{closed_port()}/0", unique_prefix())
    await down.start()
    try:
        assert await down.ready() is False
        assert await down.publish("queue", {"type": "queue"}) == 0
        async with down.subscribe("queue") as events:
            assert events.pending() == 0
            assert down.subscriber_count("queue") == 1
    finally:
        await down.close()


async def test_a_failed_publish_tells_this_replicas_subscribers_of_the_topic() -> None:
    down = RedisBus.from_url(f"redis://127.0.0.1:{closed_port()}/0", unique_prefix())
    await down.start()
    try:
        async with down.subscribe("queue") as queue, down.subscribe("rooms") as rooms:
            assert await down.publish("queue", {"type": "queue"}) == 0
            with pytest.raises(SubscriptionLost):
                await next_event(queue)
            assert rooms.lost is False  # another topic missed nothing
    finally:
        await down.close()


async def test_ready_says_whether_redis_answers(replicas: tuple[RedisBus, RedisBus]) -> None:
    assert await replicas[0].ready() is True


async def test_close_ends_the_reader_and_both_connections(prefix: str) -> None:
    name = f"{prefix}closing-{uuid.uuid4().hex[:6]}"
    bus = RedisBus(redis_client(redis_test_url(), name), prefix)
    await bus.start()
    async with bus.subscribe("queue"):
        await bus.publish("queue", {"n": 1})
    await bus.close()
    await asyncio.sleep(0.1)
    assert kill_clients(name) == 0  # no connection of it left open on the server
