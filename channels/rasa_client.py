"""Async client for Rasa's REST channel (`POST /webhooks/rest/webhook`)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

import httpx

log = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa did not answer usably: down, too slow, an error status or a malformed body."""


class BotBrain(Protocol):
    """What the hub needs from Rasa (a protocol so other brains or fakes can stand in)."""

    async def send(
        self, sender: str, message: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]: ...


class RasaClient:
    """Sends one customer message to Rasa and returns its answers, within a timeout."""

    def __init__(self, base_url: str, timeout: float) -> None:
        self.url = base_url.rstrip("/") + "/webhooks/rest/webhook"
        self.timeout = timeout
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        """Open a pooled connection client (call from the web server's lifespan)."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def send(
        self, sender: str, message: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]:
        body = {"sender": sender, "message": message, "metadata": metadata}
        try:
            # httpx times each phase; wait_for bounds the whole exchange.
            response = await asyncio.wait_for(self._post(body), self.timeout)
            response.raise_for_status()
            answers = response.json()
        except (httpx.HTTPError, ValueError, asyncio.TimeoutError) as exc:
            log.warning("Rasa at %s failed for %s: %r", self.url, sender, exc)
            raise RasaUnavailable(str(exc) or type(exc).__name__) from exc
        if not isinstance(answers, list) or not all(isinstance(a, dict) for a in answers):
            log.warning("Rasa at %s answered an unexpected body: %.200r", self.url, answers)
            raise RasaUnavailable("unexpected answer from Rasa")
        return answers

    async def _post(self, body: dict[str, Any]) -> httpx.Response:
        if self._client is not None:
            return await self._client.post(self.url, json=body)
        # Outside a lifespan (a script, a test): one short-lived client.
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            return await client.post(self.url, json=body)
