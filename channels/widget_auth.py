"""The widget's credential over HTTP and WebSocket (core/widget_credentials.py).

`POST /api/widget/session` issues a token (JSON `{"token", "new"}`): with
`Authorization: Bearer <token>` still valid it answers the same token (`new`: false); else a
new identity, or, once per old browser, the conversation of the UUID the old widget made up
(`{"legacy_client_id": "<uuid>"}` in a JSON body, while PITLANE_WIDGET_LEGACY_UPGRADE is on).
`DELETE /api/widget/session` revokes the Bearer token ("forget this device"): from then on it
opens no socket, gets no stream ticket and reaches no route.
HTTP routes take the token as `Authorization: Bearer` (`WidgetCustomer`); a WebSocket takes it
in its first frame, `{"type": "auth", "token": "..."}` (`authenticate_socket`). Nothing puts
the token in a URL, so no access log line holds it.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, WebSocket
from fastapi.responses import JSONResponse, Response
from starlette.websockets import WebSocketDisconnect

from channels.http import (
    CORS,
    client_ip,
    http_error,
    over_limit_error,
    read_capped,
    widget_client_id,
)
from core import i18n
from core import widget_credentials as credentials
from hub.deps import HubDeps
from hub.limits import CustomerOverLimit, count_customer_action
from hub.texts import normalise_language
from hub.work import off_loop

router = APIRouter(tags=["channels"])

MAX_BODY_BYTES = 1024
AUTH_SECONDS = 5.0  # a socket that does not authenticate in time is closed
# WebSocket close codes (4000-4999 are the application's): 4400 the first frame is not an
# auth frame, 4401 the token is not valid, 4408 no auth frame in time.
CLOSE_BAD_FRAME, CLOSE_UNAUTHORIZED, CLOSE_TIMEOUT = 4400, 4401, 4408
PREFLIGHT = {
    **CORS,
    "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, Last-Event-ID",
    "Access-Control-Max-Age": "600",
}


def auth_text(key: str, language: str | None) -> str:
    """A refusal of the widget's credential, in the visitor's language."""
    return i18n.text("widget_auth", key, language)


def request_language(request: Request) -> str | None:
    return normalise_language(request.query_params.get("lang")) or normalise_language(
        request.headers.get("accept-language", "")
    )


def bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


async def widget_customer(request: Request) -> str:
    """The customer key of the request's Bearer token; 401 when absent or not valid."""
    hub: HubDeps = request.app.state.hub
    token = bearer(request)
    found = await off_loop(lambda: credentials.verify(hub.uow_factory(), token, hub.now()))
    if found is None:
        code = "token_required" if token is None else "invalid_token"
        headers = {**CORS, "WWW-Authenticate": "Bearer"}
        raise http_error(401, code, auth_text(code, request_language(request)), headers)
    return found


WidgetCustomer = Annotated[str, Depends(widget_customer)]


@router.options("/api/widget/{path:path}", include_in_schema=False)
@router.options("/api/chat/upload", include_in_schema=False)
async def preflight_widget(request: Request) -> Response:
    """CORS preflight of the widget's calls from a dealer's site (Authorization header)."""
    return Response(status_code=204, headers=PREFLIGHT)


@router.post("/api/widget/session", summary="Issue or confirm the widget's credential")
async def post_widget_session(request: Request) -> JSONResponse:
    """A token for the widget: the same one while valid, else a new identity (or, once, the
    old widget's conversation named by `legacy_client_id`)."""
    hub: HubDeps = request.app.state.hub
    token = bearer(request)
    if token is not None:
        known = await off_loop(lambda: credentials.verify(hub.uow_factory(), token, hub.now()))
        if known is not None:
            return JSONResponse({"token": token, "new": False}, headers=CORS)
    legacy = _legacy_client_id(await read_capped(request, MAX_BODY_BYTES), request)
    try:  # a new identity is a row: per IP, like every anonymous write
        await count_customer_action(hub, "session", "web", None, client_ip(request))
    except CustomerOverLimit as over:
        raise over_limit_error(over, request_language(request)) from None
    if legacy is not None and request.app.state.settings.widget_legacy_upgrade:
        identity = await off_loop(
            lambda: credentials.upgrade_legacy(hub.uow_factory(), legacy, hub.now())
        )
    else:
        identity = await off_loop(lambda: credentials.issue(hub.uow_factory(), hub.now()))
    body = {"token": identity.token, "new": True, "upgraded": identity.upgraded}
    return JSONResponse(body, status_code=201, headers=CORS)


