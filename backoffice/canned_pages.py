"""The admin page of the console's canned replies (core/canned_replies.py): list them, add one,
edit or delete one. Role admin only; every form that changes something carries the session's
CSRF token; no script."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from backoffice.api.deps import Core, CoreDep
from backoffice.auth import StaffSession, form_fields
from backoffice.page_auth import AdminPage
from backoffice.staff_pages import page_lang
from backoffice.views import Alert
from backoffice.workshop_layout import alerts, workshop_page
from backoffice.workshop_texts import code_text, workshop_texts
from core import canned_replies
from core.canned_replies import TEXT_MAX, TITLE_MAX, CannedReplyInput, CannedReplyView
from core.errors import PitlaneError
from core.i18n import messages
from core.models import CANNED_LANGUAGES

router = APIRouter(prefix="/staff/admin/canned-replies", include_in_schema=False)

PATH = "/staff/admin/canned-replies"
ReplyId = Annotated[int, Path(ge=1, le=2**31 - 1)]
FORM_BYTES = 32 * 1024  # a text of 2000 characters url-encoded (up to 9 bytes each), the rest
PREVIEW_CHARS = 140


def canned_texts(language: str) -> dict[str, str]:
    """The staff frame's strings with the page's own (the `canned` context), in `language`."""
    return {**workshop_texts(language), **messages("canned", language)}


@router.get("")
async def get_canned_replies_page(request: Request, core: CoreDep, session: AdminPage) -> Response:
    """Admins: the canned replies and the form to add one."""
    return await _list_page(request, core, session)


@router.post("")
async def post_canned_reply_form(request: Request, core: CoreDep, session: AdminPage) -> Response:
    """Add a canned reply; a refused value shows the form again as typed, with the reason."""
    t = canned_texts(page_lang(request))
    fields = await form_fields(request, FORM_BYTES)
    try:
        view = await core.run(canned_replies.create_reply, _reply_input(fields))
    except PitlaneError as exc:
        return await _list_page(request, core, session, _problem(t, exc), 422, fields)
    done = alerts((t["canned_created"].format(shortcut=view.shortcut), "success"))
    return await _list_page(request, core, session, done)


@router.get("/{reply_id}")
async def get_canned_reply_page(
    reply_id: ReplyId, request: Request, core: CoreDep, session: AdminPage
) -> Response:
    """One reply's form (404 page for a reply no longer there)."""
    view = await core.run(canned_replies.get_reply, reply_id)
    return _edit_page(request, session, view, _as_form(view))


@router.post("/{reply_id}")
async def post_canned_reply_edit_form(
    reply_id: ReplyId, request: Request, core: CoreDep, session: AdminPage
) -> Response:
    """Save a reply, then back to the list."""
    t = canned_texts(page_lang(request))
    fields = await form_fields(request, FORM_BYTES)
    try:
        view = await core.run(canned_replies.update_reply, reply_id, _reply_input(fields))
    except PitlaneError as exc:
        current = await core.run(canned_replies.get_reply, reply_id)  # gone: the 404 page
        return _edit_page(request, session, current, fields, _problem(t, exc), 422)
    done = alerts((t["canned_saved"].format(shortcut=view.shortcut), "success"))
    return await _list_page(request, core, session, done)


@router.post("/{reply_id}/delete")
async def post_canned_reply_delete_form(
    reply_id: ReplyId, request: Request, core: CoreDep, session: AdminPage
) -> Response:
    """Delete a reply."""
    t = canned_texts(page_lang(request))
    view = await core.run(canned_replies.delete_reply, reply_id)
    done = alerts((t["canned_deleted"].format(shortcut=view.shortcut), "success"))
    return await _list_page(request, core, session, done)


# ---- reading the form -----------------------------------------------------------------


def _reply_input(fields: dict[str, str]) -> CannedReplyInput:
    return CannedReplyInput(
        shortcut=fields.get("shortcut", ""),
        language=fields.get("language", ""),
        title=fields.get("title", ""),
        text=fields.get("text", ""),
    )


def _as_form(view: CannedReplyView) -> dict[str, str]:
    return {
        "shortcut": view.shortcut,
        "language": view.language,
        "title": view.title,
        "text": view.text,
    }


def _problem(t: dict[str, str], exc: PitlaneError) -> list[Alert]:
    return alerts((t["error_canned"].format(message=code_text(t, exc.code, exc.message)), "error"))


# ---- view models ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReplyRow:
    id: int
    shortcut: str
    language: str
    title: str
    preview: str


@dataclass(frozen=True)
class ReplyForm:
    action: str
    form_name: str  # create or edit
    shortcut: str
    language: str
    title: str
    text: str


async def _list_page(
    request: Request,
    core: Core,
    session: StaffSession,
    alert: Sequence[Alert] = (),
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> Response:
    t = canned_texts(page_lang(request))
    replies = await core.run(canned_replies.list_replies)
    blank = {"language": page_lang(request)}
    return _page(
        request,
        session,
        t,
        "canned_replies.html",
        alert,
        status,
        form=_form(PATH, "create", typed or blank),
        columns=[t[f"canned_col_{key}"] for key in ("shortcut", "title", "text", "actions")],
        rows=[_row(view) for view in replies],
    )


def _edit_page(
    request: Request,
    session: StaffSession,
    view: CannedReplyView,
    values: dict[str, str],
    alert: Sequence[Alert] = (),
    status: int = 200,
) -> Response:
    t = canned_texts(page_lang(request))
    heading = t["canned_edit_heading"].format(
        shortcut=view.shortcut, language=view.language.upper()
    )
    return _page(
        request,
        session,
        t,
        "canned_reply_edit.html",
        alert,
        status,
        form=_form(f"{PATH}/{view.id}", "edit", values),
        reply_id=view.id,
        heading=heading,
    )


def _page(
    request: Request,
    session: StaffSession,
    t: dict[str, str],
    template: str,
    alert: Sequence[Alert],
    status: int,
    **context: Any,
) -> Response:
    return workshop_page(
        request,
        session,
        template,
        page="canned",
        title_key="canned_title",
        lead_key="canned_lead",
        alerts=alert,
        status=status,
        texts=t,
        list_path=PATH,
        language_choices=[(code, t[f"canned_language_{code}"]) for code in CANNED_LANGUAGES],
        title_max=TITLE_MAX,
        text_max=TEXT_MAX,
        **context,
    )


def _row(view: CannedReplyView) -> ReplyRow:
    text = view.text
    preview = text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1].rstrip() + "…"
    return ReplyRow(view.id, view.shortcut, view.language, view.title, preview)


def _form(action: str, form_name: str, values: dict[str, str]) -> ReplyForm:
    return ReplyForm(
        action=action,
        form_name=form_name,
        shortcut=values.get("shortcut", ""),
        language=values.get("language", ""),
        title=values.get("title", ""),
        text=values.get("text", ""),
    )
