"""Pause and resume events on Rasa trackers, recorded in the background.

An advisor must never wait for Rasa: accepting or closing a conversation only schedules the
event. Each one is tried twice (a failure is logged, then retried once after a short delay),
and the events of one conversation are recorded in order (a resume never overtakes its
pause). Before the hub sends a customer message to Rasa it waits for that conversation's
events to settle, so the first message after a close reaches a resumed tracker; across
replicas the conversation lock handed to `record` does the same (hub/advisor.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from hub.ports import BotBrain, HeldLock

log = logging.getLogger(__name__)

PAUSE: dict[str, Any] = {"event": "pause"}
RESUME: dict[str, Any] = {"event": "resume"}


class TrackerEvents:
    """Background recorder of tracker events, one ordered chain per Rasa sender id."""

    def __init__(self, retry_delay: float = 0.5) -> None:
        self.retry_delay = retry_delay
        self._last: dict[str, asyncio.Task[bool]] = {}

    def record(
        self, brain: BotBrain, sender: str, event: dict[str, Any], held: HeldLock | None = None
    ) -> asyncio.Task[bool]:
        """Schedule `event` for `sender` after its earlier events; returns the task. `held`,
        the conversation's lock, is released once the event is recorded or given up."""
        previous = self._last.get(sender)
        task = asyncio.create_task(
            self._recorded_then_released(brain, sender, event, previous, held)
        )
        self._last[sender] = task
        task.add_done_callback(lambda done: self._forget(sender, done))
        return task

    async def settled(self, sender: str) -> None:
        """Wait until the events scheduled for `sender` so far are recorded (or given up)."""
        task = self._last.get(sender)
        if task is not None:
            await asyncio.wait({task})

    async def drain(self) -> None:
        """Wait for every scheduled event (shutdown, tests)."""
        while self._last:
            await asyncio.wait(set(self._last.values()))

    async def _recorded_then_released(
        self,
        brain: BotBrain,
        sender: str,
        event: dict[str, Any],
        previous: asyncio.Task[bool] | None,
        held: HeldLock | None,
    ) -> bool:
        try:
            return await self._record(brain, sender, event, previous)
        finally:
            if held is not None:
                await held.release()

    async def _record(
        self,
        brain: BotBrain,
        sender: str,
        event: dict[str, Any],
        previous: asyncio.Task[bool] | None,
    ) -> bool:
        if previous is not None:
            await asyncio.wait({previous})
        for attempt in (1, 2):
            try:
                await brain.record_event(sender, dict(event))
                return True
            except Exception as exc:  # whatever went wrong, the advisor's action stands
                log.warning(
                    "recording %s on a Rasa tracker failed (attempt %d): %r",
                    event.get("event"),
                    attempt,
                    exc,
                )
            if attempt == 1:
                await asyncio.sleep(self.retry_delay)
        log.error("gave up recording %s on a Rasa tracker", event.get("event"))
        return False

    def _forget(self, sender: str, done: asyncio.Task[bool]) -> None:
        if self._last.get(sender) is done:
            del self._last[sender]