@router.delete(
    "/api/widget/session",
    status_code=204,
    summary="Revoke the widget's credential (forget this device)",
    responses={401: {"description": "no token, or not valid (already revoked, unknown)"}},
)
async def delete_widget_session(request: Request) -> Response:
    """Revoke the Bearer token for good; the widget then asks for a new identity. 401
    `token_required` / `invalid_token` when there is none to revoke."""
    hub: HubDeps = request.app.state.hub
    token = bearer(request)
    revoked = token is not None and await off_loop(
        lambda: credentials.revoke(hub.uow_factory(), token, hub.now())
    )
    if not revoked:
        code = "token_required" if token is None else "invalid_token"
        headers = {**CORS, "WWW-Authenticate": "Bearer"}
        raise http_error(401, code, auth_text(code, request_language(request)), headers)
    return Response(status_code=204, headers=CORS)


def _legacy_client_id(body: bytes, request: Request) -> str | None:
    """The body's `legacy_client_id` as a canonical UUID; None for an empty body; 422 else."""
    if not body.strip():
        return None
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise http_error(400, "invalid_json", "the body is not valid JSON", CORS) from None
    if not isinstance(data, dict):
        raise http_error(422, "invalid_request", "the body is a JSON object", CORS)
    value = data.get("legacy_client_id")
    if value is None:
        return None
    legacy = widget_client_id(value) if isinstance(value, str) else None
    if legacy is None:
        message = auth_text("invalid_legacy_id", request_language(request))
        raise http_error(422, "invalid_legacy_client_id", message, CORS)
    return legacy


async def authenticate_socket(websocket: WebSocket, language: str | None) -> str | None:
    """The customer key from the socket's first frame `{"type": "auth", "token"}`; None after
    an error frame and a close (bad frame 4400, bad token 4401, nothing in time 4408)."""
    hub: HubDeps = websocket.app.state.hub
    seconds = float(websocket.app.state.settings.widget_auth_seconds)
    try:
        event = await asyncio.wait_for(websocket.receive(), seconds)
    except asyncio.TimeoutError:
        return await _refuse(websocket, CLOSE_TIMEOUT, "auth_timeout", language)
    if event["type"] == "websocket.disconnect":
        return None
    frame = _json_frame(event)
    if frame is None or frame.get("type") != "auth" or not isinstance(frame.get("token"), str):
        return await _refuse(websocket, CLOSE_BAD_FRAME, "auth_required", language)
    token = frame["token"]
    found = await off_loop(lambda: credentials.verify(hub.uow_factory(), token, hub.now()))
    if found is None:
        return await _refuse(websocket, CLOSE_UNAUTHORIZED, "invalid_token", language)
    return found


def _json_frame(event: dict[str, Any]) -> dict[str, Any] | None:
    raw = event.get("text")
    if raw is None or len(raw) > MAX_BODY_BYTES:
        return None
    try:
        frame = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return frame if isinstance(frame, dict) else None


async def _refuse(websocket: WebSocket, close_code: int, code: str, language: str | None) -> None:
    try:
        frame = {"type": "error", "code": code, "message": auth_text(code, language)}
        await websocket.send_json(frame)
        await websocket.close(code=close_code)
    except (WebSocketDisconnect, RuntimeError):  # the widget went away first
        pass
    return None
