"""Staff pages of the workshop (advisors and admins): upcoming bookings with what the
customer told and their pictures, callbacks to make, complaints to answer, satisfaction.

Server-rendered, no script: filters are GET forms, actions are POST forms carrying the
session's CSRF token. Every value is escaped (backoffice/templating.py).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timezone
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse, Response

from backoffice.api.deps import Core, CoreDep
from backoffice.auth import StaffSession, form_fields
from backoffice.customer_notice import conversation_by_id, tell_conversation
from backoffice.staff_pages import page_lang, page_session
from backoffice.templating import Safe, tag
from backoffice.workshop_layout import (
    Catalogue,
    alerts,
    catalogue,
    element,
    hidden,
    staff_page,
    timezone_of,
    when,
)
from backoffice.workshop_texts import workshop_texts
from core import customers, feedback, workshop
from core.attachments import stored_file
from core.bookings import BookingView, list_bookings
from core.customers import Contacts
from core.errors import InvalidTransition, InvalidValue, NotFound
from core.feedback import ComplaintView, SurveyStats
from core.workshop import CallbackView

router = APIRouter(prefix="/staff", include_in_schema=False)

MAX_BOOKINGS_SHOWN = 200
REFERENCE_PATTERN = re.compile(r"^[A-Za-z]{2}-[A-Za-z0-9]{1,12}$")
COMPLAINT_STATUSES = ("open", "answered", "closed")
# checked in the route, after the session: anonymous callers never learn what is valid
Reference = Annotated[str, Path(max_length=40)]


# ------------------------------------------------------------------ bookings


@router.get("/bookings")
async def get_bookings_page(request: Request, core: CoreDep) -> Response:
    """Upcoming confirmed bookings, by agency, service and from a date, with their details."""
    session = await page_session(request, core)
    if not isinstance(session, StaffSession):
        return session
    lang = page_lang(request)
    t = workshop_texts(lang)
    known = await catalogue(core)
    tz = timezone_of(core)
    query = request.query_params
    agency = query.get("agency") or None
    service = query.get("service") or None
    agency = agency if agency in known.agency_names else None
    service = service if service in known.services else None
    day = _date(query.get("from", ""))
    start = core.now()
    if day is not None:
        start = max(start, datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)))
    found = await core.run(
        list_bookings,
        agency=agency,
        service=service,
        start_from=start.astimezone(timezone.utc),
        status="confirmed",
    )
    shown = found[:MAX_BOOKINGS_SHOWN]
    ids = [b.customer_id for b in shown if b.customer_id is not None]
    contacts = await core.run(customers.contacts_of, ids)
    filters = _booking_filters(known, agency, service, day, t, lang)
    if shown:
        head = "".join(
            tag("th", t[key])
            for key in (
                "col_reference",
                "col_when",
                "col_agency",
                "col_service",
                "col_customer",
                "col_channel",
                "col_details",
            )
        )
        rows = "".join(_booking_row(b, known, t, lang, tz, contacts) for b in shown)
        listing = tag(
            "table",
            Safe(tag("thead", tag("tr", Safe(head))) + tag("tbody", Safe(rows))),
            class_="data-table",
            data_bookings="list",
        )
    else:
        listing = tag("p", t["bookings_empty"], class_="empty", data_bookings="empty")
    scroll = tag("div", listing, class_="table-scroll")
    content = Safe(filters + tag("section", scroll, class_="panel"))
    return staff_page(
        request,
        session,
        page="bookings",
        title_key="bookings_title",
        lead_key="bookings_lead",
        content=content,
    )


def _booking_filters(
    known: Catalogue,
    agency: str | None,
    service: str | None,
    day: date | None,
    t: dict[str, str],
    lang: str,
) -> Safe:
    agency_options = tag("option", t["filter_all"], value="") + "".join(
        tag("option", name, value=code, selected=code == agency)
        for code, name in sorted(known.agency_names.items(), key=lambda item: item[1])
    )
    service_options = tag("option", t["filter_all_services"], value="") + "".join(
        tag("option", known.service_name(code, lang), value=code, selected=code == service)
        for code in sorted(known.services)
    )
    date_input = element("input", type="date", name="from", value=day.isoformat() if day else None)
    return tag(
        "section",
        Safe(
            '<form class="filters" method="get" action="/staff/bookings" data-bookings="filters">'
            + tag(
                "label",
                Safe(t["filter_agency"] + tag("select", Safe(agency_options), name_="agency")),
            )
            + tag(
                "label",
                Safe(t["filter_service"] + tag("select", Safe(service_options), name_="service")),
            )
            + tag("label", Safe(t["filter_date"] + date_input))
            + tag("button", t["filter_apply"], class_="btn btn-small", type="submit")
            + "</form>"
        ),
        class_="panel",
    )


def _booking_row(
    booking: BookingView,
    known: Catalogue,
    t: dict[str, str],
    lang: str,
    tz: str,
    contacts: dict[int, Contacts],
) -> str:
    phone, email = contacts.get(booking.customer_id or 0, (None, None))
    cells = [
        tag("td", booking.reference, class_="ref"),
        tag("td", when(booking.start_utc, tz, lang), class_="when"),
        tag("td", booking.agency_name),
        tag("td", known.service_name(booking.service, lang)),
        tag("td", _customer(booking.customer_name or t["anonymous_customer"], phone, email)),
        tag("td", t.get(f"channel_{booking.channel}", booking.channel), class_="channel"),
        tag("td", _details(booking, t), class_="details"),
    ]
    return tag("tr", Safe("".join(cells)), data_booking=booking.reference)


def _customer(name: str, phone: str | None, email: str | None) -> Safe:
    """The customer's name, then their phone and e-mail as tel:/mailto: links when known."""
    parts = [tag("span", name)]
    if phone:
        number = "".join(c for c in phone if c.isdigit() or c == "+")
        parts.append(tag("a", phone, href=f"tel:{number}", class_="contact", data_contact="phone"))
    if email:
        parts.append(
            tag("a", email, href=f"mailto:{email}", class_="contact", data_contact="email")
        )
    return Safe("".join(parts))


