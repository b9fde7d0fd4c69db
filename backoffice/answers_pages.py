"""The admin page of the knowledge base (core/answers.py): list the answers, try a question,
add one, edit one, deactivate, reactivate or delete it. Role admin only; every form that
changes something carries the session's CSRF token; no script."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from backoffice.answers_texts import answers_texts, topic_label
from backoffice.api.deps import Core, CoreDep
from backoffice.auth import StaffSession, form_fields
from backoffice.staff_pages import page_lang, page_session
from backoffice.templating import Safe, render, tag
from backoffice.workshop_layout import alerts, element, hidden, staff_page, timezone_of
from backoffice.workshop_texts import code_text
from core import answers_admin
from core.agencies import AgencyView, list_agencies
from core.answers import TOPICS, Answer, EntryView, find_answer, get_entry, list_entries
from core.answers_admin import EntryInput, parse_keywords
from core.errors import PitlaneError

router = APIRouter(prefix="/staff/admin/answers", include_in_schema=False)

PATH = "/staff/admin/answers"
EntryId = Annotated[int, Path(ge=1, le=2**31 - 1)]
FORM_BYTES = 32 * 1024  # two answers of 1000 characters and the keywords, url-encoded
PREVIEW_CHARS = 160
KEYWORDS_SHOWN = 8
QUESTION_MAX = 300
STYLE = '<link rel="stylesheet" href="/assets/answers-admin.css">'


@router.get("")
async def get_answers_page(request: Request, core: CoreDep, q: str = "") -> Response:
    """Admins: the answers, the form to add one, and the answer to a question tried (`q`)."""
    session = await page_session(request, core, admin=True)
    if not isinstance(session, StaffSession):
        return session
    return await _list_page(request, core, session, question=q[:QUESTION_MAX])


@router.post("")
async def post_answer_form(request: Request, core: CoreDep) -> Response:
    """Add an answer; a refused value shows the form again as typed, with the reason."""
    session = await page_session(request, core, admin=True, write=True)
    if not isinstance(session, StaffSession):
        return session
    t = answers_texts(page_lang(request))
    fields = await form_fields(request, FORM_BYTES)
    try:
        view = await core.run(answers_admin.create_entry, _entry_input(fields))
    except PitlaneError as exc:
        return await _list_page(request, core, session, _problem(t, exc), 422, fields)
    done = alerts((t["answer_created"].format(topic=topic_label(t, view.topic)), "success"))
    return await _list_page(request, core, session, done)


@router.get("/{entry_id}")
async def get_answer_page(entry_id: EntryId, request: Request, core: CoreDep) -> Response:
    """One answer's form (404 page for an answer no longer there)."""
    session = await page_session(request, core, admin=True)
    if not isinstance(session, StaffSession):
        return session
    view = await core.run(get_entry, entry_id)
    return await _edit_page(request, core, session, view, _as_form(view))


@router.post("/{entry_id}")
async def post_answer_edit_form(entry_id: EntryId, request: Request, core: CoreDep) -> Response:
    """Save an answer, then back to the list."""
    session = await page_session(request, core, admin=True, write=True)
    if not isinstance(session, StaffSession):
        return session
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
async def post_answer_active_form(entry_id: EntryId, request: Request, core: CoreDep) -> Response:
    """Deactivate (`active=0`) or reactivate (`active=1`) an answer."""
    session = await page_session(request, core, admin=True, write=True)
    if not isinstance(session, StaffSession):
        return session
    t = answers_texts(page_lang(request))
    active = (await form_fields(request)).get("active") == "1"
    view = await core.run(answers_admin.set_entry_active, entry_id, active)
    key = "answer_activated" if active else "answer_deactivated"
    done = alerts((t[key].format(topic=topic_label(t, view.topic)), "success"))
    return await _list_page(request, core, session, done)


@router.post("/{entry_id}/delete")
async def post_answer_delete_form(entry_id: EntryId, request: Request, core: CoreDep) -> Response:
    """Delete an answer."""
    session = await page_session(request, core, admin=True, write=True)
    if not isinstance(session, StaffSession):
        return session
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


def _problem(t: dict[str, str], exc: PitlaneError) -> Safe:
    return alerts((t["error_answer"].format(message=code_text(t, exc.code, exc.message)), "error"))


