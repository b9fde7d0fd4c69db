"""A request id on every HTTP request and WebSocket: the caller's X-Request-ID when it is a
plain short token (a proxy's, nginx's $request_id), else a new one; echoed in the response's
X-Request-ID header and bound to every log line of the request (ops/logs.py). A plain ASGI
middleware, so that uvicorn's access line, logged while the response starts, carries it too.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ops.logs import log_context

HEADER = b"x-request-id"
_ACCEPTED = re.compile(rb"[A-Za-z0-9._-]{8,64}")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def request_id(headers: list[tuple[bytes, bytes]]) -> str:
    """The caller's id when acceptable (it is echoed, so it must not carry anything), else new."""
    given = next((value for name, value in headers if name.lower() == HEADER), None)
    if given is not None and _ACCEPTED.fullmatch(given):
        return given.decode("ascii")
    return uuid.uuid4().hex


class RequestIds:
    """The ASGI middleware (see the module's docstring)."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        rid = request_id(scope.get("headers") or [])

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(n, v) for n, v in message.get("headers") or [] if n.lower() != HEADER]
                message["headers"] = [*headers, (HEADER, rid.encode("ascii"))]
            await send(message)

        with log_context(request=True, request_id=rid, request_started=time.perf_counter()):
            await self.app(scope, receive, send_with_id)