def _details(booking: BookingView, t: dict[str, str]) -> Safe:
    details: dict[str, Any] = booking.details or {}
    parts = []
    mileage = details.get("mileage")
    if isinstance(mileage, int) and not isinstance(mileage, bool):
        parts.append(tag("p", t["mileage"].format(km=f"{mileage:,}".replace(",", " "))))
    quote = details.get("quote_number")
    if isinstance(quote, str) and quote:
        parts.append(tag("p", t["quote_number"].format(number=quote)))
    description = details.get("description")
    if isinstance(description, str) and description:
        parts.append(tag("p", description, class_="description"))
    ids = [i for i in details.get("attachment_ids") or [] if isinstance(i, int)]
    if ids:
        images = "".join(
            tag(
                "a",
                element(
                    "img",
                    src=f"/staff/attachments/{attachment_id}",
                    alt=t["image_alt"].format(n=n, reference=booking.reference),
                    loading="lazy",
                ),
                href=f"/staff/attachments/{attachment_id}",
                target="_blank",
                rel="noopener",
            )
            for n, attachment_id in enumerate(ids, start=1)
        )
        parts.append(tag("div", Safe(images), class_="thumbs"))
    return Safe("".join(parts)) if parts else Safe(t["no_details"])


@router.get("/attachments/{attachment_id}")
async def get_attachment(
    attachment_id: Annotated[int, Path(ge=1, le=2**31 - 1)], request: Request, core: CoreDep
) -> Response:
    """A file a customer sent (staff only), streamed from the upload directory."""
    session = await page_session(request, core)
    if not isinstance(session, StaffSession):
        return session
    root = request.app.state.settings.upload_dir
    try:
        found = await core.run(stored_file, attachment_id, root)
    except NotFound:
        return Response(status_code=404)
    disposition = "inline" if found.inline else "attachment"
    return FileResponse(
        found.path,
        media_type=found.content_type,
        # X-Content-Type-Options: nosniff is added to every answer (backoffice/security.py)
        headers={"Content-Disposition": disposition},
    )