# ---- rendering ------------------------------------------------------------------------


async def _list_page(
    request: Request,
    core: Core,
    session: StaffSession,
    alert: Safe | str = "",
    status: int = 200,
    typed: dict[str, str] | None = None,
    question: str = "",
) -> Response:
    t = answers_texts(page_lang(request))
    entries = await core.run(list_entries)
    agencies = await core.run(list_agencies)
    if entries:
        head = "".join(
            tag("th", t[f"answer_col_{key}"])
            for key in ("topic", "agency", "keywords", "answer", "status", "actions")
        )
        rows = "".join(_row(view, session.csrf_token, t) for view in entries)
        table = Safe(
            f'<div class="table-scroll"><table class="data-table answer-table" '
            f'data-answers="list"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'
        )
    else:
        table = tag("p", t["answers_empty"], class_="empty")
    blank = {"active": "1"}
    form = _form(t, session.csrf_token, PATH, "create", typed or blank, agencies)
    content = Safe(
        tag("section", await _try_panel(core, t, question, agencies), class_="panel")
        + tag("section", Safe(tag("h2", t["answers_list"]) + table), class_="panel")
        + tag(
            "section",
            Safe(
                tag("h2", t["answer_add_heading"], id="add-answer")
                + tag("p", t["answer_computed_hint"], class_="hint")
                + form
            ),
            class_="panel",
        )
    )
    return _page(request, session, t, content, alert, status)


async def _try_panel(
    core: Core, t: dict[str, str], question: str, agencies: list[AgencyView]
) -> Safe:
    """A GET form (it changes nothing) and, for a question, the answers in both languages."""
    field = tag(
        "label",
        Safe(
            t["answers_try_field"]
            + element(
                "input",
                type="search",
                name="q",
                value=question,
                maxlength=QUESTION_MAX,
                placeholder="c'est quoi le contrôle 1000 km ?",
                autocomplete="off",
            )
        ),
        class_="field answer-try-field",
    )
    button = tag("button", t["answers_try_button"], class_="btn", type="submit")
    form = tag(
        "form",
        Safe(field + button),
        method="get",
        action=PATH,
        class_="answer-try",
        data_answers="try",
    )
    result = Safe("")
    if question.strip():
        today = datetime.now(timezone.utc).astimezone(ZoneInfo(timezone_of(core))).date()
        found = [
            await core.run(find_answer, question, lang, None, today=today) for lang in ("fr", "en")
        ]
        names = {agency.code: agency.name for agency in agencies}
        result = _tried(t, found[0], found[1], names)
    return Safe(tag("h2", t["answers_try"]) + form + result)


def _tried(
    t: dict[str, str], french: Answer | None, english: Answer | None, names: dict[str, str]
) -> Safe:
    if french is None or english is None:
        return tag("p", t["answers_try_none"], class_="answer-result empty", data_tried="none")
    about = t["answers_try_found"].format(
        topic=topic_label(t, french.topic), keywords=", ".join(french.keywords)
    )
    lines = [tag("p", about, class_="hint")]
    if french.agency_code:
        lines.append(
            tag(
                "p",
                t["answers_try_agency"].format(agency=names.get(french.agency_code, "")),
                class_="hint",
            )
        )
    texts = "".join(
        tag("div", Safe(tag("span", lang.upper(), class_="badge") + tag("p", answer.text)))
        for lang, answer in (("fr", french), ("en", english))
    )
    return tag(
        "div",
        Safe("".join(lines) + tag("div", Safe(texts), class_="answer-texts-preview")),
        class_="answer-result",
        data_tried=french.topic,
    )


