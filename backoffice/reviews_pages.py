"""The reviews' moderation page (issue 16): survey comments whose authors agreed to their
publication, to publish or reject. Advisors, managers and admins read it (`WorkshopPage`);
managers and admins decide (`ReviewModerationPage`, backoffice/auth.py REVIEW_MODERATORS).
A decision is one conditional update in core/reviews.py: two moderators at once, one wins
and the other is told (409)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response

from backoffice.api.deps import Core, CoreDep
from backoffice.auth import REVIEW_MODERATORS, StaffSession, form_fields
from backoffice.page_auth import ReviewModerationPage, WorkshopPage
from backoffice.staff_pages import page_lang
from backoffice.views import Alert
from backoffice.workshop_layout import alerts, timezone_of, when, workshop_page
from backoffice.workshop_pages import REFERENCE_PATTERN, Reference
from backoffice.workshop_texts import workshop_texts
from core import reviews
from core.errors import InvalidTransition, NotFound
from core.reviews import REVIEW_STATUSES, ReviewView

router = APIRouter(prefix="/staff", include_in_schema=False)


@dataclass(frozen=True)
class ReviewCard:
    reference: str
    stars: str
    meta: str
    comment: str
    decided: str


@router.get("/reviews")
async def get_reviews_page(request: Request, core: CoreDep, session: WorkshopPage) -> Response:
    """Consented survey comments by moderation status (pending by default)."""
    return await _reviews_page(request, core, session, request.query_params.get("status"))


@router.post("/reviews/{reference}")
async def post_review_decision(
    reference: Reference, request: Request, core: CoreDep, session: ReviewModerationPage
) -> Response:
    """Publish or reject one pending review (field `decision`: approve | reject)."""
    t = workshop_texts(page_lang(request))
    fields = await form_fields(request)
    approve = fields.get("decision") == "approve"
    try:
        if not REFERENCE_PATTERN.match(reference):
            raise NotFound("unknown_review", "no such review")
        decided = await core.run(
            reviews.moderate_review,
            reference,
            staff_id=session.staff.id,
            approve=approve,
            now=core.now(),
        )
    except NotFound:
        problem = alerts((t["error_unknown_review"], "error"))
        return await _reviews_page(request, core, session, "pending", problem, 404)
    except InvalidTransition:
        problem = alerts((t["error_review_already_moderated"], "error"))
        return await _reviews_page(request, core, session, "pending", problem, 409)
    done = t["review_approved" if approve else "review_rejected"]
    return await _reviews_page(
        request,
        core,
        session,
        "pending",
        alerts((done.format(reference=decided.booking_reference), "success")),
    )


async def _reviews_page(
    request: Request,
    core: Core,
    session: StaffSession,
    wanted: str | None,
    alert: Sequence[Alert] = (),
    status: int = 200,
) -> Response:
    lang = page_lang(request)
    t = workshop_texts(lang)
    tz = timezone_of(core)
    shown = wanted if wanted in REVIEW_STATUSES else "pending"
    found = await core.run(reviews.list_reviews, shown)
    return workshop_page(
        request,
        session,
        "reviews.html",
        page="reviews",
        title_key="reviews_title",
        lead_key="reviews_lead",
        alerts=alert,
        status=status,
        status_choices=[(s, t[f"review_status_{s}"]) for s in REVIEW_STATUSES],
        shown=shown,
        may_decide=session.staff.role in REVIEW_MODERATORS,
        cards=[_card(review, t, lang, tz) for review in found],
    )


def _card(review: ReviewView, t: dict[str, str], lang: str, tz: str) -> ReviewCard:
    rating = review.rating or 0
    author = review.author or t.get("review_author_unknown", "—")
    answered = when(review.answered_at, tz, lang) if review.answered_at else ""
    decided = ""
    if review.reviewed_at is not None and review.status != "pending":
        decided = t["review_decided"].format(
            status=t[f"review_done_{review.status}"],
            name=review.reviewed_by_name or "—",
            when=when(review.reviewed_at, tz, lang),
        )
    return ReviewCard(
        reference=review.booking_reference,
        stars="★" * rating + "☆" * (5 - rating),
        meta=" · ".join(part for part in (author, review.agency_name, answered) if part),
        comment=review.comment,
        decided=decided,
    )
