"""Staff pages of the workshop: upcoming bookings with what the customer told and their
pictures, and satisfaction (advisors, managers, admins: `WorkshopPage`); callbacks to make
and complaints to answer (advisors and admins: `ConversationPage`).

Server-rendered, no script: filters are GET forms, actions are POST forms carrying the
session's CSRF token. The pages are templates (backoffice/templates/), their values built
in backoffice/workshop_views.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from backoffice.api.deps import Core, CoreDep
from backoffice.auth import WORKSHOP_STAFF, StaffSession, form_fields
from backoffice.booking_list import BOOKING_REFERENCE, bookings_page
from backoffice.customer_notice import conversation_by_id, tell_conversation
from backoffice.page_auth import ConversationPage, JobPage, WorkshopPage
from backoffice.staff_pages import page_lang
from backoffice.views import Alert, PageDenied
from backoffice.workshop_layout import alerts, timezone_of, when, workshop_page
from backoffice.workshop_texts import code_text, workshop_texts
from backoffice.workshop_views import (
    Comment,
    advisor_card,
    callback_card,
    complaint_card,
    stats_card,
)
from core import feedback, handoff_ratings, workshop
from core.attachments import stored_file
from core.booking_search import mark_no_show
from core.errors import InvalidTransition, InvalidValue, NotFound
from core.feedback import ComplaintView
from core.job_intake import is_job_photo

router = APIRouter(prefix="/staff", include_in_schema=False)

REFERENCE_PATTERN = re.compile(r"^[A-Za-z]{2}-[A-Za-z0-9]{1,12}$")
COMPLAINT_STATUSES = ("open", "answered", "closed")
# checked in the route, after the session: anonymous callers never learn what is valid
Reference = Annotated[str, Path(max_length=40)]


# ------------------------------------------------------------------ bookings


@router.get("/bookings")
async def get_bookings_page(request: Request, core: CoreDep, session: WorkshopPage) -> Response:
    """Bookings by agency, service, status, dates and a search, 50 a page, with their details
    (upcoming confirmed ones by default)."""
    return await bookings_page(request, core, session)


@router.post("/bookings/{reference}/no-show")
async def post_booking_no_show(
    reference: Reference, request: Request, core: CoreDep, session: WorkshopPage
) -> Response:
    """The customer did not come: a started confirmed booking becomes a no-show."""
    t = workshop_texts(page_lang(request))
    try:
        if not BOOKING_REFERENCE.match(reference):
            raise NotFound("unknown_booking", "no such booking")
        done = await core.run(mark_no_show, reference, now=core.now())
    except NotFound:
        return await bookings_page(
            request, core, session, alerts((t["error_not_found"], "error")), 404
        )
    except InvalidTransition as exc:
        problem = alerts((code_text(t, exc.code, exc.message), "error"))
        return await bookings_page(request, core, session, problem, 409)
    saved = alerts((t["no_show_saved"].format(reference=done.reference), "success"))
    return await bookings_page(request, core, session, saved)


@router.get("/attachments/{attachment_id}")
async def get_attachment(
    attachment_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    request: Request,
    core: CoreDep,
    session: JobPage,
) -> Response:
    """A file a customer sent (staff only), read from the upload store (at most 10 MiB); a
    mechanic opens only the photos of repair jobs (issue 16), the 403 page for others."""
    if session.staff.role not in WORKSHOP_STAFF and not await core.run(is_job_photo, attachment_id):
        raise PageDenied("error_forbidden")
    try:
        found = await core.run(stored_file, attachment_id, request.app.state.hub.files)
    except NotFound:
        return Response(status_code=404)
    disposition = "inline" if found.inline else "attachment"
    return Response(
        found.data,
        media_type=found.content_type,
        # X-Content-Type-Options: nosniff is added to every answer (webapp/security.py)
        headers={"Content-Disposition": disposition},
    )


# ------------------------------------------------------------------ callbacks


@router.get("/callbacks")
async def get_callbacks_page(
    request: Request, core: CoreDep, session: ConversationPage
) -> Response:
    """Open callback tasks (repair quotes) with the customer's contacts."""
    return await _callbacks_page(request, core, session)


@router.post("/callbacks/{reference}/close")
async def post_callback_close(
    reference: Reference, request: Request, core: CoreDep, session: ConversationPage
) -> Response:
    """Close a callback task with the outcome of the call."""
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
    request: Request,
    core: Core,
    session: StaffSession,
    alert: Sequence[Alert] = (),
    status: int = 200,
) -> Response:
    lang = page_lang(request)
    t = workshop_texts(lang)
    tz = timezone_of(core)
    tasks = await core.run(workshop.list_callbacks, "open")
    return workshop_page(
        request,
        session,
        "callbacks.html",
        page="callbacks",
        title_key="callbacks_title",
        lead_key="callbacks_lead",
        alerts=alert,
        status=status,
        cards=[callback_card(task, t, lang, tz) for task in tasks],
    )


# ------------------------------------------------------------------ complaints


@router.get("/complaints")
async def get_complaints_page(
    request: Request, core: CoreDep, session: ConversationPage
) -> Response:
    """Complaints by status (open by default), with the answer form."""
    return await _complaints_page(request, core, session, request.query_params.get("status"))


@router.post("/complaints/{reference}")
async def post_complaint_answer(
    reference: Reference, request: Request, core: CoreDep, session: ConversationPage
) -> Response:
    """Answer and/or close a complaint; the customer is told in their conversation."""
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
    alert: Sequence[Alert] = (),
    status: int = 200,
) -> Response:
    """The complaints of status `wanted` (open when None, every one when unknown)."""
    lang = page_lang(request)
    t = workshop_texts(lang)
    tz = timezone_of(core)
    wanted = "open" if wanted is None else wanted
    chosen = wanted if wanted in COMPLAINT_STATUSES else None
    found = await core.run(feedback.list_complaints, chosen)
    statuses = [(s, t[f"status_{s}"]) for s in COMPLAINT_STATUSES]
    return workshop_page(
        request,
        session,
        "complaints.html",
        page="complaints",
        title_key="complaints_title",
        lead_key="complaints_lead",
        alerts=alert,
        status=status,
        status_choices=[("all", t["status_all"]), *statuses],
        shown=chosen or "all",
        answer_max=feedback.ANSWER_MAX_CHARS,
        cards=[complaint_card(c, t, lang, tz) for c in found],
    )


# ------------------------------------------------------------------ surveys


@router.get("/surveys")
async def get_surveys_page(request: Request, core: CoreDep, session: WorkshopPage) -> Response:
    """Satisfaction per agency and service: counts, average, a bar chart; latest comments;
    the advisors' human chats as their customers rated them."""
    lang = page_lang(request)
    t = workshop_texts(lang)
    tz = timezone_of(core)
    results = await core.run(feedback.survey_results)
    comments = await core.run(feedback.survey_comments, 20)
    advisors = await core.run(handoff_ratings.advisor_ratings)
    stars = [
        Comment(
            f"{'★' * (c.rating or 0)}{'☆' * (5 - (c.rating or 0))}",
            f"{c.agency_name} · {when(c.start_utc, tz, lang)}",
            c.comment or "",
        )
        for c in comments
    ]
    return workshop_page(
        request,
        session,
        "surveys.html",
        page="surveys",
        title_key="surveys_title",
        lead_key="surveys_lead",
        cards=[stats_card(stats, t, lang) for stats in results],
        comments=stars,
        advisors=[advisor_card(rating, t, lang) for rating in advisors],
    )
