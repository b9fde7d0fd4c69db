"""Async client for Rasa: its REST channel (`POST /webhooks/rest/webhook`) and, for the
advisor handoff and erasures, its HTTP API (`POST` and `PUT
/conversations/{sender}/tracker/events`, which need `rasa run --enable-api`). Both carry the
shared secret PITLANE_RASA_TOKEN: the channel in the X-Pitlane-Rasa-Token header
(rasa_project/pitlane_channel.py), the API as `?token=` (Rasa 3.6's `--auth-token` reads it
from the query string only)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx

from hub.ports import RasaUnavailable
from ops import metrics
from ops.spans import with_traceparent

log = logging.getLogger(__name__)
TOKEN_HEADER = "X-Pitlane-Rasa-Token"


class RasaClient:
    """The hub's brain (hub.ports.BotBrain) over HTTP: sends one customer message to Rasa
    and returns its answers, within a timeout."""

    def __init__(
        self,
        base_url: str,
        timeout: float,
        token: str | None = None,
        on_client: Callable[[httpx.AsyncClient], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.url = self.base_url + "/webhooks/rest/webhook"
        self.timeout = timeout
        self.token = token
        self._on_client = on_client  # called with each client made (traces: ops/tracing.py)
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        """Open a pooled connection client (call from the web server's lifespan)."""
        if self._client is None:
            self._client = self._new_client()

    def _new_client(self) -> httpx.AsyncClient:
        client = httpx.AsyncClient(timeout=self.timeout)
        if self._on_client is not None:
            self._on_client(client)
        return client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def send(
        self, sender: str, message: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]:
        # the turn's trace goes on to the actions through the metadata (ops/spans.py)
        body = {"sender": sender, "message": message, "metadata": with_traceparent(metadata)}
        started = time.perf_counter()
        try:
            # httpx times each phase; wait_for bounds the whole exchange.
            response = await asyncio.wait_for(self._post(self.url, body), self.timeout)
            response.raise_for_status()
            answers = response.json()
        except (httpx.HTTPError, ValueError, asyncio.TimeoutError) as exc:
            metrics.rasa_round_trip(started, exc)
            log.warning("Rasa at %s failed: %s", self.url, type(exc).__name__)
            raise RasaUnavailable(str(exc) or type(exc).__name__) from exc
        if not isinstance(answers, list) or not all(isinstance(a, dict) for a in answers):
            metrics.rasa_round_trip(started, ValueError("unexpected body"))
            log.warning(
                "Rasa at %s answered an unexpected body (%s)", self.url, type(answers).__name__
            )
            raise RasaUnavailable("unexpected answer from Rasa")
        metrics.rasa_round_trip(started)
        return answers

    async def record_event(self, sender: str, event: dict[str, Any]) -> None:
        """Append one event (`{"event": "pause"}`, `{"event": "resume"}`) to a tracker."""
        url = f"{self.base_url}/conversations/{quote(sender, safe=':@+')}/tracker/events"
        try:
            params = {"include_events": "NONE"}
            if self.token:
                params["token"] = self.token
            response = await asyncio.wait_for(self._post(url, event, params), self.timeout)
            response.raise_for_status()
        except (httpx.HTTPError, asyncio.TimeoutError) as exc:
            log.warning(
                "Rasa at %s refused %s: %s", self.base_url, event.get("event"), type(exc).__name__
            )
            raise RasaUnavailable(str(exc) or type(exc).__name__) from exc

    async def erase_tracker(self, sender: str) -> None:
        """Replace the sender's tracker by an empty one (`PUT .../tracker/events` with `[]`):
        rasa_project/pitlane_tracker_store.py turns that into a deletion of every stored
        event of the sender (docs/security.md, "Erasure")."""
        url = f"{self.base_url}/conversations/{quote(sender, safe=':@+')}/tracker/events"
        try:
            params = {"include_events": "NONE"}
            if self.token:
                params["token"] = self.token
            response = await asyncio.wait_for(self._send("PUT", url, [], params), self.timeout)
            response.raise_for_status()
        except (httpx.HTTPError, asyncio.TimeoutError) as exc:
            log.warning("Rasa at %s did not erase a tracker: %s", self.base_url, type(exc).__name__)
            raise RasaUnavailable(str(exc) or type(exc).__name__) from exc

    async def model_loaded(self, timeout: float) -> bool:
        """Whether Rasa answers `GET /status` with a loaded model within `timeout` seconds
        (409 while it has none). For readiness reports: never raises, logs nothing (the
        URL carries the token)."""
        params = {"token": self.token} if self.token else None
        url = self.base_url + "/status"
        try:
            if self._client is not None:
                request = self._client.get(url, params=params, timeout=timeout)
                response = await asyncio.wait_for(request, timeout)
            else:
                async with httpx.AsyncClient(timeout=timeout) as client:
                    response = await asyncio.wait_for(client.get(url, params=params), timeout)
            return response.status_code == 200 and bool(response.json().get("model_id"))
        except (httpx.HTTPError, ValueError, AttributeError, asyncio.TimeoutError):
            return False

    async def _post(
        self, url: str, body: dict[str, Any], params: dict[str, str] | None = None
    ) -> httpx.Response:
        return await self._send("POST", url, body, params)

    async def _send(
        self, method: str, url: str, body: Any, params: dict[str, str] | None = None
    ) -> httpx.Response:
        headers = {TOKEN_HEADER: self.token} if self.token else None
        if self._client is not None:
            return await self._client.request(
                method, url, json=body, params=params, headers=headers
            )
        # Outside a lifespan (a script, a test): one short-lived client.
        async with self._new_client() as client:
            return await client.request(method, url, json=body, params=params, headers=headers)
