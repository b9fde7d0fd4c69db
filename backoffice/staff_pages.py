"""The staff pages: sign in and out, the advisor console (server-rendered), and what every
staff page shares.

A page asked without a session redirects to the sign-in form; an advisor asking for an
admin page gets a 403 page. Forms post back with the session's CSRF token; the sign-in
form, which has no session yet, carries a double-submit token instead.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backoffice.api.deps import Core, CoreDep
from backoffice.auth import (
    COOKIE,
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    StaffSession,
    clear_login_csrf,
    clear_session_cookie,
    client_ip,
    csrf_valid,
    form_fields,
    new_secret,
    read_session,
    same_secret,
    set_login_csrf,
    set_session_cookie,
)
from backoffice.nav import first_admin_path, staff_bar
from backoffice.templating import Safe, render, tag
from backoffice.texts import page_language, texts
from core import staff as staff_core
from core.errors import InvalidCredentials, TooManyAttempts

router = APIRouter(prefix="/staff", include_in_schema=False)

LOGIN_PATH = "/staff/login"
CONSOLE_PATH = "/staff/console"


def page_lang(request: Request) -> str:
    return page_language(request.headers.get("accept-language"))


def html_page(page: str, status: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    return HTMLResponse(page, status, headers=headers)


def alert_box(text: str, kind: str = "error") -> Safe:
    return tag("p", text, class_=f"alert alert-{kind}", role="alert", data_console="alert")


def see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def error_page(request: Request, status: int, message_key: str, **fields: str) -> HTMLResponse:
    lang = page_lang(request)
    t = texts(lang)
    message = t[message_key].format(**fields)
    page = render(
        "staff_error.html", {"lang": lang, "title": t["error_title"], "message": message}, t
    )
    return html_page(page, status)


async def page_session(
    request: Request, core: Core, *, admin: bool = False, write: bool = False
) -> StaffSession | Response:
    """The session, or the answer to give instead: sign-in redirect, 403 page."""
    session = await read_session(request, core)
    if session is None:
        return see_other(LOGIN_PATH)
    if write and not await csrf_valid(request, session):
        return error_page(request, 403, "error_csrf")
    if admin and session.staff.role != "admin":
        return error_page(request, 403, "error_forbidden")
    return session


def _login_page(
    request: Request,
    status: int = 200,
    alert: Safe | str = "",
    email: str = "",
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The sign-in form with a fresh double-submit CSRF token (cookie + hidden field)."""
    lang = page_lang(request)
    csrf = new_secret()
    values = {"lang": lang, "alert": alert, "csrf": csrf, "email": email}
    answer = html_page(render("staff_login.html", values, texts(lang)), status, headers)
    set_login_csrf(answer, request, csrf)
    return answer


@router.get("/login")
async def get_login_page(request: Request, core: CoreDep) -> Response:
    """The sign-in form (or the console when already signed in)."""
    if await read_session(request, core) is not None:
        return see_other(CONSOLE_PATH)
    return _login_page(request)


@router.post("/login")
async def post_login_form(request: Request, core: CoreDep) -> Response:
    """Check the form's CSRF echo and the credentials; open a session and go to the console."""
    fields = await form_fields(request)
    t = texts(page_lang(request))
    email = fields.get("email", "").strip()[:254]
    if not same_secret(fields.get(CSRF_FIELD), request.cookies.get(LOGIN_CSRF_COOKIE, "")):
        return _login_page(request, 403, alert_box(t["login_expired"]), email)
    password = fields.get("password", "")
    if not email or not password or len(password) > staff_core.PASSWORD_MAX:
        return _login_page(request, 422, alert_box(t["login_invalid"]), email)
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
        return _login_page(request, 401, alert_box(t["login_failed"]), email)
    except TooManyAttempts as exc:
        minutes = str(max(1, -(-exc.retry_after_seconds // 60)))
        blocked = alert_box(t["login_blocked"].format(minutes=minutes))
        retry = {"Retry-After": str(exc.retry_after_seconds)}
        return _login_page(request, 429, blocked, email, retry)
    previous = request.cookies.get(COOKIE)
    if previous:  # never keep a session across a sign-in
        await core.run(staff_core.close_session, previous)
    token, _csrf = await core.run(staff_core.open_session, staff.id, now)
    answer = see_other(CONSOLE_PATH)
    set_session_cookie(answer, request, token)
    clear_login_csrf(answer, request)
    return answer


@router.post("/logout")
async def post_logout_form(request: Request, core: CoreDep) -> Response:
    """Sign out (CSRF-checked) and go back to the sign-in form."""
    session = await page_session(request, core, write=True)
    if not isinstance(session, StaffSession):
        return session
    await core.run(staff_core.close_session, session.token)
    answer = see_other(LOGIN_PATH)
    clear_session_cookie(answer, request)
    return answer


@router.get("/console")
async def get_console_page(request: Request, core: CoreDep) -> Response:
    """The advisor console; its script does the rest over the JSON API and /ws/console."""
    session = await page_session(request, core)
    if not isinstance(session, StaffSession):
        return session
    staff = session.staff
    lang = page_lang(request)
    t = texts(lang)
    admin = staff.role == "admin"
    connection = tag(
        "p",
        t["connecting"],
        class_="connection",
        data_console="connection",
        data_state="connecting",
        role="status",
    )
    values = {
        "lang": lang,
        "csrf": session.csrf_token,
        "staff_id": staff.id,
        "staff_name": staff.name,
        "role": staff.role,
        "bar": staff_bar(request, session, current="console", title=t["brand"], extra=connection),
        "available_checked": Safe("checked" if staff.available else ""),
        "max_conversations": staff.max_conversations,
        "max_disabled": Safe("" if admin else "disabled"),
        "max_hint": t["max_hint_admin" if admin else "max_hint_advisor"],
    }
    return html_page(render("staff_console.html", values, t))


@router.get("/admin")
async def get_admin_index(request: Request, core: CoreDep) -> Response:
    """Admins: the first admin page of the menu."""
    session = await page_session(request, core, admin=True)
    if not isinstance(session, StaffSession):
        return session
    return see_other(first_admin_path())
