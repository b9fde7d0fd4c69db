"""Web adapters of the hub: Rasa-compatible REST webhook, widget WebSocket, widget files.

REST customers get no push: what an advisor (or the hub) sends them out of turn comes first
in the reply to their next message, in Rasa's REST format; an advisor's message carries an
extra `author` key (their name). While a REST customer talks with an advisor, the reply to
their own message holds nothing else (often an empty list): their message went to the
advisor.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from contextlib import suppress
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, StrictStr, ValidationError
from starlette.websockets import WebSocketDisconnect, WebSocketState

from channels.http import (
    CORS,
    RESYNC_CLOSE,
    check_origin,
    client_ip,
    http_error,
    over_limit_error,
    read_capped,
    static_asset,
)
from channels.widget_auth import authenticate_socket
from hub.inbound import (
    MAX_EXTERNAL_ID,
    HubDeps,
    StoreUnavailable,
    check_text,
    clean_text,
    handle_customer_message,
    open_conversation,
    valid_external_id,
)
from hub.limits import CustomerOverLimit, count_customer_action, refusal_text
from hub.messages import OutgoingMessage
from hub.ports import Subscription, SubscriptionLost
from hub.texts import normalise_language, say
from hub.topics import conversation_topic
from hub.typing_signals import TYPING, customer_typing, typing_state

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
# Leaflet (the widget's agency map), installed by `npm ci` (package-lock.json); the app
# serves it at LEAFLET_URL when it is there, the widget shows a plain list otherwise.
LEAFLET_DIR = Path(__file__).resolve().parents[1] / "node_modules" / "leaflet" / "dist"
LEAFLET_URL = "/vendor/leaflet"
MAX_BODY_BYTES = 16 * 1024  # a REST request, read before parsing
MAX_FRAME_CHARS = 16 * 1024  # a WebSocket text frame

router = APIRouter(tags=["channels"])


class RestMessageIn(BaseModel):
    """Rasa's REST channel request."""

    model_config = ConfigDict(strict=True)
    sender: StrictStr
    message: StrictStr
    metadata: dict[str, Any] | None = None


# English, for the developers of REST clients: the widget talks over the WebSocket, whose
# refusals are the hub's texts in the visitor's language (say).
_API_TEXT = {
    "invalid_text": "message holds invalid Unicode (a lone surrogate)",
    "empty_message": "message is empty",
    "message_too_long": "message is longer than 2000 characters",
}


@router.post(
    "/webhooks/rest/webhook",
    summary="Rasa REST channel, through the hub",
    description=(
        "Rasa's REST channel format. Messages sent out of turn (an advisor's replies, "
        "handoff notices) cannot be pushed to a REST client: they come first in the reply "
        "to its next message, an advisor's message with an extra `author` key. While an "
        "advisor holds the conversation, the customer's message goes to the advisor and the "
        "reply holds nothing else (often an empty list)."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": RestMessageIn.model_json_schema()}},
        }
    },
)
async def post_rest_message(request: Request) -> list[dict[str, Any]]:
    """Store and answer one message in Rasa's REST format (channel 'rest', id = the caller's
    name and its sender: "<name>:<sender>")."""
    client = rest_client(request)
    check_origin(request, None)  # a browser's page of another site (text/plain: no preflight)
    body = await read_capped(request, MAX_BODY_BYTES)
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise http_error(400, "invalid_json", "the body is not valid JSON") from None
    try:
        incoming = RestMessageIn.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "body"
        raise http_error(422, "invalid_request", f"invalid {field}: {first['msg']}") from None
    external_id = f"{client}:{incoming.sender}"
    if not valid_external_id(incoming.sender) or not valid_external_id(external_id):
        longest = MAX_EXTERNAL_ID - len(client) - 1
        message = f"sender must be 1-{longest} letters, digits or . _ : @ + -"
        raise http_error(422, "invalid_sender", message)
    problem = check_text(clean_text(incoming.message))
    if problem is not None:
        raise http_error(422, problem, _API_TEXT[problem])
    metadata = {
        "language": (incoming.metadata or {}).get("language"),
        "location": (incoming.metadata or {}).get("location"),  # checked by the hub
        "client_ip": client_ip(request),  # after trusted proxies
    }
    hub: HubDeps = request.app.state.hub
    language = normalise_language(metadata["language"])
    try:  # over the limit: not stored, not sent to Rasa; the client sends it again later
        await count_customer_action(hub, "message", "rest", external_id, client_ip(request))
    except CustomerOverLimit as over:
        raise over_limit_error(over, language) from None
    answers = await handle_customer_message(hub, "rest", external_id, incoming.message, metadata)
    return [answer.to_rest(incoming.sender) for answer in answers]


