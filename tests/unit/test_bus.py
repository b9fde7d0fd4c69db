"""The in-process bus: topics, copies, unsubscribe, and a slow subscriber dropping its oldest."""

from __future__ import annotations

import asyncio

import pytest

from channels.bus import Bus
from hub.ports import SubscriptionLost
from hub.topics import advisor_topic, conversation_topic, queue_topic


async def test_a_subscriber_receives_the_events_of_its_topic_in_order() -> None:
    bus = Bus()
    async with bus.subscribe("queue") as events:
        await bus.publish("queue", {"type": "queue", "n": 1})
        await bus.publish("advisor:1", {"type": "message"})
        await bus.publish("queue", {"type": "queue", "n": 2})

        assert await events.get() == {"type": "queue", "n": 1}
        assert events.take_waiting() == [{"type": "queue", "n": 2}]
        assert events.pending() == 0


async def test_every_subscriber_of_a_topic_gets_its_own_copy() -> None:
    bus = Bus()
    async with bus.subscribe("conversation:7") as first, bus.subscribe("conversation:7") as second:
        delivered = await bus.publish("conversation:7", {"type": "advisor", "text": "Bonjour"})
        one, two = await first.get(), await second.get()

    assert delivered == 2
    one["text"] = "changed"
    assert two == {"type": "advisor", "text": "Bonjour"}


async def test_publishing_without_subscribers_delivers_to_nobody() -> None:
    assert await Bus().publish("queue", {"type": "queue"}) == 0


async def test_leaving_the_block_unsubscribes() -> None:
    bus = Bus()
    async with bus.subscribe("queue"):
        assert bus.subscriber_count("queue") == 1
    assert bus.subscriber_count("queue") == 0
    assert await bus.publish("queue", {"type": "queue"}) == 0


async def test_a_slow_subscriber_drops_its_oldest_events_and_never_blocks_the_publisher() -> None:
    bus = Bus(queue_size=3)
    async with bus.subscribe("queue") as slow, bus.subscribe("queue") as other:
        for n in range(5):
            await asyncio.wait_for(bus.publish("queue", {"n": n}), timeout=1)

        assert [(await slow.get())["n"] for _ in range(3)] == [2, 3, 4]
        assert slow.dropped == 2
        assert other.dropped == 2


async def test_a_subscriber_iterates_events_as_they_arrive() -> None:
    bus = Bus()
    received: list[int] = []

    async def consume() -> None:
        async with bus.subscribe("advisor:3") as events:
            ready.set()
            async for event in events:
                received.append(event["n"])
                if len(received) == 2:
                    return

    ready = asyncio.Event()
    task = asyncio.create_task(consume())
    await ready.wait()
    await bus.publish("advisor:3", {"n": 1})
    await bus.publish("advisor:3", {"n": 2})
    await asyncio.wait_for(task, timeout=1)

    assert received == [1, 2]
    assert bus.subscriber_count("advisor:3") == 0


async def test_an_event_that_is_not_json_is_refused() -> None:
    with pytest.raises(TypeError):
        await Bus().publish("queue", {"at": object()})


def test_topic_names_follow_the_contract() -> None:
    assert queue_topic() == "queue"
    assert advisor_topic(4) == "advisor:4"
    assert conversation_topic(12) == "conversation:12"


def test_a_bus_needs_room_for_at_least_one_event() -> None:
    with pytest.raises(ValueError):
        Bus(queue_size=0)


async def test_an_interrupted_subscription_gives_what_was_queued_then_says_it_lost_events() -> None:
    bus = Bus()
    async with bus.subscribe("rooms") as events:
        await bus.publish("rooms", {"n": 1})
        events.interrupt()
        await bus.publish("rooms", {"n": 2})  # after the gap: not given, the state is re-read
        assert await events.get() == {"n": 1}
        for _ in range(2):  # and it keeps saying so
            with pytest.raises(SubscriptionLost):
                await events.get()
        with pytest.raises(SubscriptionLost):
            events.take_waiting()
        assert events.lost is True


async def test_iterating_an_interrupted_subscription_raises_instead_of_waiting() -> None:
    bus = Bus(queue_size=1)
    async with bus.subscribe("queue") as events:
        await bus.publish("queue", {"n": 1})
        events.interrupt()  # the queue is full: the oldest event makes room for the mark
        with pytest.raises(SubscriptionLost):
            async for _event in events:
                pytest.fail("the dropped event came back")
