"""Admin pages of the chat rooms: list, create, rename, resize, delete; one room's members
and history, where messages are removed and customers banned. Role admin only; forms carry
the session's CSRF token; no script (the pages work with forms alone)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from backoffice.api.deps import Core, CoreDep
from backoffice.auth import StaffSession, form_fields
from backoffice.page_auth import AdminPage
from backoffice.rooms_texts import rooms_texts
from backoffice.staff_pages import page_lang
from backoffice.views import Alert, staff_page
from core import rooms
from core.errors import CapacityBelowMembers, PitlaneError
from core.formatting import format_datetime
from core.rooms import RoomMessageView
from hub import rooms as rooms_hub

router = APIRouter(prefix="/staff/admin/rooms", include_in_schema=False)
RoomId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("")
async def get_rooms_page(request: Request, core: CoreDep, session: AdminPage) -> Response:
    """Every room with its occupancy, and the forms to change them."""
    return await _rooms_page(request, core, session)


@router.post("")
async def post_room_form(request: Request, core: CoreDep, session: AdminPage) -> Response:
    """Create a room."""
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
    done = Alert(t["room_created"].format(name=view.name), "success")
    return await _rooms_page(request, core, session, done)


@router.post("/{room_id}/rename")
async def post_rename_form(
    room_id: RoomId, request: Request, core: CoreDep, session: AdminPage
) -> Response:
    """Rename a room (and change its description)."""
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
    done = Alert(t["room_renamed"].format(name=view.name), "success")
    return await _rooms_page(request, core, session, done)


@router.post("/{room_id}/capacity")
async def post_capacity_form(
    room_id: RoomId, request: Request, core: CoreDep, session: AdminPage
) -> Response:
    """Change a room's capacity; below its members, only with the eviction box ticked."""
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
        return await _rooms_page(request, core, session, Alert(text), 409)
    except PitlaneError as exc:
        return await _rooms_page(request, core, session, _problem(t, exc), 422)
    key = "room_capacity_evicted" if evicted else "room_capacity_saved"
    text = t[key].format(name=view.name, capacity=view.capacity, evicted=evicted)
    return await _rooms_page(request, core, session, Alert(text, "success"))


@router.post("/{room_id}/delete")
async def post_delete_form(
    room_id: RoomId, request: Request, core: CoreDep, session: AdminPage
) -> Response:
    """Delete (close) a room."""
    t = rooms_texts(page_lang(request))
    try:
        view = await rooms_hub.delete(request.app.state.hub, room_id)
    except PitlaneError as exc:
        return await _rooms_page(request, core, session, _problem(t, exc), 422)
    done = Alert(t["room_deleted_done"].format(name=view.name), "success")
    return await _rooms_page(request, core, session, done)


@router.get("/{room_id}")
async def get_room_page(
    room_id: RoomId, request: Request, core: CoreDep, session: AdminPage
) -> Response:
    """One room: its members (ban) and history (remove, ban the author)."""
    return await _room_page(request, core, session, room_id)


@router.post("/{room_id}/messages/{message_id}/remove")
async def post_remove_form(
    room_id: RoomId, message_id: ItemId, request: Request, core: CoreDep, session: AdminPage
) -> Response:
    """Remove a message from the customers' view."""
    t = rooms_texts(page_lang(request))
    try:
        await rooms_hub.remove_message(request.app.state.hub, message_id, session.staff.id)
    except PitlaneError as exc:
        return await _room_page(request, core, session, room_id, _problem(t, exc), 422)
    done = Alert(t["room_removed"], "success")
    return await _room_page(request, core, session, room_id, done)


@router.post("/{room_id}/bans")
async def post_ban_form(
    room_id: RoomId, request: Request, core: CoreDep, session: AdminPage
) -> Response:
    """Ban a member (`member_id`) or a message's author (`message_id`)."""
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
    done = Alert(t["room_banned"], "success")
    return await _room_page(request, core, session, room_id, done)


# ---- rendering ------------------------------------------------------------------------


async def _rooms_page(
    request: Request,
    core: Core,
    session: StaffSession,
    alert: Alert | None = None,
    status: int = 200,
) -> HTMLResponse:
    t = rooms_texts(page_lang(request))
    return staff_page(
        request,
        session,
        "rooms.html",
        current="rooms",
        title=t["rooms_title"],
        t=t,
        alerts=[alert],
        status=status,
        rooms=await core.run(rooms.list_rooms),
        max_capacity=rooms.MAX_CAPACITY,
    )


@dataclass(frozen=True)
class MemberRow:
    id: int
    display_name: str
    joined: str


@dataclass(frozen=True)
class MessageRow:
    id: int
    when: str
    author: str
    text: str
    removed: bool
    reports: int


async def _room_page(
    request: Request,
    core: Core,
    session: StaffSession,
    room_id: int,
    alert: Alert | None = None,
    status: int = 200,
) -> HTMLResponse:
    lang = page_lang(request)
    t = rooms_texts(lang)
    zone: str = request.app.state.settings.timezone
    view = await core.run(rooms.get_room, room_id)
    members = await core.run(rooms.room_members, room_id)
    history = await core.run(rooms.room_history, room_id)
    is_open = view.status == "open"
    summary = f"{view.members} / {view.capacity}"
    return staff_page(
        request,
        session,
        "room.html",
        current="rooms",
        title=t["rooms_title"],
        t=t,
        alerts=[alert],
        status=status,
        room_id=room_id,
        room_name=view.name,
        room_status=view.status,
        room_status_label=t["room_open" if is_open else "room_deleted"],
        room_summary=summary + (f" · {view.description}" if view.description else ""),
        is_open=is_open,
        members=[
            MemberRow(m.id, m.display_name, format_datetime(m.joined_at, zone, lang))
            for m in members
        ],
        messages=[_message_row(message, zone, lang) for message in history],
    )


def _message_row(message: RoomMessageView, zone: str, lang: str) -> MessageRow:
    removed = message.removed_at is not None
    when = format_datetime(message.created_at, zone, lang)
    return MessageRow(message.id, when, message.author, message.text, removed, message.reports)


def _problem(t: dict[str, str], exc: PitlaneError) -> Alert:
    return Alert(t["error_room"].format(message=exc.message))


def _whole(raw: str) -> int:
    from core.errors import InvalidValue

    raw = raw.strip()
    if not raw.isdigit() or len(raw) > 6:
        raise InvalidValue("invalid_number", "a whole number is expected")
    return int(raw)
