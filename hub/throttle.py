"""How many typing signals (hub/typing_signals.py) one sender may send: in memory, per
replica; cheap enough to run before anything is read from the database."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class TypingThrottle:
    """Which typing signals go on, per sender key: a repeated "on" within `interval`
    seconds, an "off" that follows no "on", and anything past `per_window` signals in
    `window` seconds are dropped. Clients send one "on" every 3 s while typing, so a
    well-behaved one is never dropped. In memory, at most `max_keys` senders."""

    interval: float = 2.0
    window: float = 10.0
    per_window: int = 8
    max_keys: int = 10_000
    clock: Callable[[], float] = time.monotonic
    _senders: dict[str, _Sender] = field(default_factory=dict, init=False, repr=False)

    def allow(self, key: str, state: str) -> bool:
        """Whether this signal of `key` goes on (and is counted)."""
        now = self.clock()
        sender = self._senders.get(key)
        if sender is None:
            if len(self._senders) >= self.max_keys:
                self._forget_idle(now)
            sender = self._senders[key] = _Sender(window_start=now)
        elif now - sender.window_start >= self.window:
            sender.window_start, sender.count = now, 0
        if state == "off" and sender.state == "off":
            return False
        if state == "on" and sender.state == "on" and now - sender.on_at < self.interval:
            return False
        if sender.count >= self.per_window:
            return False
        sender.count += 1
        sender.state = state
        if state == "on":
            sender.on_at = now
        return True

    def _forget_idle(self, now: float) -> None:
        """Make room: senders quiet for a whole window, else the oldest tenth."""
        idle = [k for k, s in self._senders.items() if now - s.window_start >= self.window]
        for key in idle or list(self._senders)[: self.max_keys // 10 or 1]:
            del self._senders[key]


@dataclass
class _Sender:
    window_start: float
    count: int = 0  # signals let through since window_start
    state: str = "off"  # the last one let through
    on_at: float = float("-inf")  # when the last "on" was let through
