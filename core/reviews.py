"""Reviews: each agency's average survey rating, and the survey comments whose authors agreed
to their publication, once staff approved them (docs/workshop.md "Reviews").

A comment is public only when all three hold: the customer said yes to publication in the
survey (`publish_consent`, no by default), there is a comment, and a manager or admin
approved it (`review_status` pending -> approved | rejected, one conditional UPDATE that
records who and when: two moderators at once, one wins, the other is told). A comment
changed later goes back to pending (core/surveys.py record_comment)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, Select, case, func, select, update
from sqlalchemy.orm import aliased

from core import i18n
from core.errors import InvalidTransition, InvalidValue, NotFound
from core.formatting import format_number
from core.models import Agency, Booking, Calendar, Customer, StaffUser, SurveyResponse
from core.settings_store import number_setting
from core.surveys import SurveyView, update_answer
from core.uow import UnitOfWork

MIN_RATINGS_SETTING = "reviews_min_ratings"  # settings table; below it no average is shown
DEFAULT_MIN_RATINGS = 3
SHOWN_REVIEWS = 3
REVIEW_STATUSES = ("pending", "approved", "rejected")


@dataclass(frozen=True)
class AgencyRating:
    average: float  # rounded to one decimal
    count: int


@dataclass(frozen=True)
class ReviewView:
    booking_reference: str
    agency_code: str
    agency_name: str
    author: str  # "Marie D." ("" when the customer is unknown or erased)
    rating: int | None
    comment: str
    answered_at: datetime | None
    status: str
    reviewed_by_name: str | None
    reviewed_at: datetime | None


def agency_ratings(uow: UnitOfWork, min_count: int | None = None) -> dict[str, AgencyRating]:
    """Average rating and number of ratings per agency code, for the agencies with at least
    `min_count` ratings (default: the `reviews_min_ratings` setting, else 3)."""
    stmt = (
        select(Agency.code, func.avg(SurveyResponse.rating), func.count(SurveyResponse.rating))
        .select_from(SurveyResponse)
        .join(Booking, Booking.id == SurveyResponse.booking_id)
        .join(Calendar, Calendar.id == Booking.calendar_id)
        .join(Agency, Agency.id == Calendar.agency_id)
        .where(SurveyResponse.rating.is_not(None))
        .group_by(Agency.code)
    )
    with uow:
        least = min_count
        if least is None:
            least = int(number_setting(uow.session, MIN_RATINGS_SETTING, DEFAULT_MIN_RATINGS))
        rows = list(uow.session.execute(stmt))
    return {
        code: AgencyRating(round(float(average), 1), int(count))
        for code, average, count in rows
        if count >= max(least, 1)
    }


def rating_text(rating: AgencyRating | None, language: str | None) -> str:
    """ "4,6/5 · 38 avis" / "4.6/5 · 38 reviews"; "" for None."""
    if rating is None:
        return ""
    return i18n.text(
        "reviews",
        "rating_summary",
        i18n.language_of(language),
        average=format_number(rating.average, language, decimals=1),
        count=format_number(rating.count, language),
    )


def record_publication_consent(
    uow: UnitOfWork,
    booking_reference: str,
    consent: bool,
    now: datetime,
    *,
    customer_id: int | None = None,
    as_customer: bool = False,
) -> SurveyView:
    """The customer's yes or no to publishing their comment (same rules as
    core.surveys.record_rating); yes with a comment puts it in the moderation queue, no takes
    it out (and unpublishes it)."""
    return update_answer(
        uow,
        booking_reference,
        now,
        customer_id,
        as_customer,
        publish_consent=consent,
        review_status=case((SurveyResponse.comment.is_not(None), "pending"), else_=None)
        if consent
        else None,
        reviewed_by=None,
        reviewed_at=None,
    )


def list_reviews(uow: UnitOfWork, status: str = "pending", limit: int = 200) -> list[ReviewView]:
    """Consented comments in that moderation status: pending oldest first (a queue), the
    others newest decision first. InvalidValue("invalid_review_status")."""
    if status not in REVIEW_STATUSES:
        raise InvalidValue("invalid_review_status", f"status is one of {REVIEW_STATUSES}")
    order = (
        (SurveyResponse.answered_at, SurveyResponse.id)
        if status == "pending"
        else (SurveyResponse.reviewed_at.desc(), SurveyResponse.id.desc())
    )
    stmt = _review_query().where(SurveyResponse.review_status == status).order_by(*order)
    with uow:
        return [_review_view(row) for row in uow.session.execute(stmt.limit(limit))]


def moderate_review(
    uow: UnitOfWork, booking_reference: str, *, staff_id: int, approve: bool, now: datetime
) -> ReviewView:
    """Approve or reject a pending review. NotFound("unknown_review") when that booking has
    no consented comment; InvalidTransition("review_already_moderated") when it was decided
    meanwhile (by someone else at the same moment too)."""
    reference = (booking_reference or "").strip().upper()
    with uow:
        session = uow.session
        booking_id = select(Booking.id).where(Booking.reference == reference).scalar_subquery()
        changed = session.execute(
            update(SurveyResponse)
            .where(
                SurveyResponse.booking_id == booking_id,
                SurveyResponse.review_status == "pending",
                SurveyResponse.publish_consent.is_(True),
                SurveyResponse.comment.is_not(None),
            )
            .values(
                review_status="approved" if approve else "rejected",
                reviewed_by=staff_id,
                reviewed_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        condition = Booking.reference == reference
        row = session.execute(
            _review_query().where(condition).execution_options(populate_existing=True)
        ).first()
        if row is None or row[0].review_status is None:
            raise NotFound("unknown_review", "no such review")
        if changed.rowcount != 1:
            raise InvalidTransition("review_already_moderated", "this review was already decided")
        view = _review_view(row)
        uow.commit()
        return view


def approved_reviews(
    uow: UnitOfWork, agency_code: str, limit: int = SHOWN_REVIEWS
) -> list[ReviewView]:
    """The last `limit` approved comments of an agency, newest first; NotFound
    ("unknown_agency")."""
    with uow:
        if uow.session.scalar(select(Agency.id).where(Agency.code == agency_code)) is None:
            raise NotFound("unknown_agency", f"no agency {agency_code!r}")
        stmt = (
            _review_query()
            .where(Agency.code == agency_code, SurveyResponse.review_status == "approved")
            .order_by(SurveyResponse.answered_at.desc(), SurveyResponse.id.desc())
            .limit(limit)
        )
        return [_review_view(row) for row in uow.session.execute(stmt)]


def public_author(name: str | None) -> str:
    """First name and the last name's initial: "Marie Dupont" -> "Marie D.", "marie" ->
    "Marie"; "" when unknown."""
    words = (name or "").split()
    if not words:
        return ""
    first = words[0][:1].upper() + words[0][1:]
    return first if len(words) == 1 else f"{first} {words[-1][:1].upper()}."


def _review_query() -> Select:
    reviewer = aliased(StaffUser)
    return (
        select(SurveyResponse, Booking.reference, Agency.code, Agency.name, Customer, reviewer.name)
        .join(Booking, Booking.id == SurveyResponse.booking_id)
        .join(Calendar, Calendar.id == Booking.calendar_id)
        .join(Agency, Agency.id == Calendar.agency_id)
        .outerjoin(Customer, Customer.id == Booking.customer_id)
        .outerjoin(reviewer, reviewer.id == SurveyResponse.reviewed_by)
    )


def _review_view(row: Row) -> ReviewView:
    survey, reference, agency_code, agency_name, customer, reviewer_name = row
    erased = customer is None or getattr(customer, "erased_at", None) is not None
    return ReviewView(
        booking_reference=reference,
        agency_code=agency_code,
        agency_name=agency_name,
        author="" if erased else public_author(customer.name),
        rating=survey.rating,
        comment=survey.comment or "",
        answered_at=survey.answered_at,
        status=survey.review_status or "",
        reviewed_by_name=reviewer_name,
        reviewed_at=survey.reviewed_at,
    )


def reviewed_agencies(uow: UnitOfWork) -> set[str]:
    """The codes of the agencies with at least one approved review."""
    stmt = (
        select(Agency.code)
        .join(Calendar, Calendar.agency_id == Agency.id)
        .join(Booking, Booking.calendar_id == Calendar.id)
        .join(SurveyResponse, SurveyResponse.booking_id == Booking.id)
        .where(SurveyResponse.review_status == "approved")
        .distinct()
    )
    with uow:
        return set(uow.session.scalars(stmt))


def rating_texts(uow: UnitOfWork, language: str | None) -> dict[str, str]:
    """ "4,6/5 · 38 avis" by agency code, for the agencies with enough ratings."""
    return {code: rating_text(r, language) for code, r in agency_ratings(uow).items()}
