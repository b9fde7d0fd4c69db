"""`/staff/admin/team`: admins create, deactivate and reactivate staff accounts and reset a
member's two-factor authentication (issue 14, item 8; the JSON API twin is
backoffice/api/accounts.py). Every form posts the session's CSRF token."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from backoffice.api.accounts import create_and_invite
from backoffice.api.deps import Core, CoreDep
from backoffice.auth import StaffSession, form_fields
from backoffice.errors import domain_status
from backoffice.page_auth import AdminPage
from backoffice.session_events import announce_sessions_ended
from backoffice.staff_pages import page_lang
from backoffice.texts import texts
from backoffice.views import Alert, staff_page
from backoffice.workshop_layout import catalogue
from core import staff as staff_core
from core import staff_lifecycle, staff_totp
from core.errors import PitlaneError
from core.staff import StaffView
from core.staff_agencies import set_staff_agency, staff_agencies

router = APIRouter(prefix="/staff/admin/team", include_in_schema=False)
StaffId = Annotated[int, Path(ge=1, le=2**31 - 1)]
# Domain error codes with their own text (`team_error_<code>`); others: `error_invalid`.
_KNOWN_ERRORS = {
    "cannot_deactivate_self",
    "last_admin",
    "cannot_reset_self",
    "email_taken",
    "invalid_email",
    "invalid_name",
    "invalid_role",
    "weak_password",
    "invalid_password",
    "unknown_staff",
    "unknown_agency",  # issue 16: planning
}


@dataclass(frozen=True)
class MemberRow:
    id: int
    name: str
    email: str
    role_label: str
    active: bool
    status: str
    totp: str
    totp_on: bool
    is_me: bool
    agency: str = ""  # issue 16: the agency they work at ("" none)


@router.get("")
async def get_team_page(request: Request, core: CoreDep, session: AdminPage) -> Response:
    """Admins: the team, the new-member form and each member's actions."""
    return await _team_page(request, core, session)


@router.post("")
async def post_new_member_form(request: Request, core: CoreDep, session: AdminPage) -> Response:
    """Create an account (no password given: the member chooses one from an e-mail link)."""
    fields = await form_fields(request)
    action = create_and_invite(
        request,
        core,
        fields.get("email", ""),
        fields.get("name", ""),
        fields.get("role", ""),
        fields.get("password", "") or None,
    )
    return await _act(request, core, session, action, "team_created")


@router.post("/{staff_id}/deactivate")
async def post_deactivate_form(
    staff_id: StaffId, request: Request, core: CoreDep, session: AdminPage
) -> Response:
    """Deactivate a member: their sessions end now, their open consoles close."""
    action = core.run(staff_lifecycle.deactivate_staff, staff_id, by=session.staff.id)
    return await _act(request, core, session, action, "team_deactivated", sessions_end=True)


@router.post("/{staff_id}/reactivate")
async def post_reactivate_form(
    staff_id: StaffId, request: Request, core: CoreDep, session: AdminPage
) -> Response:
    """Reactivate a member."""
    action = core.run(staff_lifecycle.reactivate_staff, staff_id, by=session.staff.id)
    return await _act(request, core, session, action, "team_reactivated")


@router.post("/{staff_id}/totp/reset")
async def post_totp_reset_form(
    staff_id: StaffId, request: Request, core: CoreDep, session: AdminPage
) -> Response:
    """Turn off a member's two-factor authentication: they enrol again."""
    action = core.run(staff_totp.reset_totp, staff_id, by=session.staff.id)
    return await _act(request, core, session, action, "team_totp_was_reset", sessions_end=True)


@router.post("/{staff_id}/agency")
async def post_agency_form(
    staff_id: StaffId, request: Request, core: CoreDep, session: AdminPage
) -> Response:
    """Tie a member to an agency (a mechanic's or manager's), or to none."""
    code = (await form_fields(request)).get("agency", "")[:40] or None

    async def tie() -> StaffView:
        await core.run(set_staff_agency, staff_id, code)
        return await core.run(staff_core.get_staff, staff_id)

    return await _act(request, core, session, tie(), "team_agency_saved")


async def _act(
    request: Request,
    core: Core,
    session: StaffSession,
    action: Awaitable[StaffView],
    done_key: str,
    *,
    sessions_end: bool = False,
) -> HTMLResponse:
    """Run `action`; the page with its outcome (a domain error: 4xx and its text). When the
    action ended the member's sessions, their open consoles are told."""
    t = texts(page_lang(request))
    try:
        member = await action
    except PitlaneError as exc:
        text = t[f"team_error_{exc.code}"] if exc.code in _KNOWN_ERRORS else None
        problem = Alert(text or t["error_invalid"].format(message=exc.message))
        return await _team_page(request, core, session, problem, domain_status(exc))
    if sessions_end:
        await announce_sessions_ended(request, member.id)
    done = Alert(t[done_key].format(name=member.name), "success")
    return await _team_page(request, core, session, done)


async def _team_page(
    request: Request,
    core: Core,
    session: StaffSession,
    alert: Alert | None = None,
    status: int = 200,
) -> HTMLResponse:
    t = texts(page_lang(request))
    people = await core.run(staff_core.list_staff)
    ties = await core.run(staff_agencies)
    known = await catalogue(core)
    agencies = sorted(known.agency_names.items(), key=lambda item: item[1])
    return staff_page(
        request,
        session,
        "team.html",
        current="team",
        title=t["team_title"],
        t=t,
        alerts=[alert],
        status=status,
        members=[_row(person, t, session.staff.id, ties) for person in people],
        agency_choices=[("", t["team_no_agency"]), *agencies],
        roles=[(role, t[f"role_{role}"]) for role in staff_core.ROLES],
        password_min=staff_core.PASSWORD_MIN,
    )


def _row(person: StaffView, t: dict[str, str], me: int, ties: dict[int, str]) -> MemberRow:
    return MemberRow(
        id=person.id,
        name=person.name,
        email=person.email,
        role_label=t[f"role_{person.role}"],
        active=person.active,
        status=t["team_active" if person.active else "team_inactive"],
        totp=t["team_totp_on" if person.totp_enabled else "team_totp_off"],
        totp_on=person.totp_enabled,
        is_me=person.id == me,
        agency=ties.get(person.id, ""),
    )
