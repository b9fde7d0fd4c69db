"""`ConversationLocks` (hub/ports.py) across web replicas, through Redis: used when
PITLANE_REDIS_URL is set (webapp/main.py); hub/locks.py is the in-process default.

A key is first taken in this process (waiters on one replica queue in arrival order without
polling Redis), then in Redis with redis-py's Lock: SET NX with an expiry longer than the
longest hold (Rasa's timeout, twice, for a turn and a tracker event), and a release that
deletes the key only when it still holds this holder's random token (a holder that outlived
its expiry never frees someone else's hold). Redis down, or the wait too long: logged, and
the message goes on under the in-process lock only; a customer's message is never refused
for want of ordering.
"""

from __future__ import annotations

import asyncio
import logging
import secrets

from redis import asyncio as aioredis
from redis.exceptions import LockError, RedisError

from hub.locks import LocalConversationLocks, LocalHeld

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "pitlane:lock:"
_REDIS_DOWN = (RedisError, OSError, asyncio.TimeoutError)


class RedisHeld:
    """A hold of a key here and, when Redis answered, in Redis."""

    def __init__(self, local: LocalHeld, lock: aioredis.lock.Lock | None, key: str) -> None:
        self._local, self._lock, self._key = local, lock, key

    async def release(self) -> None:
        lock, self._lock = self._lock, None
        try:
            if lock is not None:
                await lock.release()
        except LockError:  # LockNotOwnedError: held past its expiry, someone may have it now
            log.warning("a conversation lock had expired before its release")
        except _REDIS_DOWN as exc:  # it expires by itself
            log.warning("a conversation lock not released in Redis: %r", exc)
        finally:
            await self._local.release()


class RedisConversationLocks:
    """`held = await locks.acquire(key)` ... `await held.release()`, across replicas."""

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        expiry: float,
        wait: float | None = None,
        prefix: str = DEFAULT_PREFIX,
    ) -> None:
        self.expiry = expiry  # seconds a hold lasts at most in Redis
        self.wait = expiry if wait is None else wait  # seconds to wait before going on
        self._client = client
        self._prefix = prefix
        self._local = LocalConversationLocks()

    async def acquire(self, key: str) -> RedisHeld:
        local = await self._local.acquire(key)
        lock = self._client.lock(
            self._prefix + key,
            timeout=self.expiry,
            sleep=0.02,
            blocking_timeout=self.wait,
            thread_local=False,  # released by whichever task finishes the work
        )
        try:
            acquired = await lock.acquire(token=secrets.token_hex(16))
        except _REDIS_DOWN as exc:
            log.warning("a conversation lock: Redis unavailable (%r); in-process only", exc)
            return RedisHeld(local, None, key)
        except BaseException:
            await local.release()
            raise
        if not acquired:
            log.warning("a conversation lock: waited %.0f s for it; going on", self.wait)
            return RedisHeld(local, None, key)
        return RedisHeld(local, lock, key)