def rest_client(request: Request) -> str:
    """The integration calling the REST webhook, by its bearer token (constant-time match);
    403 when the webhook is off, 401 without a known token."""
    clients: dict[str, str] = request.app.state.settings.rest_webhook_clients
    if not clients:
        message = "the REST webhook is off (no PITLANE_REST_WEBHOOK_TOKENS)"
        raise http_error(403, "rest_webhook_off", message)
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    found = None
    for token, name in clients.items():  # every token compared: no early exit to time
        if hmac.compare_digest(given.strip().encode(), token.encode()):
            found = name
    if scheme.lower() != "bearer" or found is None:
        challenge = {"WWW-Authenticate": "Bearer"}
        raise http_error(401, "unauthorized", "a REST webhook token is required", challenge)
    return found


# The widget's script itself (/widget.js, the built files, the embed tag): widget_files.py.
@router.get("/widget.css", include_in_schema=False)
async def get_widget_style() -> FileResponse:
    return _widget_asset("widget.css", "text/css; charset=utf-8")


@router.get("/widget-map.js", include_in_schema=False)
async def get_widget_map_script() -> FileResponse:
    return _widget_asset("widget-map.js", "text/javascript; charset=utf-8")


@router.get("/widget/map-config", include_in_schema=False)
async def get_widget_map_config(request: Request) -> JSONResponse:
    """Where the widget's map takes its tiles, and Leaflet when it is installed."""
    settings = request.app.state.settings
    body = {
        "tiles_url": settings.map_tiles_url,
        "attribution": settings.map_tiles_attribution,
        "leaflet": LEAFLET_URL if (LEAFLET_DIR / "leaflet.js").is_file() else None,
    }
    return JSONResponse(body, headers={**CORS, "Cache-Control": "no-cache"})


@router.websocket("/ws/chat")
async def chat_socket(websocket: WebSocket) -> None:
    """The widget's conversation: the first frame authenticates (`{"type": "auth", "token"}`),
    then history, message frames in, bot frames out, and, while connected, what is sent out of
    turn (advisor messages, handoff notices); typing frames (`{"type": "typing", "state"}`)
    both ways during a human chat (hub/typing_signals.py)."""
    await websocket.accept()
    socket = _Socket(websocket)
    language = normalise_language(websocket.query_params.get("lang"))
    customer_key = await authenticate_socket(websocket, language)
    if customer_key is None:
        return
    hub: HubDeps = websocket.app.state.hub
    try:
        conversation_id, _ = await open_conversation(hub, "web", customer_key, language)
        async with hub.bus.subscribe(conversation_topic(conversation_id)) as events:
            # Read once subscribed: a message sent meanwhile is in the history or the events
            # (or both: the events up to the history's last message are skipped).
            _, history = await open_conversation(hub, "web", customer_key, language)
            await socket.send(
                {"type": "history", "messages": [widget_frame(e.role, e.message) for e in history]}
            )
            shown = max((e.message_id for e in history), default=0)
            pushing = asyncio.create_task(_push(events, socket, shown))
            try:
                await _converse(socket, hub, customer_key, language, conversation_id)
            finally:
                pushing.cancel()
                with suppress(asyncio.CancelledError):
                    await pushing
    except WebSocketDisconnect:
        return
    except StoreUnavailable:
        await socket.error("unavailable", say("assistant_unavailable", language))
        await websocket.close(code=1011)


async def _converse(
    socket: _Socket, hub: HubDeps, customer_key: str, language: str | None, conversation_id: int
) -> None:
    """Answer the customer's message frames until the widget goes away; pass their typing
    frames on to the advisor holding the conversation (never answered)."""
    while True:
        event = await socket.websocket.receive()
        if event["type"] == "websocket.disconnect":
            return
        state = _typing_frame_state(event)
        if state is not None:
            await customer_typing(hub, conversation_id, state)
            continue
        text = _message_text(event, language)
        if isinstance(text, dict):
            await socket.send(text)
            continue
        await _answer(socket, hub, customer_key, text, language, _frame_location(event))


