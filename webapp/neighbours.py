"""Whether Rasa and the action server answer, as `GET /readyz` reports them.

Reported, never required: a web replica serves (the hub answers clearly when Rasa is down,
the backoffice needs neither), so their state must not take it out of its load balancer.
Both are asked at once with a short timeout, and the answer is kept a few seconds, so that a
storm of probes (every replica, every load balancer) asks them once. Only booleans come out:
no URL, no token.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import httpx

from channels.rasa_client import RasaClient

log = logging.getLogger(__name__)
PROBE_TIMEOUT = 1.0  # seconds each is given to answer
KEPT_SECONDS = 5.0  # how long an answer is reused


class Neighbours:
    """`await states()` -> {"rasa": bool, "actions": bool}: Rasa has a loaded model
    (`/status`), the action server is ready (`/readyz`: its database answers)."""

    def __init__(
        self,
        rasa: RasaClient,
        actions_url: str,
        timeout: float = PROBE_TIMEOUT,
        kept: float = KEPT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rasa = rasa
        self.actions_ready_url = actions_url.rstrip("/") + "/readyz"
        self.timeout = timeout
        self.kept = kept
        self.clock = clock
        self._known: dict[str, bool] | None = None
        self._known_at = 0.0
        self._lock: asyncio.Lock | None = None
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        """Open the pooled client and the lock on the server's loop (from the lifespan)."""
        self._lock = asyncio.Lock()
        self._client = httpx.AsyncClient(timeout=self.timeout)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def states(self) -> dict[str, bool]:
        if self._lock is None:  # outside a lifespan: no sharing to do
            return await self._ask()
        async with self._lock:  # callers arriving during a probe get its answer
            if self._known is None or self.clock() - self._known_at >= self.kept:
                self._known = await self._ask()
                self._known_at = self.clock()
            return dict(self._known)

    async def _ask(self) -> dict[str, bool]:
        rasa, actions = await asyncio.gather(
            self.rasa.model_loaded(self.timeout), self._actions_ready()
        )
        found = {"rasa": rasa, "actions": actions}
        if self._known is not None and found != self._known:
            log.warning("neighbours changed: %s", found)
        return found

    async def _actions_ready(self) -> bool:
        try:
            if self._client is not None:
                response = await asyncio.wait_for(
                    self._client.get(self.actions_ready_url), self.timeout
                )
            else:
                async with httpx.AsyncClient(timeout=self.timeout) as client:
                    response = await asyncio.wait_for(
                        client.get(self.actions_ready_url), self.timeout
                    )
        except (httpx.HTTPError, asyncio.TimeoutError):
            return False
        return response.status_code == 200