# ------------------------------------------------------------------ callbacks


@router.get("/callbacks")
async def get_callbacks_page(request: Request, core: CoreDep) -> Response:
    """Open callback tasks (repair quotes) with the customer's contacts."""
    session = await page_session(request, core)
    if not isinstance(session, StaffSession):
        return session
    return await _callbacks_page(request, core, session)


@router.post("/callbacks/{reference}/close")
async def post_callback_close(reference: Reference, request: Request, core: CoreDep) -> Response:
    """Close a callback task with the outcome of the call."""
    session = await page_session(request, core, write=True)
    if not isinstance(session, StaffSession):
        return session
    t = workshop_texts(page_lang(request))
    outcome = (await form_fields(request)).get("outcome", "")[:2000]
    try:
        if not REFERENCE_PATTERN.match(reference):
            raise NotFound("unknown_callback", "no such callback task")
        closed = await core.run(
            workshop.close_callback,
            reference,
            staff_id=session.staff.id,
            outcome=outcome,
            now=core.now(),
        )
    except NotFound:
        return await _callbacks_page(
            request, core, session, alerts((t["error_not_found"], "error")), 404
        )
    done = t["callback_closed"].format(reference=closed.reference)
    return await _callbacks_page(request, core, session, alerts((done, "success")))


async def _callbacks_page(
    request: Request, core: Core, session: StaffSession, alert: Safe | str = "", status: int = 200
) -> Response:
    lang = page_lang(request)
    t = workshop_texts(lang)
    tz = timezone_of(core)
    tasks = await core.run(workshop.list_callbacks, "open")
    if tasks:
        cards = "".join(_callback_card(task, session, t, lang, tz) for task in tasks)
        content = tag("div", Safe(cards), class_="cards", data_callbacks="list")
    else:
        content = tag(
            "section",
            tag("p", t["callbacks_empty"], class_="empty"),
            class_="panel",
            data_callbacks="empty",
        )
    return staff_page(
        request,
        session,
        page="callbacks",
        title_key="callbacks_title",
        lead_key="callbacks_lead",
        content=content,
        alert=alert,
        status=status,
    )


def _callback_card(
    task: CallbackView, session: StaffSession, t: dict[str, str], lang: str, tz: str
) -> str:
    # the number to call (given with a callback request, else the customer's) is a link
    contacts = []
    if task.customer_phone:
        contacts.append(tag("a", task.customer_phone, href=f"tel:{task.customer_phone}"))
    if task.customer_email:
        contacts.append(tag("span", task.customer_email))
    head = (
        tag("span", task.reference, class_="ref")
        + tag("span", t.get(f"kind_{task.kind}", task.kind), class_="badge badge-open")
        + tag("strong", task.customer_name or t["anonymous_customer"])
        + tag("span", Safe(" · ".join(contacts)), class_="meta", data_phone=task.customer_phone)
        + tag(
            "span",
            " · ".join(x for x in (task.agency_name, when(task.created_at, tz, lang)) if x),
            class_="meta",
        )
    )
    body = ""
    if task.quote_number:
        body += tag("p", t["quote_number"].format(number=task.quote_number))
    if task.note:
        body += tag("p", task.note, class_="quote-text")
    form_id = f"outcome-{task.reference}"
    form = (
        f'<form class="stack-form" method="post" action="/staff/callbacks/{task.reference}/close">'
        + hidden("csrf_token", session.csrf_token)
        + tag("label", t["outcome"], for_=form_id, class_="field")
        + tag(
            "textarea",
            "",
            id=form_id,
            name_="outcome",
            maxlength=2000,
            placeholder=t["outcome_placeholder"],
        )
        + tag(
            "div",
            tag("button", t["close_callback"], class_="btn btn-small", type="submit"),
            class_="button-row",
        )
        + "</form>"
    )
    return tag(
        "article",
        Safe(tag("div", Safe(head), class_="card-head") + body + form),
        class_="card",
        data_callback=task.reference,
    )


