"""The admin page of the knowledge base (core/answers.py): list the answers, try a question,
add one, edit one, deactivate, reactivate or delete it. Role admin only; every form that
changes something carries the session's CSRF token; no script."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from backoffice.answers_texts import answers_texts, topic_label
from backoffice.api.deps import Core, CoreDep
from backoffice.auth import StaffSession, form_fields
from backoffice.page_auth import AdminPage
from backoffice.staff_pages import page_lang
from backoffice.views import Alert
from backoffice.workshop_layout import alerts, timezone_of, workshop_page
from backoffice.workshop_texts import code_text
from core import answers_admin
from core.agencies import AgencyView, list_agencies
from core.answers import TOPICS, EntryView, find_answer, get_entry, list_entries
from core.answers_admin import EntryInput, parse_keywords
from core.errors import PitlaneError

router = APIRouter(prefix="/staff/admin/answers", include_in_schema=False)

PATH = "/staff/admin/answers"
EntryId = Annotated[int, Path(ge=1, le=2**31 - 1)]
FORM_BYTES = 32 * 1024  # two answers of 1000 characters and the keywords, url-encoded
PREVIEW_CHARS = 160
KEYWORDS_SHOWN = 8
QUESTION_MAX = 300


@router.get("")
async def get_answers_page(
    request: Request, core: CoreDep, session: AdminPage, q: str = ""
) -> Response:
    """Admins: the answers, the form to add one, and the answer to a question tried (`q`)."""
    return await _list_page(request, core, session, question=q[:QUESTION_MAX])


@router.post("")
async def post_answer_form(request: Request, core: CoreDep, session: AdminPage) -> Response:
    """Add an answer; a refused value shows the form again as typed, with the reason."""
    t = answers_texts(page_lang(request))
    fields = await form_fields(request, FORM_BYTES)
    try:
        view = await core.run(answers_admin.create_entry, _entry_input(fields))
    except PitlaneError as exc:
        return await _list_page(request, core, session, _problem(t, exc), 422, fields)
    done = alerts((t["answer_created"].format(topic=topic_label(t, view.topic)), "success"))
    return await _list_page(request, core, session, done)


@router.get("/{entry_id}")
async def get_answer_page(
    entry_id: EntryId, request: Request, core: CoreDep, session: AdminPage
) -> Response:
    """One answer's form (404 page for an answer no longer there)."""
    view = await core.run(get_entry, entry_id)
    return await _edit_page(request, core, session, view, _as_form(view))


@router.post("/{entry_id}")
async def post_answer_edit_form(
    entry_id: EntryId, request: Request, core: CoreDep, session: AdminPage
) -> Response:
    """Save an answer, then back to the list."""
    t = answers_texts(page_lang(request))
    fields = await form_fields(request, FORM_BYTES)
    try:
        view = await core.run(answers_admin.update_entry, entry_id, _entry_input(fields))
    except PitlaneError as exc:
        current = await core.run(get_entry, entry_id)  # gone meanwhile: the 404 page
        return await _edit_page(request, core, session, current, fields, _problem(t, exc), 422)
    done = alerts((t["answer_saved"].format(topic=topic_label(t, view.topic)), "success"))
    return await _list_page(request, core, session, done)


@router.post("/{entry_id}/active")
async def post_answer_active_form(
    entry_id: EntryId, request: Request, core: CoreDep, session: AdminPage
) -> Response:
    """Deactivate (`active=0`) or reactivate (`active=1`) an answer."""
    t = answers_texts(page_lang(request))
    active = (await form_fields(request)).get("active") == "1"
    view = await core.run(answers_admin.set_entry_active, entry_id, active)
    key = "answer_activated" if active else "answer_deactivated"
    done = alerts((t[key].format(topic=topic_label(t, view.topic)), "success"))
    return await _list_page(request, core, session, done)


@router.post("/{entry_id}/delete")
async def post_answer_delete_form(
    entry_id: EntryId, request: Request, core: CoreDep, session: AdminPage
) -> Response:
    """Delete an answer."""
    t = answers_texts(page_lang(request))
    view = await core.run(answers_admin.delete_entry, entry_id)
    done = alerts((t["answer_deleted"].format(topic=topic_label(t, view.topic)), "success"))
    return await _list_page(request, core, session, done)


# ---- reading the form -----------------------------------------------------------------


def _entry_input(fields: dict[str, str]) -> EntryInput:
    return EntryInput(
        topic=fields.get("topic", ""),
        keywords=parse_keywords(fields.get("keywords", "")),
        answer_fr=fields.get("answer_fr"),
        answer_en=fields.get("answer_en"),
        agency=fields.get("agency") or None,
        active=fields.get("active") == "1",
    )


def _as_form(view: EntryView) -> dict[str, str]:
    return {
        "topic": view.topic,
        "agency": view.agency_code or "",
        "keywords": "\n".join(view.keywords),
        "answer_fr": view.answer_fr or "",
        "answer_en": view.answer_en or "",
        "active": "1" if view.active else "",
    }


def _problem(t: dict[str, str], exc: PitlaneError) -> list[Alert]:
    return alerts((t["error_answer"].format(message=code_text(t, exc.code, exc.message)), "error"))


