"""Admin page of the commercial notifications: compose, preview (with the audience's size),
send now or at a set time (Paris time), cancel a scheduled one, history with how many
customers received each. Role admin only; forms carry the session's CSRF token."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from backoffice.api.deps import Core, CoreDep
from backoffice.auth import StaffSession, form_fields
from backoffice.page_auth import AdminPage
from backoffice.rooms_texts import rooms_texts
from backoffice.staff_pages import page_lang
from backoffice.views import Alert, staff_page
from core import notifications
from core.errors import InvalidValue, PitlaneError
from core.formatting import format_datetime
from core.notifications import NotificationView
from hub.offers import send_in_background

PAGE_PATH = "/staff/admin/notifications"
router = APIRouter(prefix=PAGE_PATH, include_in_schema=False)
FIELDS = ("title", "body", "link", "audience", "language", "send_at")
SEND_WAIT_SECONDS = 5.0  # how long "send now" waits for the fan-out before answering
REFRESH_SECONDS = 3  # while a notification is sending, the page reloads itself


@router.get("")
async def get_notifications_page(request: Request, core: CoreDep, session: AdminPage) -> Response:
    """The composer and the history."""
    return await _page(request, core, session, {})


@router.post("")
async def post_notification_form(request: Request, core: CoreDep, session: AdminPage) -> Response:
    """`action=preview` shows it and its reach; `action=send` sends or schedules it."""
    lang = page_lang(request)
    t = rooms_texts(lang)
    fields = await form_fields(request)
    form = {k: fields.get(k, "") for k in FIELDS}
    zone = ZoneInfo(request.app.state.settings.timezone)
    try:
        send_at = _send_at(form["send_at"], zone)
        language = form["language"] or None
        if fields.get("action") == "preview":
            cleaned = notifications.validate(
                title=form["title"],
                body=form["body"],
                link=form["link"],
                audience=form["audience"],
                language=language,
            )
            reach = await core.run(
                notifications.audience_size, form["audience"], cleaned["language"]
            )
            preview = _preview(cleaned, reach, t)
            return await _page(request, core, session, form, preview=preview)
        view = await core.run(
            notifications.create_notification,
            title=form["title"],
            body=form["body"],
            link=form["link"],
            audience=form["audience"],
            language=language,
            send_at=send_at,
            created_by=session.staff.id,
            now=core.now(),
        )
    except PitlaneError as exc:
        problem = Alert(t["error_invalid"].format(message=exc.message))
        return await _page(request, core, session, form, alert=problem, status=422)
    if view.status == "sending":
        # the history then shows the outcome; a long fan-out goes on and the page refreshes
        await asyncio.wait({send_in_background(request.app, view)}, timeout=SEND_WAIT_SECONDS)
        done = t["notif_sent"].format(title=view.title)
    else:
        done = t["notif_scheduled"].format(
            title=view.title, when=format_datetime(view.send_at, zone.key, lang)
        )
    return await _page(request, core, session, {}, alert=Alert(done, "success"))


@router.post("/{notification_id}/cancel")
async def post_cancel_form(
    notification_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    request: Request,
    core: CoreDep,
    session: AdminPage,
) -> Response:
    """Cancel a scheduled notification."""
    t = rooms_texts(page_lang(request))
    try:
        await core.run(notifications.cancel_notification, notification_id)
    except PitlaneError as exc:
        problem = Alert(t["error_invalid"].format(message=exc.message))
        return await _page(request, core, session, {}, alert=problem, status=409)
    return await _page(request, core, session, {}, alert=Alert(t["notif_cancelled"], "success"))


@dataclass(frozen=True)
class Preview:
    title: str
    body: str
    link: str
    reach: str


@dataclass(frozen=True)
class HistoryRow:
    id: int
    when: str
    title: str
    audience: str
    status: str
    scheduled: bool
    received: int


async def _page(
    request: Request,
    core: Core,
    session: StaffSession,
    form: dict[str, str],
    *,
    alert: Alert | None = None,
    preview: Preview | None = None,
    status: int = 200,
) -> HTMLResponse:
    lang = page_lang(request)
    t = rooms_texts(lang)
    zone = ZoneInfo(request.app.state.settings.timezone)
    history = await core.run(notifications.list_notifications)
    return staff_page(
        request,
        session,
        "notifications.html",
        current="notifications",
        title=t["notif_title"],
        t=t,
        alerts=[alert],
        status=status,
        sending=any(view.status == "sending" for view in history),
        refresh_seconds=REFRESH_SECONDS,
        page_path=PAGE_PATH,
        f_title=form.get("title", ""),
        f_body=form.get("body", ""),
        f_link=form.get("link", ""),
        f_send_at=form.get("send_at", ""),
        audiences=[(a, t[f"notif_audience_{a}"]) for a in notifications.AUDIENCES],
        audience=form.get("audience") or "all",
        languages=[(code, t[f"notif_lang_{code}"]) for code in notifications.LANGUAGES],
        language=form.get("language") or "fr",
        preview=preview,
        history=[_history_row(view, t, zone, lang) for view in history],
    )


def _preview(cleaned: dict[str, str | None], reach: dict[str, int], t: dict[str, str]) -> Preview:
    return Preview(
        title=cleaned["title"] or "",
        body=cleaned["body"] or "",
        link=cleaned["link"] or "",
        reach=t["notif_reach"].format(**reach),
    )


def _history_row(
    view: NotificationView, t: dict[str, str], zone: ZoneInfo, lang: str
) -> HistoryRow:
    audience = t[f"notif_audience_{view.audience}"]
    if view.language:
        audience += f" ({t[f'notif_lang_{view.language}']})"
    return HistoryRow(
        id=view.id,
        when=format_datetime(view.sent_at or view.send_at, zone.key, lang),
        title=view.title,
        audience=audience,
        status=t[f"notif_status_{view.status}"],
        scheduled=view.status == "scheduled",
        received=view.received,
    )


def _send_at(raw: str, zone: ZoneInfo) -> datetime | None:
    """A `datetime-local` value in the configured zone, as aware UTC; empty -> None (now)."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        local = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidValue("invalid_send_at", "unreadable sending time") from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=zone)
    return local
