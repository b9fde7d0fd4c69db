"""Refuse JSON bodies holding text the database cannot store (a lone surrogate such as JSON's
"\\ud800") before any route sees them: one check for the REST webhook, the staff JSON API and
every other JSON route. The WebSocket frames are checked by their sockets (same function)."""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.unicode_text import INVALID_TEXT, all_encodable

# UTF-8 cannot hold a surrogate, so in a JSON body one can only be written as an escape
# (\uD800-\uDFFF): a body without such an escape is not parsed here at all.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
MAX_CHECKED_BYTES = 1024 * 1024  # larger bodies pass unchecked: every route caps far lower
# Telegram retries an update answered 4xx: its handler refuses the text in the chat instead.
_UNCHECKED_PATHS = ("/webhooks/telegram",)
_REFUSAL = json.dumps(
    {"error": {"code": INVALID_TEXT, "message": "the body holds invalid Unicode (lone surrogate)"}}
).encode()


class JsonTextGuard:
    """ASGI middleware: a JSON body with a string UTF-8 cannot encode is answered 400."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not _is_json(scope)
            or scope["path"].startswith(_UNCHECKED_PATHS)
        ):
            await self.app(scope, receive, send)
            return
        body, more, disconnected = bytearray(), True, False
        while more and len(body) <= MAX_CHECKED_BYTES:
            message = await receive()
            if message["type"] == "http.disconnect":
                disconnected = True
                break
            body += message.get("body", b"")
            more = message.get("more_body", False)
        if not more and not disconnected and not _valid(bytes(body)):
            await _refuse(send)
            return
        await self.app(scope, _replay(bytes(body), more, disconnected, receive), send)


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            kind = value.split(b";")[0].strip().lower()
            return kind == b"application/json" or kind.endswith(b"+json")
    return False


def _valid(body: bytes) -> bool:
    """False only for well-formed JSON holding an unencodable string; malformed JSON is
    left to the route, which answers it in its own words."""
    if _SURROGATE_ESCAPE.search(body) is None:  # most bodies: no escape, nothing to parse
        return True
    try:
        return all_encodable(json.loads(body))
    except (ValueError, RecursionError):
        return True


def _replay(body: bytes, more: bool, disconnected: bool, receive: Receive) -> Receive:
    """A receive that gives the body read so far, then the rest of the request."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": more}]
    if disconnected:
        pending.append({"type": "http.disconnect"})

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


async def _refuse(send: Send) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(_REFUSAL)).encode()),
    ]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": _REFUSAL})
