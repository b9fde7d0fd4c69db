"""`GET /metrics` for Prometheus (bearer PITLANE_METRICS_TOKEN; 404 while unset) and the ASGI
middleware counting HTTP answers and open sockets and streams (ops/metrics.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.handoff_queue import pending_queue
from core.uow import UnitOfWork, engines
from ops import metrics
from ops.metrics_access import METRICS_PATH, metrics_refusal
from ops.metrics_collectors import HandoffQueueCollector, PoolCollector

router = APIRouter(tags=["operations"])

# Long-lived connections, by path: the widget's and the console's sockets, the rooms' socket,
# the widget's notification stream (SSE).
CONNECTION_KINDS = {
    "/ws/chat": "widget_socket",
    "/ws/console": "console_socket",
    "/ws/rooms": "rooms_socket",
    "/api/widget/notifications/stream": "notification_stream",
}
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def app_collectors(uow_factory: Callable[[], UnitOfWork]) -> list[Any]:
    """What the app reads at scrape time: the handoff queue and the database pools."""

    def waiting_since() -> list[datetime]:
        return [view.created_at for view in pending_queue(uow_factory())]

    return [HandoffQueueCollector(waiting_since), PoolCollector(engines)]


@router.get(METRICS_PATH, include_in_schema=False)
async def get_metrics(request: Request) -> Response:
    """The metrics in Prometheus's text format, for a bearer of PITLANE_METRICS_TOKEN."""
    token = request.app.state.settings.metrics_token
    refused = metrics_refusal(request.headers.get("authorization"), token)
    if refused is not None:
        status, error = refused
        return JSONResponse({"error": error}, status_code=status)
    collectors = request.app.state.metrics_collectors
    body, content_type = await anyio.to_thread.run_sync(metrics.exposition, collectors)
    return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})


class MetricsMiddleware:
    """Counts every HTTP answer by method and status class, times it, and keeps the gauge of
    open sockets and streams (pure ASGI: a stream is counted until it ends)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        kind = CONNECTION_KINDS.get(scope.get("path", ""))
        gauge = metrics.CONNECTIONS_OPEN.labels(kind) if kind else None
        if gauge is not None:
            gauge.inc()
        try:
            if scope["type"] == "http":
                await self._http(scope, receive, send)
            else:
                await self.app(scope, receive, send)
        finally:
            if gauge is not None:
                gauge.dec()

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started, status = time.perf_counter(), 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            method = scope.get("method", "")
            method = method if method in METHODS else metrics.OTHER
            metrics.HTTP_REQUESTS.labels(method, f"{status // 100}xx").inc()
            metrics.HTTP_DURATION.observe(time.perf_counter() - started)
