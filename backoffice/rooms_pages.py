"""Admin pages of the chat rooms: list, create, rename, resize, delete; one room's members
and history, where messages are removed and customers banned. Role admin only; forms carry
the session's CSRF token; no script (the pages work with forms alone)."""

from __future__ import annotations

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
from backoffice.templating import Safe, render, tag
from core import rooms
from core.errors import CapacityBelowMembers, PitlaneError
from core.rooms import MemberView, RoomMessageView, RoomView
from hub import rooms as rooms_hub

router = APIRouter(prefix="/staff/admin/rooms", include_in_schema=False)
RoomId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("")
async def get_rooms_page(request: Request, core: CoreDep) -> Response:
    """Every room with its occupancy, and the forms to change them."""
    session = await page_session(request, core, admin=True)
    if not isinstance(session, StaffSession):
        return session
    return await _rooms_page(request, core, session)


@router.post("")
async def post_room_form(request: Request, core: CoreDep) -> Response:
    """Create a room."""
    session = await page_session(request, core, admin=True, write=True)
    if not isinstance(session, StaffSession):
        return session
    t = rooms_texts(page_lang(request))
    fields = await form_fields(request)
    try:
        view = await rooms_hub.create(
            request.app.state.hub,
            name=fields.get("name", ""),
            capacity=_whole(fields.get("capacity", "")),
            description=fields.get("description") or None,
            created_by=session.staff.id,
        )
    except PitlaneError as exc:
        return await _rooms_page(request, core, session, _problem(t, exc), 422)
    done = alert_box(t["room_created"].format(name=view.name), "success")
    return await _rooms_page(request, core, session, done)


@router.post("/{room_id}/rename")
async def post_rename_form(room_id: RoomId, request: Request, core: CoreDep) -> Response:
    """Rename a room (and change its description)."""
    session = await page_session(request, core, admin=True, write=True)
    if not isinstance(session, StaffSession):
        return session
    t = rooms_texts(page_lang(request))
    fields = await form_fields(request)
    try:
        view, _ = await rooms_hub.update(
            request.app.state.hub,
            room_id,
            name=fields.get("name", ""),
            description=fields.get("description", ""),
        )
    except PitlaneError as exc:
        return await _rooms_page(request, core, session, _problem(t, exc), 422)
    done = alert_box(t["room_renamed"].format(name=view.name), "success")
    return await _rooms_page(request, core, session, done)


@router.post("/{room_id}/capacity")
async def post_capacity_form(room_id: RoomId, request: Request, core: CoreDep) -> Response:
    """Change a room's capacity; below its members, only with the eviction box ticked."""
    session = await page_session(request, core, admin=True, write=True)
    if not isinstance(session, StaffSession):
        return session
    t = rooms_texts(page_lang(request))
    fields = await form_fields(request)
    evict = fields.get("evict") == "1"
    try:
        capacity = _whole(fields.get("capacity", ""))
        view, evicted = await rooms_hub.update(
            request.app.state.hub, room_id, capacity=capacity, evict=evict
        )
    except CapacityBelowMembers as exc:
        text = t["room_capacity_below"].format(
            members=exc.members, capacity=capacity, excess=exc.members - capacity
        )
        return await _rooms_page(request, core, session, alert_box(text), 409)
    except PitlaneError as exc:
        return await _rooms_page(request, core, session, _problem(t, exc), 422)
    key = "room_capacity_evicted" if evicted else "room_capacity_saved"
    text = t[key].format(name=view.name, capacity=view.capacity, evicted=evicted)
    return await _rooms_page(request, core, session, alert_box(text, "success"))


@router.post("/{room_id}/delete")
async def post_delete_form(room_id: RoomId, request: Request, core: CoreDep) -> Response:
    """Delete (close) a room."""
    session = await page_session(request, core, admin=True, write=True)
    if not isinstance(session, StaffSession):
        return session
    t = rooms_texts(page_lang(request))
    try:
        view = await rooms_hub.delete(request.app.state.hub, room_id)
    except PitlaneError as exc:
        return await _rooms_page(request, core, session, _problem(t, exc), 422)
    done = alert_box(t["room_deleted_done"].format(name=view.name), "success")
    return await _rooms_page(request, core, session, done)


@router.get("/{room_id}")
async def get_room_page(room_id: RoomId, request: Request, core: CoreDep) -> Response:
    """One room: its members (ban) and history (remove, ban the author)."""
    session = await page_session(request, core, admin=True)
    if not isinstance(session, StaffSession):
        return session
    return await _room_page(request, core, session, room_id)