# ------------------------------------------------------------------ complaints


@router.get("/complaints")
async def get_complaints_page(request: Request, core: CoreDep) -> Response:
    """Complaints by status (open by default), with the answer form."""
    session = await page_session(request, core)
    if not isinstance(session, StaffSession):
        return session
    return await _complaints_page(request, core, session, request.query_params.get("status"))


@router.post("/complaints/{reference}")
async def post_complaint_answer(reference: Reference, request: Request, core: CoreDep) -> Response:
    """Answer and/or close a complaint; the customer is told in their conversation."""
    session = await page_session(request, core, write=True)
    if not isinstance(session, StaffSession):
        return session
    t = workshop_texts(page_lang(request))
    fields = await form_fields(request)
    shown = fields.get("filter", "open")  # the list the staff user was looking at
    action = fields.get("action", "answer")
    answer = fields.get("answer", "") if action != "close" else ""
    try:
        if not REFERENCE_PATTERN.match(reference):
            raise NotFound("unknown_complaint", "no such complaint")
        updated = await core.run(
            feedback.answer_complaint,
            reference,
            staff_id=session.staff.id,
            answer=answer,
            close=action in ("close", "answer_close"),
            now=core.now(),
        )
    except NotFound:
        problem = alerts((t["error_not_found"], "error"))
        return await _complaints_page(request, core, session, shown, problem, 404)
    except InvalidTransition:
        problem = alerts((t["error_closed"], "error"))
        return await _complaints_page(request, core, session, shown, problem, 409)
    except InvalidValue as exc:
        message = t.get(f"error_{exc.code}", exc.message)
        problem = alerts((message, "error"))
        return await _complaints_page(request, core, session, shown, problem, 422)
    told = await _tell_complaint(request, updated, answer.strip())
    saved = t["complaint_saved"].format(
        reference=updated.reference, status=t[f"status_{updated.status}"]
    )
    outcome = (t["customer_told"], "info") if told else (t["customer_not_told"], "error")
    done = alerts((saved, "success"), outcome)
    return await _complaints_page(request, core, session, shown, done)


async def _tell_complaint(request: Request, complaint: ComplaintView, answer: str) -> bool:
    hub = request.app.state.hub
    conversation = await conversation_by_id(hub, complaint.conversation_id)
    if conversation is None:
        return False
    t = workshop_texts("en" if conversation.language == "en" else "fr")
    if answer:
        text = t["complaint_notice"].format(reference=complaint.reference, answer=answer)
        if complaint.status == "closed":
            text += "\n" + t["complaint_closed_notice"].format(reference=complaint.reference)
    else:
        text = t["complaint_closed_notice"].format(reference=complaint.reference)
    return await tell_conversation(hub, conversation, text)


