"""HTTP helpers shared by every web route (channels' webhooks, the widget's REST side, the
backoffice): the error answer, capped body reads, the widget's client id and static assets,
written once."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from fastapi import HTTPException, Request
from fastapi.responses import FileResponse
from starlette.requests import ClientDisconnect, HTTPConnection

from core import i18n
from hub.limits import CustomerOverLimit, refusal_text

MAX_FORM_BYTES = 8 * 1024  # a staff or widget form, unless a form of long texts says more
CORS = {"Access-Control-Allow-Origin": "*"}  # the widget is embedded on dealers' sites
# A socket closed because live events may have been missed (hub.ports.SubscriptionLost):
# "service restart", the client reconnects and reads the state again.
RESYNC_CLOSE = 1012


def http_error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> HTTPException:
    """A refused request; the app renders it as {"error": {"code", "message"}}."""
    return HTTPException(status, detail={"code": code, "message": message}, headers=headers)


def _too_large(limit: int, what: str) -> HTTPException:
    return http_error(413, "payload_too_large", f"the {what} is larger than {limit} bytes")


async def read_capped(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it grows past `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit, "body")
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise _too_large(limit, "body")
    except ClientDisconnect:  # gone before its body arrived: nothing was read, nothing stored
        raise http_error(400, "client_disconnected", "the request body did not arrive") from None
    return bytes(body)


async def form_fields(request: Request, max_bytes: int = MAX_FORM_BYTES) -> dict[str, str]:
    """The fields of an urlencoded form body (first value of each), capped at 8 KiB unless a
    form of long texts says otherwise (`max_bytes`). The body is kept by the request, so a
    second call (the CSRF check, then the route) reads the same fields."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return {}
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes, "form")
    body = await request.body()
    if len(body) > max_bytes:
        raise _too_large(max_bytes, "form")
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: values[0] for name, values in parsed.items() if values}


def widget_client_id(value: str | None) -> str | None:
    """The widget's client id as a canonical UUID string, or None when it is not one."""
    if not value or len(value) > 40:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def static_asset(directory: Path, name: str, media_type: str) -> FileResponse:
    """A script or style sheet of the widget, revalidated on every load."""
    return FileResponse(
        directory / name, media_type=media_type, headers={"Cache-Control": "no-cache"}
    )


def client_ip(connection: HTTPConnection) -> str | None:
    """The client's address (the TCP peer's, or a trusted proxy's X-Forwarded-For)."""
    return connection.client.host if connection.client else None


def origin_allowed(connection: HTTPConnection, allowed: frozenset[str]) -> bool:
    """Whether a browser request may change state: no Origin (not a browser's cross-site
    request: a script can set anything, Origin proves nothing), the app's own origin
    (its URL, or PITLANE_PUBLIC_BASE_URL) or one of `allowed` (PITLANE_WIDGET_ORIGINS).
    The opaque origin "null" (sandboxed frames, some redirects) is refused."""
    origin = connection.headers.get("origin")
    if origin is None:
        return True
    origin = origin.strip().rstrip("/").lower()
    own = {f"{connection.url.scheme}://{connection.url.netloc}".lower()}
    base = getattr(connection.app.state.settings, "public_base_url", None)
    if base:
        parsed = urlsplit(base)
        own.add(f"{parsed.scheme}://{parsed.netloc}".lower())
    return origin in own or origin in allowed


def check_origin(connection: HTTPConnection, language: str | None) -> None:
    """403 `forbidden_origin` (in the visitor's language) for a browser request from a site
    that is neither the app nor one of PITLANE_WIDGET_ORIGINS."""
    allowed = connection.app.state.settings.widget_origin_list
    if not origin_allowed(connection, allowed):
        message = i18n.text("hub", "forbidden_origin", language)
        raise http_error(403, "forbidden_origin", message, headers=CORS)


def over_limit_error(over: CustomerOverLimit, language: str | None) -> HTTPException:
    """429 with Retry-After and why, in the customer's language: nothing was done."""
    headers = {**CORS, "Retry-After": str(over.retry_after_seconds)}
    return http_error(429, "rate_limited", refusal_text(over, language), headers=headers)