@router.post("/{room_id}/messages/{message_id}/remove")
async def post_remove_form(
    room_id: RoomId, message_id: ItemId, request: Request, core: CoreDep
) -> Response:
    """Remove a message from the customers' view."""
    session = await page_session(request, core, admin=True, write=True)
    if not isinstance(session, StaffSession):
        return session
    t = rooms_texts(page_lang(request))
    try:
        await rooms_hub.remove_message(request.app.state.hub, message_id, session.staff.id)
    except PitlaneError as exc:
        return await _room_page(request, core, session, room_id, _problem(t, exc), 422)
    done = alert_box(t["room_removed"], "success")
    return await _room_page(request, core, session, room_id, done)


@router.post("/{room_id}/bans")
async def post_ban_form(room_id: RoomId, request: Request, core: CoreDep) -> Response:
    """Ban a member (`member_id`) or a message's author (`message_id`)."""
    session = await page_session(request, core, admin=True, write=True)
    if not isinstance(session, StaffSession):
        return session
    t = rooms_texts(page_lang(request))
    fields = await form_fields(request)
    member = fields.get("member_id", "")
    message = fields.get("message_id", "")
    try:
        await rooms_hub.ban(
            request.app.state.hub,
            room_id,
            member_id=_whole(member) if member else None,
            message_id=_whole(message) if message else None,
            staff_id=session.staff.id,
        )
    except PitlaneError as exc:
        return await _room_page(request, core, session, room_id, _problem(t, exc), 422)
    done = alert_box(t["room_banned"], "success")
    return await _room_page(request, core, session, room_id, done)


# ---- rendering ------------------------------------------------------------------------


async def _rooms_page(
    request: Request,
    core: Core,
    session: StaffSession,
    alert: Safe | str = "",
    status: int = 200,
) -> HTMLResponse:
    lang = page_lang(request)
    t = rooms_texts(lang)
    found = await core.run(rooms.list_rooms)
    if found:
        head = "".join(
            tag("th", t[k]) for k in ("room_name", "room_occupancy", "room_status", "room_actions")
        )
        body = "\n".join(_room_row(view, session.csrf_token, t) for view in found)
        table = Safe(
            f'<table class="room-table" data-admin="rooms"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>"
        )
    else:
        table = tag("p", t["room_none"], class_="empty")
    values = {
        "lang": lang,
        "csrf": session.csrf_token,
        "bar": staff_bar(request, session, current="rooms", title=t["rooms_title"]),
        "alert": alert,
        "rooms": table,
    }
    return html_page(render("staff_rooms.html", values, t), status)


def _room_row(view: RoomView, csrf: str, t: dict[str, str]) -> str:
    is_open = view.status == "open"
    name = tag("a", view.name, class_="room-name", href=f"/staff/admin/rooms/{view.id}")
    desc = tag("span", view.description or "", class_="room-desc")
    # a native <meter>: the CSP allows no inline style
    meter = Safe(
        f'<meter class="meter" min="0" max="{view.capacity}" value="{view.members}" '
        f'high="{max(0, view.capacity - 1)}" optimum="0" aria-hidden="true"></meter>'
    )
    occupancy = Safe(
        tag("span", f"{view.members} / {view.capacity}", data_admin="occupancy") + meter
    )
    status = tag(
        "span",
        t["room_open" if is_open else "room_deleted"],
        class_="room-status",
        data_status=view.status,
    )
    forms = Safe("")
    if is_open:
        hidden = f'<input type="hidden" name="csrf_token" value="{_attr(csrf)}">'
        rename = (
            f'<form class="inline-form" method="post" action="/staff/admin/rooms/{view.id}/rename">'
            + hidden
            + f'<input name="name" required minlength="2" maxlength="60" value="{_attr(view.name)}"'
            f' aria-label="{_attr(t["room_name"])}">'
            + f'<input name="description" maxlength="300" value="{_attr(view.description or "")}"'
            f' aria-label="{_attr(t["room_description"])}"'
            f' placeholder="{_attr(t["room_description"])}">'
            + tag("button", t["room_rename"], class_="btn btn-small btn-ghost", type="submit")
            + "</form>"
        )
        capacity = (
            '<form class="inline-form" method="post" '
            f'action="/staff/admin/rooms/{view.id}/capacity">'
            + hidden
            + f'<input name="capacity" type="number" min="1" max="{rooms.MAX_CAPACITY}" '
            f'value="{view.capacity}" aria-label="{_attr(t["room_capacity"])}">'
            + tag("button", t["room_set_capacity"], class_="btn btn-small btn-ghost", type="submit")
            + '<label class="check"><input type="checkbox" name="evict" value="1">'
            + tag("span", t["room_evict"])
            + "</label></form>"
        )
        delete = (
            f'<form class="inline-form" method="post" action="/staff/admin/rooms/{view.id}/delete">'
            + hidden
            + tag("button", t["room_delete"], class_="btn btn-small btn-danger", type="submit")
            + tag("span", t["room_delete_hint"], class_="hint")
            + "</form>"
        )
        forms = Safe(f'<div class="room-forms">{rename}{capacity}{delete}</div>')
    cells = [
        tag("td", Safe(name + desc)),
        tag("td", occupancy),
        tag("td", status),
        tag("td", forms),
    ]
    return str(tag("tr", Safe("".join(cells)), data_room_id=view.id, data_status=view.status))