async def _complaints_page(
    request: Request,
    core: Core,
    session: StaffSession,
    wanted: str | None,
    alert: Safe | str = "",
    status: int = 200,
) -> Response:
    """The complaints of status `wanted` (open when None, every one when unknown)."""
    lang = page_lang(request)
    t = workshop_texts(lang)
    tz = timezone_of(core)
    wanted = "open" if wanted is None else wanted
    chosen = wanted if wanted in COMPLAINT_STATUSES else None
    found = await core.run(feedback.list_complaints, chosen)
    options = tag("option", t["status_all"], value="all", selected=chosen is None) + "".join(
        tag("option", t[f"status_{s}"], value=s, selected=s == chosen) for s in COMPLAINT_STATUSES
    )
    filters = tag(
        "section",
        Safe(
            '<form class="filters" method="get" action="/staff/complaints" '
            'data-complaints="filters">'
            + tag("label", Safe(t["status_filter"] + tag("select", Safe(options), name_="status")))
            + tag("button", t["filter_apply"], class_="btn btn-small", type="submit")
            + "</form>"
        ),
        class_="panel",
    )
    if found:
        cards = "".join(_complaint_card(c, session, t, lang, tz, chosen or "all") for c in found)
        listing = tag("div", Safe(cards), class_="cards", data_complaints="list")
    else:
        listing = tag(
            "section",
            tag("p", t["complaints_empty"], class_="empty"),
            class_="panel",
            data_complaints="empty",
        )
    return staff_page(
        request,
        session,
        page="complaints",
        title_key="complaints_title",
        lead_key="complaints_lead",
        content=Safe(filters + listing),
        alert=alert,
        status=status,
    )


def _complaint_card(
    complaint: ComplaintView,
    session: StaffSession,
    t: dict[str, str],
    lang: str,
    tz: str,
    shown: str,
) -> str:
    contacts = " · ".join(x for x in (complaint.customer_phone, complaint.customer_email) if x)
    meta = [when(complaint.created_at, tz, lang)]
    if complaint.agency_name:
        meta.append(complaint.agency_name)
    if complaint.booking_reference:
        meta.append(t["booking_ref"].format(reference=complaint.booking_reference))
    head = (
        tag("span", complaint.reference, class_="ref")
        + tag("span", t[f"status_{complaint.status}"], class_=f"badge badge-{complaint.status}")
        + tag("strong", complaint.customer_name or t["anonymous_customer"])
        + tag("span", contacts, class_="meta")
        + tag("span", " · ".join(meta), class_="meta")
    )
    body = tag("p", complaint.text, class_="quote-text")
    if complaint.answer:
        by = (
            t["complaint_answered_by"].format(name=complaint.answered_by_name)
            if complaint.answered_by_name
            else t["complaint_answer"]
        )
        body += tag("p", by, class_="hint") + tag(
            "p", complaint.answer, class_="quote-text answer-text"
        )
    form = ""
    if complaint.status != "closed":
        field_id = f"answer-{complaint.reference}"
        buttons = (
            tag(
                "button",
                t["answer_send"],
                class_="btn btn-small",
                type="submit",
                name_="action",
                value="answer",
            )
            + tag(
                "button",
                t["answer_and_close"],
                class_="btn btn-small btn-ghost",
                type="submit",
                name_="action",
                value="answer_close",
            )
            + tag(
                "button",
                t["complaint_close"],
                class_="btn btn-small btn-danger",
                type="submit",
                name_="action",
                value="close",
            )
        )
        form = (
            '<form class="stack-form" method="post" '
            f'action="/staff/complaints/{complaint.reference}">'
            + hidden("csrf_token", session.csrf_token)
            + hidden("filter", shown)
            + tag("label", t["answer_label"], for_=field_id, class_="field")
            + tag("textarea", "", id=field_id, name_="answer", maxlength=feedback.ANSWER_MAX_CHARS)
            + tag("div", Safe(buttons), class_="button-row")
            + "</form>"
        )
    return tag(
        "article",
        Safe(tag("div", Safe(head), class_="card-head") + body + form),
        class_="card",
        data_complaint=complaint.reference,
    )


# ------------------------------------------------------------------ surveys


