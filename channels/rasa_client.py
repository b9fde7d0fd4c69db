"""Async client for Rasa: its REST channel (`POST /webhooks/rest/webhook`) and, for the
advisor handoff and erasures, its HTTP API (`POST` and `PUT
/conversations/{sender}/tracker/events`, which need `rasa run --enable-api`). Both carry the
shared secret PITLANE_RASA_TOKEN: the channel in the X-Pitlane-Rasa-Token header
(rasa_project/pitlane_channel.py), the API as `?token=` (Rasa 3.6's `--auth-token` reads it
from the query string only)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import aiohttp

from hub.ports import RasaUnavailable
from ops import metrics
from ops.logs import current_log_context
from ops.spans import with_traceparent

log = logging.getLogger(__name__)
TOKEN_HEADER = "X-Pitlane-Rasa-Token"
REQUEST_ID_HEADER = "X-Request-ID"  # the id of the request being served (ops/request_ids.py)
# Idle connections are dropped before Rasa's server drops them (Sanic: 5 s), so a message is
# never written on a connection the server is closing.
KEEPALIVE_SECONDS = 2.0
# Rasa did not answer: aiohttp's errors (a status but 2xx included), a timeout, a body that
# is not JSON.
_FAILURES = (aiohttp.ClientError, asyncio.TimeoutError, ValueError)


class RasaClient:
    """The hub's brain (hub.ports.BotBrain) over HTTP: sends one customer message to Rasa
    and returns its answers, within a timeout.

    One aiohttp session with kept-alive connections, opened by `start()` in the web server's
    lifespan: it costs the hub half the CPU of httpx per message (bench/hub_overhead.py).
    `trace_configs`: aiohttp's tracing hooks (ops/tracing.py, when traces are on)."""

    def __init__(
        self,
        base_url: str,
        timeout: float,
        token: str | None = None,
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.url = self.base_url + "/webhooks/rest/webhook"
        self.timeout = timeout
        self.token = token
        self._trace_configs = list(trace_configs)
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Open the kept-alive session (call from the web server's lifespan)."""
        if self._session is None:
            self._session = self._new_session()

    def _new_session(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
            timeout=aiohttp.ClientTimeout(total=self.timeout),
            cookie_jar=aiohttp.DummyCookieJar(),  # nothing of one call reaches the next
            trace_configs=self._trace_configs or None,
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(
        self, sender: str, message: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]:
        # the turn's trace goes on to the actions through the metadata (ops/spans.py)
        body = {"sender": sender, "message": message, "metadata": with_traceparent(metadata)}
        started = time.perf_counter()
        try:
            answers = json.loads(await self._call("POST", self.url, body))
        except _FAILURES as exc:
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
        try:
            await self._call("POST", self._events_url(sender), event, self._api_params())
        except _FAILURES as exc:
            log.warning(
                "Rasa at %s refused %s: %s", self.base_url, event.get("event"), type(exc).__name__
            )
            raise RasaUnavailable(str(exc) or type(exc).__name__) from exc

    async def erase_tracker(self, sender: str) -> None:
        """Replace the sender's tracker by an empty one (`PUT .../tracker/events` with `[]`):
        rasa_project/pitlane_tracker_store.py turns that into a deletion of every stored
        event of the sender (docs/security.md, "Erasure")."""
        try:
            await self._call("PUT", self._events_url(sender), [], self._api_params())
        except _FAILURES as exc:
            log.warning("Rasa at %s did not erase a tracker: %s", self.base_url, type(exc).__name__)
            raise RasaUnavailable(str(exc) or type(exc).__name__) from exc

    async def model_loaded(self, timeout: float) -> bool:
        """Whether Rasa answers `GET /status` with a loaded model within `timeout` seconds
        (409 while it has none). For readiness reports: never raises, logs nothing (the
        URL carries the token)."""
        params = {"token": self.token} if self.token else None
        try:
            body = await self._call("GET", self.base_url + "/status", None, params, timeout)
            status = json.loads(body)
            return isinstance(status, dict) and bool(status.get("model_id"))
        except (*_FAILURES, AttributeError):
            return False

    def _events_url(self, sender: str) -> str:
        return f"{self.base_url}/conversations/{quote(sender, safe=':@+')}/tracker/events"

    def _api_params(self) -> dict[str, str]:
        params = {"include_events": "NONE"}
        if self.token:
            params["token"] = self.token
        return params

    async def _call(
        self,
        method: str,
        url: str,
        body: Any,
        params: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> bytes:
        """One exchange within `timeout` (the client's by default): the answer's body, or
        an aiohttp error for any status but 2xx, or a TimeoutError."""
        headers = {TOKEN_HEADER: self.token} if self.token else {}
        request_id = current_log_context().get("request_id")
        if request_id:  # nginx logs the hub's call under the customer's request's id
            headers[REQUEST_ID_HEADER] = request_id
        options: dict[str, Any] = {"params": params, "headers": headers}
        if body is not None:
            options["json"] = body
        if timeout is not None:
            options["timeout"] = aiohttp.ClientTimeout(total=timeout)
        if self._session is not None:
            return await _exchange(self._session, method, url, options)
        # Outside a lifespan (a script, a test): one short-lived session.
        async with self._new_session() as session:
            return await _exchange(session, method, url, options)


async def _exchange(
    session: aiohttp.ClientSession, method: str, url: str, options: dict[str, Any]
) -> bytes:
    async with session.request(method, url, raise_for_status=True, **options) as response:
        return await response.read()
