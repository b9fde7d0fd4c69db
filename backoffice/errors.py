"""Every error the web app answers has one JSON shape: {"error": {"code", "message"}}, except
for a browser on a staff page (/staff/..., Accept: text/html), which gets the staff error
page instead: a person reads it, not a script."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from backoffice.texts import page_language, texts
from backoffice.views import PageDenied, html, page_denied_answer
from core.errors import (
    AdvisorFull,
    AlreadyOpen,
    AlreadyTaken,
    BannedFromRoom,
    CapacityBelowMembers,
    Conflict,
    Forbidden,
    InvalidCredentials,
    InvalidTransition,
    InvalidValue,
    NoAdvisorAvailable,
    NotFound,
    NotRoomMember,
    PitlaneError,
    RateLimited,
    RoomClosed,
    RoomFull,
    SlotTaken,
    SlotUnavailable,
    StaleVersion,
    TooManyAttempts,
)
from hub.work import StoreUnavailable

log = logging.getLogger(__name__)

# Domain errors -> HTTP status, in one place (most specific first).
_DOMAIN_STATUS: list[tuple[type[PitlaneError], int]] = [
    (NotFound, 404),
    (InvalidValue, 422),
    (SlotTaken, 409),
    (SlotUnavailable, 409),
    (InvalidCredentials, 401),
    (Forbidden, 403),
    (AlreadyTaken, 409),
    (AdvisorFull, 409),
    (InvalidTransition, 409),
    (AlreadyOpen, 409),
    (Conflict, 409),
    (NoAdvisorAvailable, 409),
    (TooManyAttempts, 429),
    # chat rooms (docs/rooms.md)
    (RoomFull, 409),
    (RoomClosed, 409),
    (CapacityBelowMembers, 409),
    (BannedFromRoom, 403),
    (NotRoomMember, 403),
    (RateLimited, 429),
    # repair jobs (issue 16): someone changed the job meanwhile
    (StaleVersion, 409),
]

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}


def domain_status(exc: PitlaneError) -> int:
    """The HTTP status of a domain error (400 when it has no better one)."""
    return next((s for kind, s in _DOMAIN_STATUS if isinstance(exc, kind)), 400)


def domain_extra(exc: PitlaneError) -> dict[str, Any]:
    """What a client needs to act on a repair job's refusal (issue 16): the statuses it may
    go to, or the version and status someone else left it at."""
    if isinstance(exc, InvalidTransition) and exc.allowed:
        return {"allowed": list(exc.allowed)}
    if isinstance(exc, StaleVersion):
        changed_at = exc.changed_at.isoformat() if exc.changed_at else None
        return {
            "expected": exc.expected,
            "current": exc.current,
            "status": exc.status,
            "changed_by": exc.changed_by,
            "changed_at": changed_at,
        }
    return {}


def domain_headers(exc: PitlaneError) -> dict[str, str] | None:
    """Headers a domain error implies: Retry-After for a rate limit."""
    if isinstance(exc, (TooManyAttempts, RateLimited)):
        return {"Retry-After": str(max(1, int(exc.retry_after_seconds)))}
    return None


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def wants_staff_page(request: Request) -> bool:
    """A browser asking for a staff page (not the JSON API, not a script)."""
    accept = request.headers.get("accept", "")
    return request.url.path.startswith("/staff/") and "text/html" in accept


def staff_error_page(
    request: Request, status: int, headers: dict[str, str] | None = None
) -> HTMLResponse:
    """The staff error page for `status`, in the browser's language."""
    lang = page_language(request.headers.get("accept-language"))
    t = texts(lang)
    kind = status if status in (403, 404, 405, 422, 429) else (500 if status >= 500 else 400)
    title, message = t[f"http_{kind}_title"], t[f"http_{kind}"]
    return html("error.html", status, headers, lang=lang, t=t, title=title, message=message)


def _answer(
    request: Request,
    status: int,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> Response:
    if wants_staff_page(request):
        return staff_error_page(request, status, headers)
    return JSONResponse(body, status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into JSON answers (never an HTML 500)."""
    app.add_exception_handler(PageDenied, page_denied_answer)

    @app.exception_handler(PitlaneError)
    async def _domain_error(request: Request, exc: PitlaneError) -> Response:
        body = error_body(exc.code, exc.message, **domain_extra(exc))
        return _answer(request, domain_status(exc), body, domain_headers(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
        details = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")}
            for e in exc.errors()
        ]
        first = details[0] if details else {"field": "", "problem": "invalid"}
        message = f"invalid {first['field'] or 'request'}: {first['problem']}"
        return _answer(request, 422, error_body("invalid_request", message, details=details))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail
        if isinstance(detail, dict) and {"code", "message"} <= detail.keys():
            body = error_body(str(detail["code"]), str(detail["message"]))
        else:
            code = _HTTP_CODES.get(exc.status_code, "http_error")
            body = error_body(code, str(detail))
        return _answer(request, exc.status_code, body, exc.headers)

    @app.exception_handler(StoreUnavailable)
    async def _store_down(request: Request, exc: StoreUnavailable) -> Response:
        message = "the message store is unavailable, please retry"
        return _answer(request, 503, error_body("store_unavailable", message))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _answer(request, 500, error_body("internal_error", "unexpected error"))