@router.get("/surveys")
async def get_surveys_page(request: Request, core: CoreDep) -> Response:
    """Satisfaction per agency and service: counts, average, a bar chart; latest comments."""
    session = await page_session(request, core)
    if not isinstance(session, StaffSession):
        return session
    lang = page_lang(request)
    t = workshop_texts(lang)
    tz = timezone_of(core)
    results = await core.run(feedback.survey_results)
    comments = await core.run(feedback.survey_comments, 20)
    if results:
        cards = "".join(_stats_card(stats, t, lang) for stats in results)
        content = tag("div", Safe(cards), class_="stats", data_surveys="list")
    else:
        content = tag(
            "section",
            tag("p", t["surveys_empty"], class_="empty"),
            class_="panel",
            data_surveys="empty",
        )
    items = "".join(
        tag(
            "li",
            Safe(
                tag("span", f"{'★' * (c.rating or 0)}{'☆' * (5 - (c.rating or 0))}", class_="meta")
                + " "
                + tag("span", f"{c.agency_name} · {when(c.start_utc, tz, lang)}", class_="meta")
                + tag("p", c.comment or "", class_="quote-text")
            ),
        )
        for c in comments
    )
    comment_list = (
        tag("ul", Safe(items), class_="cards plain-list")
        if items
        else tag("p", t["comments_empty"], class_="empty")
    )
    content = Safe(
        content
        + tag(
            "section",
            Safe(tag("h2", t["comments_title"]) + comment_list),
            class_="panel",
            data_surveys="comments",
        )
    )
    return staff_page(
        request,
        session,
        page="surveys",
        title_key="surveys_title",
        lead_key="surveys_lead",
        content=content,
    )


def _stats_card(stats: SurveyStats, t: dict[str, str], lang: str) -> str:
    service = stats.service_name_en if lang == "en" else stats.service_name_fr
    average = (
        "—"
        if stats.average is None
        else f"{stats.average:.1f}".replace(".", "," if lang == "fr" else ".")
    )
    figures = "".join(
        tag("span", Safe(tag("strong", value) + label))
        for value, label in (
            (str(stats.sent), t["surveys_sent"]),
            (str(stats.count), t["surveys_rated"]),
            (average, t["surveys_average"]),
        )
    )
    return tag(
        "article",
        Safe(
            tag("h2", f"{stats.agency_name} · {service}")
            + tag("div", Safe(figures), class_="stat-figures")
            + bar_chart(stats.histogram, t["chart_label"], stats.agency_name, service, t)
        ),
        class_="card",
        data_stats=f"{stats.agency_code}:{stats.service}",
    )


def bar_chart(
    histogram: dict[int, int], label: str, agency: str, service: str, t: dict[str, str]
) -> Safe:
    """An inline SVG bar chart of the ratings 1..5 (no script, styled by workshop.css)."""
    width, height, top, bottom = 300, 150, 18, 20
    counts = [int(histogram.get(rating, 0)) for rating in range(1, 6)]
    highest = max(counts) or 1
    plot = height - top - bottom
    step = width / 5
    bar_width = step * 0.6
    values = ", ".join(f"{rating}: {n}" for rating, n in zip(range(1, 6), counts, strict=True))
    if not any(counts):
        values = t["no_rating"]
    shapes = []
    for index, count in enumerate(counts):
        bar_height = round(plot * count / highest, 1)
        x = round(index * step + (step - bar_width) / 2, 1)
        y = round(top + plot - bar_height, 1)
        centre = round(index * step + step / 2, 1)
        shapes.append(
            f'<rect class="bar-rect" x="{x}" y="{y}" width="{round(bar_width, 1)}" '
            f'height="{bar_height}" data-rating="{index + 1}" data-count="{count}"></rect>'
            f'<text class="bar-value" x="{centre}" y="{round(y - 4, 1)}" '
            f'text-anchor="middle">{count}</text>'
            f'<text class="axis-label" x="{centre}" y="{height - 4}" '
            f'text-anchor="middle">{index + 1}★</text>'
        )
    title = label.format(agency=agency, service=service, values=values)
    return Safe(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg">' + tag("title", title) + "".join(shapes) + "</svg>"
    )


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