async def _push(events: Subscription, socket: _Socket, shown: int = 0) -> None:
    """Forward the conversation's live events (bot notices, advisor messages, the advisor's
    typing) as frames, except those already in the history sent (message ids up to
    `shown`). When events may have been lost, the socket is closed: the widget reconnects
    and gets the history."""
    try:
        async for event in events:
            if event.get("type") not in ("bot", "advisor", TYPING):
                continue
            if isinstance(event.get("message_id"), int) and event["message_id"] <= shown:
                continue
            try:
                await socket.send(event)
            except Exception:  # the socket is gone: the receive loop ends the connection
                return
    except SubscriptionLost:
        with suppress(Exception):  # already closed by the widget
            await socket.websocket.close(code=RESYNC_CLOSE)


async def _answer(
    socket: _Socket,
    hub: HubDeps,
    customer_key: str,
    text: str,
    language: str | None,
    location: object = None,
) -> None:
    ip = client_ip(socket.websocket)  # after trusted proxies
    metadata = {"language": language, "location": location, "client_ip": ip}  # place: checked
    try:  # over the limit: not stored, not sent to Rasa; the frame says to send it again
        await count_customer_action(hub, "message", "web", customer_key, ip)
    except CustomerOverLimit as over:
        frame = _error("rate_limited", refusal_text(over, language))
        await socket.send({**frame, "retry_after": over.retry_after_seconds})
        return
    except StoreUnavailable:
        await socket.error("unavailable", say("assistant_unavailable", language))
        return
    try:
        answers = await handle_customer_message(hub, "web", customer_key, text, metadata)
    except StoreUnavailable:
        await socket.error("unavailable", say("assistant_unavailable", language))
        return
    except Exception:  # a bug must not cut the customer off: log it, say so, keep the socket
        log.exception("web chat message failed")  # the conversation id is in the line
        await socket.error("internal_error", say("assistant_unavailable", language))
        return
    for answer in answers:
        await socket.send(widget_frame("advisor" if answer.author else "bot", answer))
    await socket.send({"type": "done"})


class _Socket:
    """The widget's socket, written by the answer loop and the live push one at a time."""

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self._lock = asyncio.Lock()

    async def send(self, frame: dict[str, Any]) -> None:
        async with self._lock:
            await self.websocket.send_json(frame)

    async def error(self, code: str, message: str) -> None:
        if self.websocket.application_state == WebSocketState.CONNECTED:
            await self.send(_error(code, message))


def _message_text(event: dict[str, Any], language: str | None) -> str | dict[str, Any]:
    """The text of a `{"type": "message", "text": ...}` frame, or the error frame to send."""
    raw = event.get("text")
    if raw is None:
        return _error("binary_frame", "send JSON text frames")
    if len(raw) > MAX_FRAME_CHARS:
        return _error("frame_too_large", say("message_too_long", language))
    try:
        frame = json.loads(raw)
    except (ValueError, RecursionError):
        return _error("invalid_json", "the frame is not valid JSON")
    if not isinstance(frame, dict) or frame.get("type") != "message":
        return _error("invalid_frame", 'expected {"type": "message", "text": "..."}')
    if not isinstance(frame.get("text"), str):
        return _error("invalid_frame", "text must be a string")
    text = clean_text(frame["text"])
    problem = check_text(text)
    return _error(problem, say(problem, language)) if problem else text


def _typing_frame_state(event: dict[str, Any]) -> str | None:
    """The state of a small `{"type": "typing", "state": "on"|"off"}` frame, else None."""
    raw = event.get("text")
    if raw is None or len(raw) > 256:
        return None
    try:
        return typing_state(json.loads(raw))
    except (ValueError, RecursionError):
        return None


def _frame_location(event: dict[str, Any]) -> object:
    """The place a message frame shares (the widget's geolocation), unchecked: `metadata`
    `{"location": {"latitude", "longitude"}}` of an already validated frame."""
    frame = json.loads(event["text"])
    metadata = frame.get("metadata")
    return metadata.get("location") if isinstance(metadata, dict) else None


def widget_frame(role: str, message: OutgoingMessage) -> dict[str, Any]:
    """A widget frame: type 'bot', 'advisor' (with `author`) or 'user'."""
    frame = message.to_rest("")
    del frame["recipient_id"]
    return {"type": role if role in ("bot", "advisor") else "user", **frame}


def _error(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message}


def _widget_asset(name: str, media_type: str) -> FileResponse:
    return static_asset(STATIC_DIR, name, media_type)
