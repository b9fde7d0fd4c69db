"""The staff pages: sign in and out, the advisor console (server-rendered), and what every
staff page shares.

A page asked without a session redirects to the sign-in form; an advisor asking for an
admin page gets a 403 page. Forms post back with the session's CSRF token; the sign-in
form, which has no session yet, carries a double-submit token instead.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backoffice.api.deps import CoreDep
from backoffice.auth import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    clear_session_cookie,
    client_ip,
    form_fields,
    new_secret,
    read_session,
    same_secret,
    set_login_csrf,
)
from backoffice.login_steps import ask_for_code, signed_in
from backoffice.nav import first_admin_path, home_path
from backoffice.page_auth import AdminPage, ConversationPage, SignedInPage, StaffPage
from backoffice.session_events import announce_sessions_ended
from backoffice.texts import page_language, texts
from backoffice.views import LOGIN_PATH, Alert, html, staff_page
from core import staff as staff_core
from core.errors import InvalidCredentials, TooManyAttempts

router = APIRouter(prefix="/staff", include_in_schema=False)


def page_lang(request: Request) -> str:
    return page_language(request.headers.get("accept-language"))


def see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _login_page(
    request: Request,
    status: int = 200,
    alert: Alert | None = None,
    email: str = "",
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The sign-in form with a fresh double-submit CSRF token (cookie + hidden field)."""
    lang = page_lang(request)
    csrf = new_secret()
    alerts = [alert] if alert else []
    context = {"lang": lang, "t": texts(lang), "alerts": alerts, "csrf_token": csrf, "email": email}
    answer = html("login.html", status, headers, **context)
    set_login_csrf(answer, request, csrf)
    return answer


@router.get("/login")
async def get_login_page(request: Request, core: CoreDep) -> Response:
    """The sign-in form (or the member's home page when already signed in); `?ended=1` (the
    console was closed because its session ended) says so above the form."""
    session = await read_session(request, core)
    if session is not None:
        return see_other(home_path(session.staff.role, request.app.state.settings.env))
    if request.query_params.get("ended") == "1":
        return _login_page(request, alert=Alert(texts(page_lang(request))["login_session_ended"]))
    return _login_page(request)


@router.post("/login")
async def post_login_form(request: Request, core: CoreDep) -> Response:
    """Check the form's CSRF echo and the credentials; open a session and go to the console."""
    fields = await form_fields(request)
    t = texts(page_lang(request))
    email = fields.get("email", "").strip()[:254]
    if not same_secret(fields.get(CSRF_FIELD), request.cookies.get(LOGIN_CSRF_COOKIE, "")):
        return _login_page(request, 403, Alert(t["login_expired"]), email)
    password = fields.get("password", "")
    if not email or not password or len(password) > staff_core.PASSWORD_MAX:
        return _login_page(request, 422, Alert(t["login_invalid"]), email)
    now = core.now()
    try:
        staff = await core.run(
            staff_core.authenticate,
            email=email,
            password=password,
            client_ip=client_ip(request),
            now=now,
        )
    except InvalidCredentials:
        return _login_page(request, 401, Alert(t["login_failed"]), email)
    except TooManyAttempts as exc:
        minutes = str(max(1, -(-exc.retry_after_seconds // 60)))
        blocked = Alert(t["login_blocked"].format(minutes=minutes))
        retry = {"Retry-After": str(exc.retry_after_seconds)}
        return _login_page(request, 429, blocked, email, retry)
    if staff.totp_enabled:  # two-factor: the code step (backoffice/totp_pages.py)
        return await ask_for_code(request, core, staff)
    return await signed_in(request, core, staff)


@router.post("/logout")
async def post_logout_form(request: Request, core: CoreDep, session: SignedInPage) -> Response:
    """Sign out (CSRF-checked) and go back to the sign-in form."""
    await core.run(staff_core.close_session, session.token)
    await announce_sessions_ended(request, session.staff.id)  # this session's consoles close
    answer = see_other(LOGIN_PATH)
    clear_session_cookie(answer, request)
    return answer


@router.get("")
async def get_staff_home(request: Request, session: StaffPage) -> Response:
    """Any member: their home page, the first page of their menu (backoffice/nav.py)."""
    return see_other(home_path(session.staff.role, request.app.state.settings.env))


@router.get("/console")
async def get_console_page(request: Request, session: ConversationPage) -> Response:
    """The advisor console; its script does the rest over the JSON API and /ws/console."""
    staff = session.staff
    lang = page_lang(request)
    t = texts(lang)
    admin = staff.role == "admin"
    return staff_page(
        request,
        session,
        "console.html",
        current="console",
        title=t["brand"],
        t=t,
        connecting=t["connecting"],
        staff_id=staff.id,
        staff_name=staff.name,
        role=staff.role,
        available=staff.available,
        admin=admin,
        max_conversations=staff.max_conversations,
        max_hint=t["max_hint_admin" if admin else "max_hint_advisor"],
    )


@router.get("/admin")
async def get_admin_index(session: AdminPage) -> Response:
    """Admins: the first admin page of the menu."""
    return see_other(first_admin_path())
