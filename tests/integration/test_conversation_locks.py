"""Conversation locks: in process, and across two replicas through a real Redis; and two hubs
on one database handling one sender's concurrent messages one at a time, in stored order."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from channels.bus import Bus
from channels.redis_bus import redis_client
from channels.redis_locks import RedisConversationLocks
from core.models import Message
from hub.deps import HubDeps
from hub.inbound import receive
from hub.locks import LocalConversationLocks, one_at_a_time
from tests.integration.redis_support import redis_test_url, redis_unavailable, unique_prefix
from tests.integration.web_support import closed_port

needs_redis = pytest.mark.skipif(redis_unavailable() is not None, reason=str(redis_unavailable()))


class OverlapBrain:
    """A fake Rasa that records what it was sent and how many turns ran at once."""

    def __init__(self, log: list[str]) -> None:
        self.log = log  # shared by both replicas' brains: Rasa's order
        self.active = 0
        self.most_at_once = 0

    async def send(self, sender: str, message: str, metadata: dict[str, Any]) -> list[dict]:
        self.active += 1
        self.most_at_once = max(self.most_at_once, self.active)
        self.log.append(message)
        await asyncio.sleep(0.02)
        self.active -= 1
        return [{"recipient_id": sender, "text": f"vu : {message}"}]

    async def record_event(self, sender: str, event: dict[str, Any]) -> None:
        self.log.append(event["event"])

    async def erase_tracker(self, sender: str) -> None:
        pass


async def holders_never_overlap(locks: list[Any], key: str, rounds: int) -> list[int]:
    """`rounds` tasks per lock object take `key`; returns the order they held it."""
    inside: list[int] = []
    order: list[int] = []

    async def hold(n: int, locks_: Any) -> None:
        async with one_at_a_time(locks_, key):
            inside.append(n)
            assert len(inside) == 1, f"{inside} hold {key} at once"
            order.append(n)
            await asyncio.sleep(0.005)
            inside.remove(n)

    await asyncio.gather(
        *(hold(i * len(locks) + j, lk) for i in range(rounds) for j, lk in enumerate(locks))
    )
    return order


async def test_in_process_holders_take_turns_in_arrival_order_and_are_forgotten() -> None:
    locks = LocalConversationLocks()
    order = await holders_never_overlap([locks], "web:visitor-1", rounds=20)
    assert order == list(range(20))
    assert locks.held_keys() == []


async def test_a_cancelled_waiter_leaves_the_line() -> None:
    locks = LocalConversationLocks()
    first = await locks.acquire("k")
    waiter = asyncio.create_task(locks.acquire("k"))
    await asyncio.sleep(0.01)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    await first.release()
    assert locks.held_keys() == []


@needs_redis
async def test_two_replicas_never_hold_one_conversation_at_once() -> None:
    prefix = unique_prefix()
    clients = [redis_client(redis_test_url(), f"{prefix}{n}") for n in (1, 2)]
    replicas = [RedisConversationLocks(c, expiry=10, prefix=prefix) for c in clients]
    try:
        order = await holders_never_overlap(replicas, "telegram:42", rounds=10)
        assert sorted(order) == list(range(20))
        assert await clients[0].exists(f"{prefix}telegram:42") == 0  # released
    finally:
        for client in clients:
            await client.aclose()


@needs_redis
async def test_a_hold_past_its_expiry_never_frees_the_next_holder() -> None:
    prefix = unique_prefix()
    one, two = (redis_client(redis_test_url(), f"{prefix}{n}") for n in (1, 2))
    late = RedisConversationLocks(one, expiry=0.2, prefix=prefix)
    next_ = RedisConversationLocks(two, expiry=10, wait=2, prefix=prefix)
    try:
        stale = await late.acquire("web:slow")
        await asyncio.sleep(0.3)  # expired in Redis
        fresh = await next_.acquire("web:slow")
        await stale.release()  # token-safe: not the other holder's key
        assert await one.exists(f"{prefix}web:slow") == 1
        await fresh.release()
        assert await one.exists(f"{prefix}web:slow") == 0
    finally:
        await one.aclose()
        await two.aclose()


async def test_redis_down_a_message_goes_on_under_the_in_process_lock() -> None:
    client = redis_client(f"redis://127.0.0.1:{closed_port()}/0", "down")
    locks = RedisConversationLocks(client, expiry=5)
    try:
        order = await holders_never_overlap([locks], "web:v", rounds=3)
        assert order == [0, 1, 2]
    finally:
        await client.aclose()


def _hub(uow_factory: Any, brain: OverlapBrain, locks: Any) -> HubDeps:
    return HubDeps(uow_factory=uow_factory, brain=brain, bus=Bus(), intents=None, locks=locks)


@needs_redis
async def test_two_hubs_send_one_senders_concurrent_messages_to_rasa_one_at_a_time_in_order(
    uow_factory: Any,
) -> None:
    prefix = unique_prefix()
    clients = [redis_client(redis_test_url(), f"{prefix}{n}") for n in (1, 2)]
    rasa_order: list[str] = []
    brains = [OverlapBrain(rasa_order) for _ in clients]
    hubs = [
        _hub(uow_factory, brain, RedisConversationLocks(c, expiry=10, prefix=prefix))
        for brain, c in zip(brains, clients, strict=True)
    ]
    texts = [f"message {n}" for n in range(12)]
    try:
        replies = await asyncio.gather(
            *(receive(hubs[n % 2], "telegram", "4242", text) for n, text in enumerate(texts))
        )
    finally:
        for client in clients:
            await client.aclose()

    assert sorted(rasa_order) == sorted(texts)
    assert sum(brain.most_at_once for brain in brains) == 2  # each ran, never both at once
    assert max(brain.most_at_once for brain in brains) == 1
    with uow_factory() as uow:
        stored = uow.session.scalars(
            select(Message.text).where(Message.direction == "in").order_by(Message.id)
        ).all()
    assert list(stored) == rasa_order  # Rasa saw them in the order they were stored
    assert all(
        reply.answers[0].message.text == f"vu : {reply_text}"
        for reply, reply_text in zip(replies, texts, strict=True)
    )


@needs_redis
async def test_accept_on_one_replica_and_close_on_the_other_reach_rasa_in_order(
    uow_factory: Any, add_staff: Any, add_conversation: Any
) -> None:
    from datetime import datetime, timedelta, timezone

    from core import handoff

    now = datetime.now(timezone.utc)
    advisor = add_staff("Nina", available=True, seen=now)
    conversation = add_conversation("telegram", "777")
    request = handoff.request_handoff(uow_factory(), conversation, now, timedelta(minutes=10))
    prefix = unique_prefix()
    clients = [redis_client(redis_test_url(), f"{prefix}{n}") for n in (1, 2)]
    rasa_order: list[str] = []

    class SlowEvents(OverlapBrain):
        async def record_event(self, sender: str, event: dict[str, Any]) -> None:
            await asyncio.sleep(0.2)  # Rasa slow to take the pause: the close must wait
            self.log.append(event["event"])

    one, two = (
        _hub(
            uow_factory, SlowEvents(rasa_order), RedisConversationLocks(c, expiry=10, prefix=prefix)
        )
        for c in clients
    )
    try:
        from hub.advisor import accept_request, close_request

        await accept_request(one, request.id, advisor)
        await close_request(two, request.id, advisor)
        await receive(one, "telegram", "777", "me revoilà")
        await one.tracker_events.drain()
        await two.tracker_events.drain()
    finally:
        for client in clients:
            await client.aclose()
    assert rasa_order == ["pause", "resume", "me revoilà"]
