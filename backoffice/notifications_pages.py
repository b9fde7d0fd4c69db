"""Admin page of the commercial notifications: compose, preview (with the audience's size),
send now or at a set time (Paris time), cancel a scheduled one, history with how many
customers received each. Role admin only; forms carry the session's CSRF token."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from backoffice.api.deps import Core, CoreDep
from backoffice.auth import StaffSession, form_fields
from backoffice.nav import staff_bar
from backoffice.rooms_texts import rooms_texts
from backoffice.staff_pages import alert_box, html_page, page_lang, page_session
from backoffice.templating import Safe, render, tag, void
from core import notifications
from core.errors import InvalidValue, PitlaneError
from core.notifications import NotificationView
from hub.offers import send_in_background

PAGE_PATH = "/staff/admin/notifications"
router = APIRouter(prefix=PAGE_PATH, include_in_schema=False)
FIELDS = ("title", "body", "link", "audience", "language", "send_at")
SEND_WAIT_SECONDS = 5.0  # how long "send now" waits for the fan-out before answering
REFRESH_SECONDS = 3  # while a notification is sending, the page reloads itself


@router.get("")
async def get_notifications_page(request: Request, core: CoreDep) -> Response:
    """The composer and the history."""
    session = await page_session(request, core, admin=True)
    if not isinstance(session, StaffSession):
        return session
    return await _page(request, core, session, {})


@router.post("")
async def post_notification_form(request: Request, core: CoreDep) -> Response:
    """`action=preview` shows it and its reach; `action=send` sends or schedules it."""
    session = await page_session(request, core, admin=True, write=True)
    if not isinstance(session, StaffSession):
        return session
    t = rooms_texts(page_lang(request))
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
        problem = alert_box(t["error_invalid"].format(message=exc.message))
        return await _page(request, core, session, form, alert=problem, status=422)
    if view.status == "sending":
        # the history then shows the outcome; a long fan-out goes on and the page refreshes
        await asyncio.wait({send_in_background(request.app, view)}, timeout=SEND_WAIT_SECONDS)
        done = t["notif_sent"].format(title=view.title)
    else:
        done = t["notif_scheduled"].format(title=view.title, when=_local(view.send_at, zone))
    return await _page(request, core, session, {}, alert=alert_box(done, "success"))


@router.post("/{notification_id}/cancel")
async def post_cancel_form(
    notification_id: Annotated[int, Path(ge=1, le=2**31 - 1)], request: Request, core: CoreDep
) -> Response:
    """Cancel a scheduled notification."""
    session = await page_session(request, core, admin=True, write=True)
    if not isinstance(session, StaffSession):
        return session
    t = rooms_texts(page_lang(request))
    try:
        await core.run(notifications.cancel_notification, notification_id)
    except PitlaneError as exc:
        problem = alert_box(t["error_invalid"].format(message=exc.message))
        return await _page(request, core, session, {}, alert=problem, status=409)
    return await _page(request, core, session, {}, alert=alert_box(t["notif_cancelled"], "success"))


async def _page(
    request: Request,
    core: Core,
    session: StaffSession,
    form: dict[str, str],
    *,
    alert: Safe | str = "",
    preview: Safe | None = None,
    status: int = 200,
) -> HTMLResponse:
    lang = page_lang(request)
    t = rooms_texts(lang)
    zone = ZoneInfo(request.app.state.settings.timezone)
    history = await core.run(notifications.list_notifications)
    audience = form.get("audience") or "all"
    language = form.get("language") or "fr"
    sending = any(view.status == "sending" for view in history)
    refresh = void("meta", http_equiv="refresh", content=f"{REFRESH_SECONDS}; url={PAGE_PATH}")
    values = {
        "lang": lang,
        "head": refresh if sending else Safe(""),
        "csrf": session.csrf_token,
        "bar": staff_bar(request, session, current="notifications", title=t["notif_title"]),
        "alert": alert,
        "f_title": form.get("title", ""),
        "f_body": form.get("body", ""),
        "f_link": form.get("link", ""),
        "f_send_at": form.get("send_at", ""),
        "audience_options": _options(
            [(a, t[f"notif_audience_{a}"]) for a in notifications.AUDIENCES], audience
        ),
        "language_options": _options(
            [(code, t[f"notif_lang_{code}"]) for code in notifications.LANGUAGES], language
        ),
        "preview": preview if preview is not None else tag("p", "—", class_="empty"),
        "history": _history(history, session.csrf_token, t, zone),
    }
    return html_page(render("staff_notifications.html", values, t), status)


def _preview(cleaned: dict[str, str | None], reach: dict[str, int], t: dict[str, str]) -> Safe:
    link = Safe("")
    if cleaned["link"]:
        link = tag("a", t["notif_open_link"], href=cleaned["link"], rel="noopener", target="_blank")
    card = tag(
        "div",
        Safe(tag("h3", cleaned["title"] or "") + tag("p", cleaned["body"] or "") + link),
        class_="notif-card",
        data_admin="preview",
    )
    counts = tag("p", t["notif_reach"].format(**reach), class_="hint", data_admin="reach")
    return Safe(card + counts)


def _history(history: list[NotificationView], csrf: str, t: dict[str, str], zone: ZoneInfo) -> Safe:
    if not history:
        return tag("p", t["notif_none"], class_="empty")
    head = "".join(
        tag("th", t[k])
        for k in (
            "notif_when",
            "notif_field_title",
            "notif_audience",
            "notif_status",
            "notif_received",
        )
    )
    rows = []
    for view in history:
        audience = t[f"notif_audience_{view.audience}"]
        if view.language:
            audience += f" ({t[f'notif_lang_{view.language}']})"
        status = Safe(tag("span", t[f"notif_status_{view.status}"]))
        if view.status == "scheduled":
            status = Safe(
                status + f'<form class="inline-form" method="post" '
                f'action="/staff/admin/notifications/{view.id}/cancel">'
                f'<input type="hidden" name="csrf_token" value="{_attr(csrf)}">'
                + tag("button", t["notif_cancel"], class_="btn btn-small btn-danger", type="submit")
                + "</form>"
            )
        cells = (
            tag("td", _local(view.sent_at or view.send_at, zone))
            + tag("td", view.title)
            + tag("td", audience)
            + tag("td", status)
            + tag("td", str(view.received), data_admin="received")
        )
        rows.append(str(tag("tr", Safe(cells), data_notification_id=view.id)))
    return Safe(
        f'<table class="room-table" data-admin="history"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _options(choices: list[tuple[str, str]], selected: str) -> Safe:
    return Safe(
        "".join(
            tag("option", label, value=value, selected=value == selected)
            for value, label in choices
        )
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


def _local(value: datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%d/%m/%Y %H:%M")


def _attr(value: str) -> str:
    from html import escape

    return escape(value, quote=True)
