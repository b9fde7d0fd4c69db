"""The in-process `ConversationLocks` (hub/ports.py), the default of `make run`: one
asyncio lock per conversation key, first come first served, forgotten when nobody holds or
waits for it. Across replicas: channels/redis_locks.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from hub.ports import ConversationLocks


class _Entry:
    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0  # holders and waiters


class LocalHeld:
    """One hold of a key; releasing twice is a no-op."""

    def __init__(self, owner: LocalConversationLocks, key: str, entry: _Entry) -> None:
        self._owner, self._key, self._entry = owner, key, entry
        self._released = False

    async def release(self) -> None:
        if not self._released:
            self._released = True
            self._owner._leave(self._key, self._entry, held=True)


class LocalConversationLocks:
    """`held = await locks.acquire(key)` ... `await held.release()`; event loop only."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    async def acquire(self, key: str) -> LocalHeld:
        entry = self._entries.setdefault(key, _Entry())
        entry.users += 1
        try:
            await entry.lock.acquire()
        except BaseException:  # cancelled while waiting: leave the line
            self._leave(key, entry, held=False)
            raise
        return LocalHeld(self, key, entry)

    def held_keys(self) -> list[str]:
        """Keys someone holds or waits for (tests, diagnostics)."""
        return list(self._entries)

    def _leave(self, key: str, entry: _Entry, *, held: bool) -> None:
        if held:
            entry.lock.release()
        entry.users -= 1
        if entry.users == 0 and self._entries.get(key) is entry:
            del self._entries[key]


@asynccontextmanager
async def one_at_a_time(locks: ConversationLocks, key: str) -> AsyncIterator[None]:
    """Hold `key`'s conversation lock for the block."""
    held = await locks.acquire(key)
    try:
        yield
    finally:
        await held.release()