async def _room_page(
    request: Request,
    core: Core,
    session: StaffSession,
    room_id: int,
    alert: Safe | str = "",
    status: int = 200,
) -> HTMLResponse:
    lang = page_lang(request)
    t = rooms_texts(lang)
    zone = ZoneInfo(request.app.state.settings.timezone)
    view = await core.run(rooms.get_room, room_id)
    members = await core.run(rooms.room_members, room_id)
    history = await core.run(rooms.room_history, room_id)
    hidden = f'<input type="hidden" name="csrf_token" value="{_attr(session.csrf_token)}">'
    is_open = view.status == "open"
    values = {
        "lang": lang,
        "bar": staff_bar(request, session, current="rooms", title=t["rooms_title"]),
        "alert": alert,
        "room_name": view.name,
        "room_status": view.status,
        "room_status_label": t["room_open" if is_open else "room_deleted"],
        "room_summary": f"{view.members} / {view.capacity}"
        + (f" · {view.description}" if view.description else ""),
        "closed_notice": Safe("") if is_open else alert_box(t["room_closed_notice"], "info"),
        "members": _members_table(members, room_id, hidden, t, zone, is_open),
        "messages": _messages_table(history, room_id, hidden, t, zone),
    }
    return html_page(render("staff_room.html", values, t), status)


def _members_table(
    members: list[MemberView],
    room_id: int,
    hidden: str,
    t: dict[str, str],
    zone: ZoneInfo,
    is_open: bool,
) -> Safe:
    if not members:
        return tag("p", t["room_no_members"], class_="empty")
    rows = []
    for member in members:
        ban = Safe("")
        if is_open:
            ban = Safe(
                f'<form method="post" action="/staff/admin/rooms/{room_id}/bans">{hidden}'
                f'<input type="hidden" name="member_id" value="{member.id}">'
                + tag("button", t["room_ban"], class_="btn btn-small btn-danger", type="submit")
                + "</form>"
            )
        cells = (
            tag("td", member.display_name)
            + tag("td", _local(member.joined_at, zone))
            + tag("td", ban)
        )
        rows.append(str(tag("tr", Safe(cells), data_member_id=member.id)))
    head = tag("th", t["room_name"]) + tag("th", t["room_joined"]) + tag("th", "")
    return Safe(
        f'<table class="room-table" data-admin="members"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _messages_table(
    history: list[RoomMessageView], room_id: int, hidden: str, t: dict[str, str], zone: ZoneInfo
) -> Safe:
    if not history:
        return tag("p", t["room_no_messages"], class_="empty")
    rows = []
    for message in history:
        removed = message.removed_at is not None
        text = tag("span", message.text, class_="msg-text" + (" msg-removed" if removed else ""))
        badges = Safe("")
        if removed:
            badges = tag("span", t["room_removed_badge"], class_="badge")
        elif message.reports:
            badges = tag("span", f"{t['room_reports']} : {message.reports}", class_="badge")
        actions = Safe("")
        if not removed:
            actions = Safe(
                f'<div class="room-forms"><form method="post" '
                f'action="/staff/admin/rooms/{room_id}/messages/{message.id}/remove">{hidden}'
                + tag("button", t["room_remove"], class_="btn btn-small btn-ghost", type="submit")
                + "</form>"
                f'<form method="post" action="/staff/admin/rooms/{room_id}/bans">{hidden}'
                f'<input type="hidden" name="message_id" value="{message.id}">'
                + tag(
                    "button", t["room_ban_author"], class_="btn btn-small btn-danger", type="submit"
                )
                + "</form></div>"
            )
        cells = (
            tag("td", _local(message.created_at, zone))
            + tag("td", message.author)
            + tag("td", Safe(text + badges))
            + tag("td", actions)
        )
        rows.append(str(tag("tr", Safe(cells), data_message_id=message.id)))
    return Safe(
        '<table class="room-table" data-admin="messages"><tbody>'
        + "".join(rows)
        + "</tbody></table>"
    )


def _problem(t: dict[str, str], exc: PitlaneError) -> Safe:
    return alert_box(t["error_room"].format(message=exc.message))


def _whole(raw: str) -> int:
    from core.errors import InvalidValue

    raw = raw.strip()
    if not raw.isdigit() or len(raw) > 6:
        raise InvalidValue("invalid_number", "a whole number is expected")
    return int(raw)


def _local(value: datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%d/%m/%Y %H:%M")


def _attr(value: str) -> str:
    from html import escape

    return escape(value, quote=True)
