"""Staff authentication for the web app: the session cookie, CSRF, and the role checks.

A staff session lives in the database (core/staff.py); the browser only holds its random
token in the `pitlane_staff` cookie (HttpOnly, SameSite=Lax, Secure behind HTTPS or in
production). Every state-changing request made with that cookie must also carry the
session's CSRF token, in the `X-CSRF-Token` header or a `csrf_token` form field. The login
form, which has no session yet, uses a double-submit cookie instead.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response
from starlette.requests import HTTPConnection

from backoffice.api.deps import Core, CoreDep
from channels.http import form_fields
from channels.http import http_error as api_error
from core import staff as staff_core
from core.staff import SESSION_TTL, StaffView

COOKIE = "pitlane_staff"
LOGIN_CSRF_COOKIE = "pitlane_login_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class StaffSession:
    """The signed-in staff user, their session token and its CSRF token."""

    staff: StaffView
    token: str
    csrf_token: str


def same_secret(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a submitted secret with the expected one."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def secure_cookies(connection: HTTPConnection) -> bool:
    """Secure cookies behind HTTPS, and always in production (TLS ends at a proxy there)."""
    production = connection.app.state.settings.env == "production"
    return production or connection.url.scheme in ("https", "wss")


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(SESSION_TTL.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="lax", secure=secure_cookies(request)
    )


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def set_login_csrf(response: Response, request: Request, token: str) -> None:
    """The sign-in form's pre-session CSRF token, as the cookie the form must echo."""
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        path="/staff/login",
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
    )


def clear_login_csrf(response: Response, request: Request) -> None:
    response.delete_cookie(
        LOGIN_CSRF_COOKIE,
        path="/staff/login",
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
    )


def client_ip(connection: HTTPConnection) -> str:
    """The caller's address: the TCP peer, or X-Forwarded-For when the peer is one of
    PITLANE_TRUSTED_PROXIES (webapp/main.py)."""
    return connection.client.host if connection.client else "unknown"


async def read_session(connection: HTTPConnection, core: Core) -> StaffSession | None:
    """The live staff session of the request's cookie, or None."""
    token = connection.cookies.get(COOKIE, "")
    if not token or len(token) > 200:
        return None
    found = await core.run(staff_core.session_staff, token, core.now())
    if found is None:
        return None
    staff, csrf = found
    return StaffSession(staff=staff, token=token, csrf_token=csrf)


def needs_totp_enrolment(connection: HTTPConnection, staff: StaffView) -> bool:
    """An admin without TOTP while it is required (PITLANE_STAFF_TOTP_REQUIRED, production):
    sent to /staff/account/totp before anything else."""
    settings = connection.app.state.settings
    required = getattr(settings, "totp_required_for_admins", settings.env == "production")
    return required and staff.role == "admin" and not staff.totp_enabled


async def csrf_valid(request: Request, session: StaffSession) -> bool:
    """The request carries the session's CSRF token (header, else form field)."""
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        given = (await form_fields(request)).get(CSRF_FIELD)
    return same_secret(given, session.csrf_token)


async def current_session(request: Request, core: CoreDep) -> StaffSession:
    """The staff session (401 without one); 403 `csrf_failed` on a write without its token."""
    session = await read_session(request, core)
    if session is None:
        raise api_error(401, "not_authenticated", "sign in to the staff console first")
    if request.method not in SAFE_METHODS and not await csrf_valid(request, session):
        raise api_error(403, "csrf_failed", "missing or wrong CSRF token")
    if needs_totp_enrolment(request, session.staff) and request.url.path != "/api/staff/logout":
        raise api_error(
            403,
            "totp_enrolment_required",
            "enrol two-factor authentication first: /staff/account/totp",
        )
    return session


CurrentSession = Annotated[StaffSession, Depends(current_session)]


def current_staff(session: CurrentSession) -> StaffView:
    return session.staff


CurrentStaff = Annotated[StaffView, Depends(current_staff)]


def current_admin(staff: CurrentStaff) -> StaffView:
    """The signed-in admin; 403 `admin_only` for an advisor."""
    if staff.role != "admin":
        raise api_error(403, "admin_only", "only an admin can do this")
    return staff


CurrentAdmin = Annotated[StaffView, Depends(current_admin)]


async def bookings_reader(request: Request, core: CoreDep) -> None:
    """Let through a bearer token (configured or admin-created) or a staff session; else 401.

    A request that presents a bearer token is judged by that token alone.
    """
    header = request.headers.get("authorization")
    if header is None:
        session = await read_session(request, core)
        if session is not None and not needs_totp_enrolment(request, session.staff):
            return
        raise _unauthorized()
    scheme, _, given = header.partition(" ")
    given = given.strip()
    if scheme.lower() != "bearer" or not given or len(given) > 200:
        raise _unauthorized()
    configured = request.app.state.settings.api_token
    if configured is not None and same_secret(given, configured.get_secret_value()):
        return
    if await core.run(staff_core.api_token_staff, given) is not None:
        return
    raise _unauthorized()


def _unauthorized() -> Exception:
    return api_error(
        401,
        "unauthorized",
        "a staff session or a valid 'Authorization: Bearer <token>' header is required",
        headers={"WWW-Authenticate": "Bearer"},
    )
