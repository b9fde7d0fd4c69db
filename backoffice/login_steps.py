"""The end of a staff sign-in, shared by the password step (backoffice/staff_pages.py) and
the two-factor step (backoffice/totp_pages.py): open the session, or ask for the TOTP code.

The pending sign-in between both steps is a random token in the `pitlane_login_2fa` cookie
(HttpOnly, SameSite=Strict, path /staff/login, 5 minutes); the database keeps its hash
(core/staff_totp.py). The code form carries the double-submit CSRF token of the sign-in form.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backoffice.api.deps import Core
from backoffice.auth import (
    COOKIE,
    clear_login_csrf,
    new_secret,
    secure_cookies,
    set_login_csrf,
    set_session_cookie,
)
from backoffice.nav import home_path
from backoffice.texts import page_language, texts
from backoffice.views import Alert, html
from core import staff as staff_core
from core import staff_totp
from core.staff import StaffView

CHALLENGE_COOKIE = "pitlane_login_2fa"


async def signed_in(request: Request, core: Core, staff: StaffView) -> Response:
    """Open a fresh session (never reuse one: no fixation) and go to the member's home page
    (the console for advisors and admins)."""
    previous = request.cookies.get(COOKIE)
    if previous:
        await core.run(staff_core.close_session, previous)
    token, _csrf = await core.run(staff_core.open_session, staff.id, core.now())
    home = home_path(staff.role, request.app.state.settings.env)
    answer = RedirectResponse(home, status_code=303)
    set_session_cookie(answer, request, token)
    clear_login_csrf(answer, request)
    answer.delete_cookie(CHALLENGE_COOKIE, path="/staff/login", httponly=True, samesite="strict")
    return answer


async def ask_for_code(request: Request, core: Core, staff: StaffView) -> Response:
    """The password was right and TOTP is on: keep the pending sign-in, ask for the code."""
    token = await core.run(staff_totp.open_challenge, staff.id, core.now())
    answer = code_page(request)
    answer.set_cookie(
        CHALLENGE_COOKIE,
        token,
        max_age=int(staff_totp.CHALLENGE_TTL.total_seconds()),
        path="/staff/login",
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
    )
    return answer


def code_page(
    request: Request,
    status: int = 200,
    alert: Alert | None = None,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The code form, with a fresh double-submit CSRF token (cookie + hidden field)."""
    lang = page_language(request.headers.get("accept-language"))
    csrf = new_secret()
    answer = html(
        "login_code.html",
        status,
        headers,
        lang=lang,
        t=texts(lang),
        alerts=[alert] if alert else [],
        csrf_token=csrf,
    )
    set_login_csrf(answer, request, csrf)
    return answer
