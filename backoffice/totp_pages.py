"""Two-factor authentication pages (issue 14, item 8; core/staff_totp.py): the code step of
the sign-in (`/staff/login/code`) and the enrolment of the signed-in staff member
(`/staff/account/totp`: a QR code drawn on the server as SVG, a first code to confirm, the
ten recovery codes shown once). The enrolment pages take a session whose admin has not
enrolled yet: that is where such an admin is sent."""

from __future__ import annotations

import contextlib

import segno
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from backoffice.api.deps import Core, CoreDep
from backoffice.auth import CSRF_FIELD, LOGIN_CSRF_COOKIE, StaffSession, form_fields, same_secret
from backoffice.login_steps import CHALLENGE_COOKIE, code_page, signed_in
from backoffice.page_auth import SignedInPage
from backoffice.staff_pages import _login_page, page_lang
from backoffice.texts import texts
from backoffice.views import TOTP_PATH, Alert, staff_page
from core import staff_totp
from core.errors import Conflict, InvalidCredentials, InvalidValue, TooManyAttempts

router = APIRouter(prefix="/staff", include_in_schema=False)


@router.post("/login/code")
async def post_login_code_form(request: Request, core: CoreDep) -> Response:
    """The sign-in's second step: a TOTP or recovery code for the pending sign-in."""
    fields = await form_fields(request)
    t = texts(page_lang(request))
    if not same_secret(fields.get(CSRF_FIELD), request.cookies.get(LOGIN_CSRF_COOKIE, "")):
        return code_page(request, 403, Alert(t["login_expired"]))
    token = request.cookies.get(CHALLENGE_COOKIE, "")
    code = fields.get("code", "")[:40]
    try:
        staff = await core.run(staff_totp.complete_challenge, token, code, core.now())
    except InvalidValue:  # no pending sign-in (expired, used, account deactivated)
        return _login_page(request, 401, Alert(t["login_code_expired"]))
    except InvalidCredentials:
        return code_page(request, 401, Alert(t["login_code_wrong"]))
    except TooManyAttempts as exc:
        minutes = str(max(1, -(-exc.retry_after_seconds // 60)))
        retry = {"Retry-After": str(exc.retry_after_seconds)}
        return code_page(request, 429, Alert(t["login_blocked"].format(minutes=minutes)), retry)
    return await signed_in(request, core, staff)


@router.get("/account/totp")
async def get_totp_page(request: Request, core: CoreDep, session: SignedInPage) -> Response:
    """Two-factor authentication of the signed-in member: on, being set up, or off."""
    return await _totp_page(request, core, session)


@router.post("/account/totp/start")
async def post_totp_start_form(core: CoreDep, session: SignedInPage) -> Response:
    """Draw a secret for the authenticator app, then show its QR code."""
    with contextlib.suppress(Conflict):  # already on: the page says so
        await core.run(staff_totp.start_enrolment, session.staff.id)
    return RedirectResponse(TOTP_PATH, status_code=303)


@router.post("/account/totp")
async def post_totp_confirm_form(
    request: Request, core: CoreDep, session: SignedInPage
) -> Response:
    """Confirm the enrolment with a first code; the recovery codes are shown this once."""
    t = texts(page_lang(request))
    code = (await form_fields(request)).get("code", "")[:40]
    try:
        codes = await core.run(staff_totp.confirm_enrolment, session.staff.id, code, core.now())
    except InvalidValue:
        problem = Alert(t["totp_code_wrong"])
        return await _totp_page(request, core, session, alert=problem, status=422)
    done = Alert(t["totp_enabled_now"], "success")
    return await _totp_page(request, core, session, alert=done, recovery_codes=codes, on=True)


async def _totp_page(
    request: Request,
    core: Core,
    session: StaffSession,
    *,
    alert: Alert | None = None,
    status: int = 200,
    recovery_codes: list[str] | None = None,
    on: bool | None = None,
) -> HTMLResponse:
    t = texts(page_lang(request))
    staff_id = session.staff.id
    enabled = session.staff.totp_enabled if on is None else on
    enrolment = None if enabled else await core.run(staff_totp.pending_enrolment, staff_id)
    required = not enabled and session.staff.role == "admin"
    return staff_page(
        request,
        session,
        "totp.html",
        current="account",
        title=t["totp_title"],
        t=t,
        alerts=[alert],
        status=status,
        enabled=enabled,
        required=required,
        secret=enrolment.secret if enrolment else "",
        qr_svg=_qr_svg(enrolment.uri) if enrolment else "",
        recovery_codes=recovery_codes or [],
        codes_left=await core.run(staff_totp.recovery_codes_left, staff_id) if enabled else 0,
    )


def _qr_svg(uri: str) -> Markup:
    """The otpauth:// URI as an inline SVG QR code (segno writes only paths: no text)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=2, dark="#111", light="#fff")
    return Markup(svg)