# ---- view models ----------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerRow:
    id: int
    topic: str
    topic_label: str
    agency: str
    keywords: str
    computed: bool
    preview: str
    active: bool


@dataclass(frozen=True)
class Tried:
    """The answers found for a question tried, or `found` False."""

    found: bool
    topic: str = ""
    about: str = ""
    agency: str = ""
    texts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AnswerForm:
    action: str
    form_name: str
    topic: str
    keywords: str
    answer_fr: str
    answer_en: str
    agency: str
    active: bool
    keyword_rows: int


async def _list_page(
    request: Request,
    core: Core,
    session: StaffSession,
    alert: Sequence[Alert] = (),
    status: int = 200,
    typed: dict[str, str] | None = None,
    question: str = "",
) -> Response:
    t = answers_texts(page_lang(request))
    entries = await core.run(list_entries)
    agencies = await core.run(list_agencies)
    blank = {"active": "1"}
    columns = ("topic", "agency", "keywords", "answer", "status", "actions")
    return _page(
        request,
        session,
        t,
        "answers.html",
        alert,
        status,
        agencies,
        form=_form(PATH, "create", typed or blank),
        question=question,
        question_max=QUESTION_MAX,
        tried=await _tried(core, t, question, agencies),
        columns=[t[f"answer_col_{key}"] for key in columns],
        rows=[_row(view, t) for view in entries],
    )


async def _tried(
    core: Core, t: dict[str, str], question: str, agencies: list[AgencyView]
) -> Tried | None:
    """For a question tried (a GET form: it changes nothing), the answers in both languages."""
    if not question.strip():
        return None
    today = datetime.now(timezone.utc).astimezone(ZoneInfo(timezone_of(core))).date()
    french, english = [
        await core.run(find_answer, question, lang, None, today=today) for lang in ("fr", "en")
    ]
    if french is None or english is None:
        return Tried(found=False)
    names = {agency.code: agency.name for agency in agencies}
    about = t["answers_try_found"].format(
        topic=topic_label(t, french.topic), keywords=", ".join(french.keywords)
    )
    agency = ""
    if french.agency_code:
        agency = t["answers_try_agency"].format(agency=names.get(french.agency_code, ""))
    texts = tuple((lang.upper(), answer.text) for lang, answer in (("fr", french), ("en", english)))
    return Tried(True, french.topic, about, agency, texts)


async def _edit_page(
    request: Request,
    core: Core,
    session: StaffSession,
    view: EntryView,
    values: dict[str, str],
    alert: Sequence[Alert] = (),
    status: int = 200,
) -> Response:
    t = answers_texts(page_lang(request))
    agencies = await core.run(list_agencies)
    return _page(
        request,
        session,
        t,
        "answer_edit.html",
        alert,
        status,
        agencies,
        form=_form(f"{PATH}/{view.id}", "edit", values),
        entry_id=view.id,
        heading=t["answer_edit_heading"].format(topic=topic_label(t, view.topic)),
        computed=view.computed,
    )


def _page(
    request: Request,
    session: StaffSession,
    t: dict[str, str],
    template: str,
    alert: Sequence[Alert],
    status: int,
    agencies: list[AgencyView],
    **context: Any,
) -> Response:
    return workshop_page(
        request,
        session,
        template,
        page="answers",
        title_key="answers_title",
        lead_key="answers_lead",
        alerts=alert,
        status=status,
        texts=t,
        list_path=PATH,
        agency_choices=[("", t["answer_group"])] + [(a.code, a.name) for a in agencies],
        topic_choices=[(topic, topic_label(t, topic)) for topic in TOPICS],
        **context,
    )


def _row(view: EntryView, t: dict[str, str]) -> AnswerRow:
    text = view.answer_fr or ""
    preview = text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1].rstrip() + "…"
    return AnswerRow(
        id=view.id,
        topic=view.topic,
        topic_label=topic_label(t, view.topic),
        agency=view.agency_name or t["answer_group"],
        keywords=_keywords_preview(view.keywords, t),
        computed=view.computed,
        preview=preview,
        active=view.active,
    )


def _keywords_preview(keywords: tuple[str, ...], t: dict[str, str]) -> str:
    """The first keywords and how many more (all of them are on the answer's form)."""
    shown = ", ".join(keywords[:KEYWORDS_SHOWN])
    more = len(keywords) - KEYWORDS_SHOWN
    if more <= 0:
        return shown
    return f"{shown} {t['answer_more_keyword' if more == 1 else 'answer_more_keywords']}".format(
        count=more
    )


def _form(action: str, form_name: str, values: dict[str, str]) -> AnswerForm:
    return AnswerForm(
        action=action,
        form_name=form_name,
        topic=values.get("topic", ""),
        keywords=values.get("keywords", ""),
        answer_fr=values.get("answer_fr", ""),
        answer_en=values.get("answer_en", ""),
        agency=values.get("agency", ""),
        active=values.get("active") == "1",
        keyword_rows=min(14, max(4, values.get("keywords", "").count("\n") + 2)),
    )
