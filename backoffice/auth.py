"""Staff authentication for the web app: the session cookie, CSRF, and the role checks.

Every staff route names who may call it, by one of the role sets below (issue 16, item 5;
the rule per route is written in docs/security.md, "Staff roles", and checked, role by role, by
tests/security/route_matrix.yaml): a role outside the set gets 403 `role_forbidden`
(`admin_only` on the admin routes).

A staff session lives in the database (core/staff.py); the browser only holds its random
token in the `pitlane_staff` cookie (HttpOnly, SameSite=Lax, Secure behind HTTPS or in
production). Every state-changing request made with that cookie must also carry the
session's CSRF token, in the `X-CSRF-Token` header or a `csrf_token` form field. The login
form, which has no session yet, uses a double-submit cookie instead.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response
from starlette.requests import HTTPConnection

from backoffice.api.deps import Core, CoreDep
from channels.http import form_fields
from channels.http import http_error as api_error
from core import staff as staff_core
from core.staff import CONVERSATION_ROLES, ROLES, SESSION_TTL, StaffView

COOKIE = "pitlane_staff"
LOGIN_CSRF_COOKIE = "pitlane_login_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Who may open what. Their own account (who they are, two-factor, password, sign out): any
# active staff member.
ANY_STAFF = frozenset(ROLES)
# The advisors' work with customers: the console and its socket, handoffs, availability,
# failed messages, callbacks, complaints.
CONVERSATION_STAFF = frozenset(CONVERSATION_ROLES)
# The workshop's bookings, the customers' files attached to them, satisfaction: also the
# manager, who runs an agency's planning. Mechanics get their own jobs' pages (issue 16).
WORKSHOP_STAFF = frozenset({"advisor", "manager", "admin"})
# Settings, staff accounts, API tokens, the bot's content.
ADMIN_STAFF = frozenset({"admin"})
# Repair jobs (issue 16): a job's page and its changes (status, notes, expected completion):
# everyone who works on the vehicle, mechanics included.
JOB_STAFF = frozenset({"mechanic", "advisor", "manager", "admin"})
# A mechanic's planning: a mechanic sees their own, a manager or an admin any mechanic's.
MECHANIC_PLANNING_STAFF = frozenset({"mechanic", "manager", "admin"})
# Invoices and payments: the counter's roles, no mechanic.
INVOICE_STAFF = frozenset({"advisor", "manager", "admin"})
# The customer's answer to an estimate given at the counter or on the phone: recorded by
# whoever serves customers (the counter's roles); a mechanic prepares and sends the estimate.
ESTIMATE_DECISION_STAFF = INVOICE_STAFF
# An agency's planning actions (accept/move incoming requests) and its dashboard: whoever
# runs an agency (issue 16, item 7); advisors read the planning (WORKSHOP_STAFF).
PLANNING_STAFF = frozenset({"manager", "admin"})
# Giving a job to a mechanic: who runs an agency's planning.
ASSIGNING_STAFF = PLANNING_STAFF
# Publishing customers' reviews (issue 16): managers and admins decide; advisors only read.
REVIEW_MODERATORS = PLANNING_STAFF
# The agencies' page (issue 16, item 7): admins manage every agency; a manager reads their
# own agency and edits its contact details and hours (backoffice/agency_pages.py).
AGENCY_STAFF = PLANNING_STAFF


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


# The CSRF check reads a form before its route does: up to the largest form a route accepts
# (answers, canned replies: 32 KiB); each route then applies its own cap to the same body.
CSRF_FORM_BYTES = 64 * 1024


async def csrf_valid(request: Request, session: StaffSession) -> bool:
    """The request carries the session's CSRF token (header, else form field)."""
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        given = (await form_fields(request, CSRF_FORM_BYTES)).get(CSRF_FIELD)
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


# Any active staff member: only for their own account's routes.
CurrentStaff = Annotated[StaffView, Depends(current_staff)]


def role_refused(role: str, code: str = "role_forbidden") -> Exception:
    """The API's 403 for a staff member whose role may not call the route."""
    return api_error(403, code, f"the role {role} cannot do this")


def require_roles(
    roles: frozenset[str], code: str = "role_forbidden"
) -> Callable[[StaffView], StaffView]:
    """A dependency: the signed-in staff member when their role is in `roles`, else 403."""

    def staff_in_roles(staff: CurrentStaff) -> StaffView:
        if staff.role not in roles:
            raise role_refused(staff.role, code)
        return staff

    return staff_in_roles


ConversationStaff = Annotated[StaffView, Depends(require_roles(CONVERSATION_STAFF))]
WorkshopStaff = Annotated[StaffView, Depends(require_roles(WORKSHOP_STAFF))]
CurrentAdmin = Annotated[StaffView, Depends(require_roles(ADMIN_STAFF, "admin_only"))]
PlanningStaff = Annotated[StaffView, Depends(require_roles(PLANNING_STAFF))]


async def bookings_reader(request: Request, core: CoreDep) -> None:
    """Let through a bearer token (configured or admin-created) or a staff session of the
    workshop's roles; else 401 (403 `role_forbidden` for another role's session).

    A request that presents a bearer token is judged by that token alone.
    """
    header = request.headers.get("authorization")
    if header is None:
        session = await read_session(request, core)
        if session is None or needs_totp_enrolment(request, session.staff):
            raise _unauthorized()
        if session.staff.role not in WORKSHOP_STAFF:
            raise role_refused(session.staff.role)
        return
    scheme, _, given = header.partition(" ")
    given = given.strip()
    if scheme.lower() != "bearer" or not given or len(given) > 200:
        raise _unauthorized()
    configured = request.app.state.settings.api_token
    if configured is not None and same_secret(given, configured.get_secret_value()):
        return
    owner = await core.run(staff_core.api_token_staff, given)
    if owner is not None and owner.role in WORKSHOP_STAFF:
        return
    raise _unauthorized()


def _unauthorized() -> Exception:
    return api_error(
        401,
        "unauthorized",
        "a staff session or a valid 'Authorization: Bearer <token>' header is required",
        headers={"WWW-Authenticate": "Bearer"},
    )


# Repair jobs, their estimates and invoices through the API (issue 16).
JobStaff = Annotated[StaffView, Depends(require_roles(JOB_STAFF))]
JobAssigner = Annotated[StaffView, Depends(require_roles(ASSIGNING_STAFF))]
InvoiceStaff = Annotated[StaffView, Depends(require_roles(INVOICE_STAFF))]
# issue 16, vehicle history: a vehicle's history and readings, for everyone in the workshop
# (the mechanic working on it too).
VEHICLE_STAFF = JOB_STAFF
VehicleStaff = Annotated[StaffView, Depends(require_roles(VEHICLE_STAFF))]
EstimateDecisionStaff = Annotated[StaffView, Depends(require_roles(ESTIMATE_DECISION_STAFF))]
