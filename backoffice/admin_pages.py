"""The admin page: API tokens for scripts, and each staff user's maximum of conversations."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from backoffice.api.deps import Core, CoreDep
from backoffice.auth import StaffSession, form_fields
from backoffice.nav import staff_bar
from backoffice.staff_pages import alert_box, html_page, page_lang, page_session
from backoffice.templating import Safe, render, tag
from backoffice.texts import texts
from core import staff as staff_core
from core.errors import InvalidValue, NotFound
from core.staff import StaffView

router = APIRouter(prefix="/staff/admin", include_in_schema=False)


@router.get("/tokens")
async def get_admin_page(request: Request, core: CoreDep) -> Response:
    """Admins: create API tokens; set each staff user's maximum of conversations."""
    session = await page_session(request, core, admin=True)
    if not isinstance(session, StaffSession):
        return session
    return await _admin_page(request, core, session)


@router.post("/tokens")
async def post_token_form(request: Request, core: CoreDep) -> Response:
    """Create an API token; the page shows it this once."""
    session = await page_session(request, core, admin=True, write=True)
    if not isinstance(session, StaffSession):
        return session
    t = texts(page_lang(request))
    name = (await form_fields(request)).get("name", "")
    try:
        token = await core.run(staff_core.create_api_token, name=name, created_by=session.staff.id)
    except InvalidValue as exc:
        problem = alert_box(t["error_invalid"].format(message=exc.message))
        return await _admin_page(request, core, session, alert=problem, status=422)
    shown = " ".join(name.split())
    new_token = Safe(
        alert_box(t["token_created"].format(name=shown), "success")
        + tag("code", token, class_="token", data_console="new-token")
    )
    return await _admin_page(request, core, session, new_token=new_token)


@router.post("/staff/{staff_id}")
async def post_staff_limit_form(
    staff_id: Annotated[int, Path(ge=1, le=2**31 - 1)], request: Request, core: CoreDep
) -> Response:
    """Set a staff user's maximum of conversations at once."""
    session = await page_session(request, core, admin=True, write=True)
    if not isinstance(session, StaffSession):
        return session
    t = texts(page_lang(request))
    raw = (await form_fields(request)).get("max_conversations", "").strip()
    try:
        if not raw.isdigit():
            raise InvalidValue("invalid_max_conversations", "a whole number is expected")
        updated = await core.run(staff_core.set_max_conversations, staff_id, int(raw))
    except (InvalidValue, NotFound) as exc:
        problem = alert_box(t["error_invalid"].format(message=exc.message))
        return await _admin_page(request, core, session, alert=problem, status=422)
    saved = t["staff_saved"].format(name=updated.name, max=updated.max_conversations)
    return await _admin_page(request, core, session, alert=alert_box(saved, "success"))


async def _admin_page(
    request: Request,
    core: Core,
    session: StaffSession,
    *,
    alert: Safe | str = "",
    new_token: Safe | str = "",
    status: int = 200,
) -> HTMLResponse:
    lang = page_lang(request)
    t = texts(lang)
    people = await core.run(staff_core.list_staff)
    seen_since = core.now() - staff_core.STALE_AFTER
    rows = "\n".join(_staff_row(person, session.csrf_token, t, seen_since) for person in people)
    values = {
        "lang": lang,
        "csrf": session.csrf_token,
        "bar": staff_bar(request, session, current="admin", title=t["admin_title"]),
        "alert": alert,
        "new_token": new_token,
        "staff_rows": Safe(rows),
    }
    return html_page(render("staff_admin.html", values, t), status)


def _staff_row(person: StaffView, csrf: str, t: dict[str, str], seen_since: datetime) -> str:
    """One team member; "available" only while their console is connected, as customers see."""
    form_id = f"staff-{person.id}"
    form = Safe(
        f'<form class="inline-form" id="{form_id}" method="post" '
        f'action="/staff/admin/staff/{person.id}">'
        f'<input type="hidden" name="csrf_token" value="{_attr(csrf)}">'
        f'<input type="number" name="max_conversations" min="1" '
        f'max="{staff_core.MAX_CONVERSATIONS_LIMIT}" value="{person.max_conversations}" '
        f'aria-label="{_attr(t["staff_max"])} — {_attr(person.name)}">'
        + tag("button", t["staff_save"], class_="btn btn-small", type="submit")
        + "</form>"
    )
    present = person.last_seen_at is not None and person.last_seen_at >= seen_since
    status = t["status_available" if person.available and present else "status_away"]
    cells = [
        tag("td", person.name),
        tag("td", person.email),
        tag("td", t[f"role_{person.role}"]),
        tag("td", status),
        tag("td", form),
    ]
    return "          " + str(tag("tr", Safe("".join(cells)), data_staff_id=person.id))


def _attr(value: str) -> str:
    return escape(value, quote=True)