async def _edit_page(
    request: Request,
    core: Core,
    session: StaffSession,
    view: EntryView,
    values: dict[str, str],
    alert: Safe | str = "",
    status: int = 200,
) -> Response:
    t = answers_texts(page_lang(request))
    agencies = await core.run(list_agencies)
    form = _form(t, session.csrf_token, f"{PATH}/{view.id}", "edit", values, agencies)
    heading = tag("h2", t["answer_edit_heading"].format(topic=topic_label(t, view.topic)))
    # deleting is final: apart from the form, beside the advice to deactivate instead
    remove = _post_button(
        f"{PATH}/{view.id}/delete", session.csrf_token, t["answer_delete"], "btn btn-danger"
    )
    delete_section = tag(
        "section",
        Safe(
            tag("h2", t["answer_delete_heading"])
            + tag(
                "div",
                Safe(remove + tag("p", t["answer_delete_hint"], class_="hint")),
                class_="answer-delete",
            )
        ),
        class_="panel",
    )
    hint = tag("p", t["answer_computed_hint"], class_="hint") if view.computed else Safe("")
    content = Safe(
        tag("section", Safe(heading + hint + form), class_="panel", data_entry_id=view.id)
        + delete_section
    )
    return _page(request, session, t, content, alert, status)


def _page(
    request: Request,
    session: StaffSession,
    t: dict[str, str],
    content: Safe,
    alert: Safe | str,
    status: int,
) -> Response:
    return staff_page(
        request,
        session,
        page="answers",
        title_key="answers_title",
        lead_key="answers_lead",
        content=content,
        alert=alert,
        status=status,
        head=STYLE,
        texts=t,
    )


def _row(view: EntryView, csrf: str, t: dict[str, str]) -> str:
    topic = Safe(
        tag("strong", topic_label(t, view.topic)) + tag("code", view.topic, class_="answer-code")
    )
    text = view.answer_fr or ""
    preview = text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1].rstrip() + "…"
    answer = Safe(
        (tag("span", t["answer_computed"], class_="badge badge-open") if view.computed else "")
        + (tag("span", preview, class_="answer-preview") if preview else "")
    )
    status = (
        tag("span", t["answer_active"], class_="badge badge-done")
        if view.active
        else tag("span", t["answer_inactive"], class_="badge badge-inactive")
    )
    edit = tag("a", t["answer_edit"], href=f"{PATH}/{view.id}", class_="btn btn-small btn-ghost")
    toggle = _post_button(
        f"{PATH}/{view.id}/active",
        csrf,
        t["answer_deactivate" if view.active else "answer_activate"],
        "btn btn-small btn-ghost",
        active="0" if view.active else "1",
    )
    cells = (
        tag("td", topic),
        tag("td", view.agency_name or t["answer_group"]),
        tag("td", _keywords_preview(view.keywords, t), class_="answer-keywords"),
        tag("td", answer),
        tag("td", status),
        tag("td", tag("div", Safe(edit + toggle), class_="answer-actions")),
    )
    return str(
        tag(
            "tr",
            Safe("".join(cells)),
            data_entry_id=view.id,
            data_active="true" if view.active else "false",
        )
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


def _post_button(action: str, csrf: str, label: str, classes: str, **fields: str) -> Safe:
    inputs = hidden("csrf_token", csrf) + "".join(hidden(k, v) for k, v in fields.items())
    button = tag("button", label, class_=classes, type="submit")
    return tag("form", Safe(inputs + button), method="post", action=action, class_="inline-form")


def _form(
    t: dict[str, str],
    csrf: str,
    action: str,
    form_name: str,
    values: dict[str, str],
    agencies: list[AgencyView],
) -> Safe:
    chosen = values.get("agency", "")
    agency_options = tag("option", t["answer_group"], value="", selected=not chosen) + "".join(
        tag("option", agency.name, value=agency.code, selected=chosen == agency.code)
        for agency in agencies
    )
    topic_options = "".join(tag("option", topic_label(t, topic), value=topic) for topic in TOPICS)
    create = form_name == "create"
    buttons = tag(
        "button", t["answer_create" if create else "answer_save"], class_="btn", type="submit"
    )
    if not create:
        buttons = Safe(buttons + tag("a", t["answer_back"], href=PATH, class_="btn btn-ghost"))
    form_values = {
        **{name: values.get(name, "") for name in ("topic", "keywords", "answer_fr", "answer_en")},
        "action": action,
        "form_name": form_name,
        "csrf": csrf,
        "agency_options": Safe(agency_options),
        "topic_options": Safe(topic_options),
        "active_checked": Safe(" checked" if values.get("active") == "1" else ""),
        "keyword_rows": min(14, max(4, values.get("keywords", "").count("\n") + 2)),
        "buttons": buttons,
    }
    return Safe(render("staff_answer_form.html", form_values, t))
