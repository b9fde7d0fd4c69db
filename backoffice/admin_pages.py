"""The admin page: API tokens for scripts, and each staff user's maximum of conversations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from backoffice.api.deps import Core, CoreDep
from backoffice.auth import StaffSession, form_fields
from backoffice.page_auth import AdminPage
from backoffice.staff_pages import page_lang
from backoffice.texts import texts
from backoffice.views import Alert, staff_page
from core import staff as staff_core
from core.errors import InvalidValue, NotFound
from core.staff import StaffView

router = APIRouter(prefix="/staff/admin", include_in_schema=False)


@dataclass(frozen=True)
class NewToken:
    """A token just created: shown this once."""

    message: str
    token: str


@dataclass(frozen=True)
class StaffRow:
    id: int
    name: str
    email: str
    role_label: str
    status: str
    max_conversations: int


@router.get("/tokens")
async def get_admin_page(request: Request, core: CoreDep, session: AdminPage) -> Response:
    """Admins: create API tokens; set each staff user's maximum of conversations."""
    return await _admin_page(request, core, session)


@router.post("/tokens")
async def post_token_form(request: Request, core: CoreDep, session: AdminPage) -> Response:
    """Create an API token; the page shows it this once."""
    t = texts(page_lang(request))
    name = (await form_fields(request)).get("name", "")
    try:
        token = await core.run(staff_core.create_api_token, name=name, created_by=session.staff.id)
    except InvalidValue as exc:
        problem = Alert(t["error_invalid"].format(message=exc.message))
        return await _admin_page(request, core, session, alert=problem, status=422)
    shown = " ".join(name.split())
    new_token = NewToken(t["token_created"].format(name=shown), token)
    return await _admin_page(request, core, session, new_token=new_token)


@router.post("/staff/{staff_id}")
async def post_staff_limit_form(
    staff_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    request: Request,
    core: CoreDep,
    session: AdminPage,
) -> Response:
    """Set a staff user's maximum of conversations at once."""
    t = texts(page_lang(request))
    raw = (await form_fields(request)).get("max_conversations", "").strip()
    try:
        if not raw.isdigit():
            raise InvalidValue("invalid_max_conversations", "a whole number is expected")
        updated = await core.run(staff_core.set_max_conversations, staff_id, int(raw))
    except (InvalidValue, NotFound) as exc:
        problem = Alert(t["error_invalid"].format(message=exc.message))
        return await _admin_page(request, core, session, alert=problem, status=422)
    saved = t["staff_saved"].format(name=updated.name, max=updated.max_conversations)
    return await _admin_page(request, core, session, alert=Alert(saved, "success"))


async def _admin_page(
    request: Request,
    core: Core,
    session: StaffSession,
    *,
    alert: Alert | None = None,
    new_token: NewToken | None = None,
    status: int = 200,
) -> HTMLResponse:
    t = texts(page_lang(request))
    people = await core.run(staff_core.list_staff)
    seen_since = core.now() - staff_core.STALE_AFTER
    return staff_page(
        request,
        session,
        "admin_tokens.html",
        current="admin",
        title=t["admin_title"],
        t=t,
        alerts=[alert],
        status=status,
        new_token=new_token,
        people=[_staff_row(person, t, seen_since) for person in people],
        max_limit=staff_core.MAX_CONVERSATIONS_LIMIT,
    )


def _staff_row(person: StaffView, t: dict[str, str], seen_since: datetime) -> StaffRow:
    """One team member; "available" only while their console is connected, as customers see."""
    present = person.last_seen_at is not None and person.last_seen_at >= seen_since
    status = t["status_available" if person.available and present else "status_away"]
    return StaffRow(
        person.id,
        person.name,
        person.email,
        t[f"role_{person.role}"],
        status,
        person.max_conversations,
    )
