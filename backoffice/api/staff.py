"""`/api/staff`: sign in and out, who am I, and the advisor's availability."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from backoffice.api.deps import CoreDep
from backoffice.auth import (
    COOKIE,
    ConversationStaff,
    CurrentSession,
    clear_session_cookie,
    client_ip,
    set_session_cookie,
)
from backoffice.handoff_views import StaffOut, staff_out
from backoffice.session_events import announce_sessions_ended
from channels.http import http_error as api_error
from core import staff as staff_core
from core import staff_totp

router = APIRouter(prefix="/api/staff", tags=["staff"])


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1024)
    code: str | None = Field(
        default=None, max_length=40, description="TOTP or recovery code, when two-factor is on"
    )


class LoginOut(BaseModel):
    csrf_token: str = Field(description="send it back as X-CSRF-Token on every change")
    staff: StaffOut


class MeOut(BaseModel):
    staff: StaffOut
    csrf_token: str


class AvailabilityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    available: bool
    max_conversations: int | None = Field(
        default=None, ge=1, le=staff_core.MAX_CONVERSATIONS_LIMIT, description="admins only"
    )


@router.post("/login", response_model=LoginOut)
async def login_staff(
    body: LoginIn, request: Request, response: Response, core: CoreDep
) -> LoginOut:
    """Sign in with e-mail and password: sets the session cookie, returns the CSRF token.

    401 `invalid_credentials`; 429 `too_many_attempts` with Retry-After after 5 failures in
    15 minutes for the e-mail or the client address. With two-factor authentication on,
    `code` is required: 401 `second_factor_required` without it, 401 `invalid_code` when
    wrong or replayed.
    """
    now = core.now()
    staff = await core.run(
        staff_core.authenticate,
        email=body.email,
        password=body.password,
        client_ip=client_ip(request),
        now=now,
    )
    if staff.totp_enabled:
        if not body.code:
            raise api_error(401, "second_factor_required", "send the TOTP or a recovery code")
        await core.run(staff_totp.check_second_factor, staff.id, body.code, now)
    previous = request.cookies.get(COOKIE)
    if previous:  # a new sign-in never reuses a session (no fixation)
        await core.run(staff_core.close_session, previous)
    token, csrf = await core.run(staff_core.open_session, staff.id, now)
    set_session_cookie(response, request, token)
    return LoginOut(csrf_token=csrf, staff=staff_out(staff))


@router.post("/logout", status_code=204)
async def logout_staff(session: CurrentSession, request: Request, core: CoreDep) -> Response:
    """Sign out: the session is deleted on the server and the cookie cleared."""
    await core.run(staff_core.close_session, session.token)
    await announce_sessions_ended(request, session.staff.id)  # this session's consoles close
    answer = Response(status_code=204)
    clear_session_cookie(answer, request)
    return answer


@router.get("/me", response_model=MeOut)
async def get_me(session: CurrentSession) -> MeOut:
    """The signed-in staff user and the session's CSRF token."""
    return MeOut(staff=staff_out(session.staff), csrf_token=session.csrf_token)


@router.put("/me/availability", response_model=StaffOut)
async def set_my_availability(
    body: AvailabilityIn, staff: ConversationStaff, core: CoreDep
) -> StaffOut:
    """Available or away; an admin may also set their own maximum of conversations."""
    new_max = body.max_conversations
    if new_max is not None and new_max != staff.max_conversations and staff.role != "admin":
        raise api_error(403, "admin_only", "only an admin changes the maximum")
    updated = await core.run(
        staff_core.set_availability,
        staff.id,
        available=body.available,
        max_conversations=body.max_conversations if staff.role == "admin" else None,
        now=core.now(),
    )
    return staff_out(updated)
