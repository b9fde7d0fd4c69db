"""Password reset by e-mail link (issue 14, item 8): `/staff/login/forgot` asks for a link,
`/staff/login/reset` sets a new password with it (core/staff_reset.py).

The "forgot" form always gives the same answer, known e-mail or not, and the e-mail leaves
after the answer (a background task), so its timing tells nothing either. The reset page
carries the link's token into a hidden field: the new password is POSTed with it, and the
page is sent with `Referrer-Policy: no-referrer` and `Cache-Control: no-store`; the access
log drops the query string of the link (webapp/access_log.py).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.background import BackgroundTask

from backoffice.api.deps import CoreDep
from backoffice.auth import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    client_ip,
    form_fields,
    new_secret,
    same_secret,
    set_login_csrf,
)
from backoffice.reset_mail import send_reset_mail
from backoffice.session_events import announce_sessions_ended
from backoffice.staff_pages import _login_page, page_lang
from backoffice.texts import texts
from backoffice.views import Alert, html
from core import staff_reset
from core.errors import InvalidValue, TooManyAttempts

router = APIRouter(prefix="/staff/login", include_in_schema=False)
PRIVATE = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def _page(
    request: Request,
    template: str,
    status: int = 200,
    alert: Alert | None = None,
    headers: dict[str, str] | None = None,
    **values: str,
) -> HTMLResponse:
    """A sign-in side page with a fresh double-submit CSRF token."""
    lang = page_lang(request)
    csrf = new_secret()
    answer = html(
        template,
        status,
        {**PRIVATE, **(headers or {})},
        lang=lang,
        t=texts(lang),
        alerts=[alert] if alert else [],
        csrf_token=csrf,
        **values,
    )
    set_login_csrf(answer, request, csrf)
    return answer


@router.get("/forgot")
async def get_forgot_page(request: Request) -> Response:
    """The form asking for a reset link."""
    return _page(request, "forgot.html")


@router.post("/forgot")
async def post_forgot_form(request: Request, core: CoreDep) -> Response:
    """The same answer for every e-mail; the link leaves afterwards when the account exists."""
    fields = await form_fields(request)
    t = texts(page_lang(request))
    if not same_secret(fields.get(CSRF_FIELD), request.cookies.get(LOGIN_CSRF_COOKIE, "")):
        return _page(request, "forgot.html", 403, Alert(t["login_expired"]))
    email = fields.get("email", "").strip()[:254]
    if not email:
        return _page(request, "forgot.html", 422, Alert(t["reset_email_missing"]))
    try:
        link = await core.run(
            staff_reset.request_password_reset,
            email=email,
            client_ip=client_ip(request),
            now=core.now(),
        )
    except TooManyAttempts as exc:
        minutes = str(max(1, -(-exc.retry_after_seconds // 60)))
        retry = {"Retry-After": str(exc.retry_after_seconds)}
        blocked = Alert(t["login_blocked"].format(minutes=minutes))
        return _page(request, "forgot.html", 429, blocked, retry)
    answer = _page(request, "forgot.html", 200, Alert(t["reset_sent"], "success"))
    if link is not None:
        answer.background = BackgroundTask(send_reset_mail, request, link, page_lang(request))
    return answer


@router.get("/reset")
async def get_reset_page(request: Request, core: CoreDep) -> Response:
    """The new-password form of a link (the link's token goes on in a hidden field)."""
    token = request.query_params.get("token", "")[:200]
    t = texts(page_lang(request))
    if not await core.run(staff_reset.reset_link_valid, token, core.now()):
        return _page(request, "forgot.html", 400, Alert(t["reset_link_invalid"]))
    return _page(request, "reset.html", token=token)


@router.post("/reset")
async def post_reset_form(request: Request, core: CoreDep) -> Response:
    """Set the new password (the link is used up, every session of the account ends)."""
    fields = await form_fields(request)
    t = texts(page_lang(request))
    token = fields.get("token", "")[:200]
    if not same_secret(fields.get(CSRF_FIELD), request.cookies.get(LOGIN_CSRF_COOKIE, "")):
        return _page(request, "reset.html", 403, Alert(t["login_expired"]), token=token)
    password = fields.get("password", "")
    if password != fields.get("password_confirm", ""):
        return _page(request, "reset.html", 422, Alert(t["reset_mismatch"]), token=token)
    try:
        member = await core.run(
            staff_reset.reset_password, token=token, password=password, now=core.now()
        )
    except InvalidValue as exc:
        if exc.code == "invalid_reset_link":
            return _page(request, "forgot.html", 400, Alert(t["reset_link_invalid"]))
        problem = Alert(t["reset_weak"])
        return _page(request, "reset.html", 422, problem, token=token)
    await announce_sessions_ended(request, member.id)
    return _login_page(request, 200, Alert(t["reset_done"], "success"))
