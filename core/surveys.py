"""Satisfaction surveys after a booking: one row per booking (unique booking_id), opened
when the survey is sent. The customer may rate (1..5) and comment; a new rating replaces the
previous one while the survey is open, i.e. during `SURVEY_ANSWER_WINDOW` (7 days) after it
was sent. After that the answer is kept as it is (SurveyClosed)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import InvalidValue, NotFound, SurveyClosed
from core.models import Agency, Booking, Calendar, Service, SurveyResponse
from core.uow import UnitOfWork

COMMENT_MAX_CHARS = 2000
SURVEY_ANSWER_WINDOW = timedelta(days=7)
RATINGS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class SurveyView:
    booking_reference: str
    customer_id: int | None
    agency_code: str
    agency_name: str
    service: str
    start_utc: datetime
    sent_at: datetime
    rating: int | None
    comment: str | None
    answered_at: datetime | None


@dataclass(frozen=True)
class SurveyPrompt:
    """What a survey asks: its text and the ratings offered for that booking (the channel
    turns each rating into a button)."""

    text: str
    booking_reference: str
    ratings: tuple[int, ...]


@dataclass(frozen=True)
class SurveyStats:
    agency_code: str
    agency_name: str
    service: str
    service_name_fr: str
    service_name_en: str
    sent: int  # surveys sent
    count: int  # surveys rated
    average: float | None  # None when nothing rated yet
    histogram: dict[int, int] = field(default_factory=dict)  # {1..5: n}, every key present


def open_survey(uow: UnitOfWork, booking_id: int, now: datetime) -> SurveyView:
    """The survey of a booking, created at `now` the first time (idempotent: the unique
    booking_id keeps one row when two senders race)."""
    with uow:
        session = uow.session
        if session.get(Booking, booking_id) is None:
            raise NotFound("unknown_booking", f"no booking {booking_id}")
        survey = SurveyResponse(booking_id=booking_id, sent_at=now)
        try:
            with session.begin_nested():
                session.add(survey)
        except IntegrityError:  # already opened: keep its first sent_at
            if survey in session:
                session.expunge(survey)
        view = _one_survey(session, Booking.id == booking_id)
        uow.commit()
        return view


def record_rating(
    uow: UnitOfWork,
    booking_reference: str,
    rating: int | str,
    now: datetime,
    *,
    customer_id: int | None = None,
    as_customer: bool = False,
) -> SurveyView:
    """Store a 1..5 rating, replacing an earlier one while the survey is open.

    InvalidValue("invalid_rating"); NotFound("unknown_survey") when no survey was sent for
    that booking or the booking is not the customer's: checked when `customer_id` is given
    or `as_customer` (then customer_id None = someone unknown, who may only answer for a
    booking of nobody); SurveyClosed("survey_closed") after the answer window.
    """
    value = parse_rating(rating)
    return update_answer(uow, booking_reference, now, customer_id, as_customer, rating=value)


def record_comment(
    uow: UnitOfWork,
    booking_reference: str,
    comment: str,
    now: datetime,
    *,
    customer_id: int | None = None,
    as_customer: bool = False,
) -> SurveyView:
    """Store the optional comment (same rules as record_rating); InvalidValue("empty_comment"
    | "comment_too_long")."""
    cleaned = (comment or "").strip()
    if not cleaned:
        raise InvalidValue("empty_comment", "the comment is empty")
    if len(cleaned) > COMMENT_MAX_CHARS:
        raise InvalidValue("comment_too_long", f"at most {COMMENT_MAX_CHARS} characters")
    # a new comment is moderated again before publication (core/reviews.py)
    return update_answer(
        uow,
        booking_reference,
        now,
        customer_id,
        as_customer,
        comment=cleaned,
        review_status=case((SurveyResponse.publish_consent, "pending"), else_=None),
        reviewed_by=None,
        reviewed_at=None,
    )


def parse_rating(rating: int | str) -> int:
    """1..5 from an int or its text ("4", " 5 "); InvalidValue("invalid_rating") otherwise."""
    try:
        value = int(str(rating).strip())
    except (TypeError, ValueError):
        raise InvalidValue("invalid_rating", "a rating is a whole number from 1 to 5") from None
    if value not in RATINGS:
        raise InvalidValue("invalid_rating", "a rating is a whole number from 1 to 5")
    return value


def get_survey(uow: UnitOfWork, booking_reference: str) -> SurveyView:
    with uow:
        return _one_survey(uow.session, Booking.reference == _clean(booking_reference))


def survey_results(uow: UnitOfWork) -> list[SurveyStats]:
    """Per (agency, service) that sent surveys: sent, rated count, average, histogram 1..5."""
    stmt = (
        select(
            Agency.code,
            Agency.name,
            Service.code,
            Service.name_fr,
            Service.name_en,
            SurveyResponse.rating,
            func.count(),
        )
        .select_from(SurveyResponse)
        .join(Booking, Booking.id == SurveyResponse.booking_id)
        .join(Calendar, Calendar.id == Booking.calendar_id)
        .join(Agency, Agency.id == Calendar.agency_id)
        .join(Service, Service.code == Calendar.service_code)
        .group_by(
            Agency.code,
            Agency.name,
            Service.code,
            Service.name_fr,
            Service.name_en,
            SurveyResponse.rating,
        )
    )
    with uow:
        rows = [tuple(row) for row in uow.session.execute(stmt)]
    return survey_stats(rows)


def survey_stats(rows: Iterable[tuple[Any, ...]]) -> list[SurveyStats]:
    """The statistics of survey_results from its rows (agency code, agency name, service code,
    service name fr, service name en, rating or None, number of surveys), sorted by agency
    then service: sent, rated count, average rounded to 2 places, histogram 1..5."""
    groups: dict[tuple[str, str], dict] = {}
    for agency, agency_name, service, name_fr, name_en, rating, n in rows:
        group = groups.setdefault(
            (agency, service),
            {
                "names": (agency_name, name_fr, name_en),
                "sent": 0,
                "hist": dict.fromkeys(RATINGS, 0),
            },
        )
        group["sent"] += n
        if rating is not None:
            group["hist"][rating] += n
    results = []
    for (agency, service), group in sorted(groups.items()):
        hist = group["hist"]
        count = sum(hist.values())
        total = sum(rating * n for rating, n in hist.items())
        agency_name, name_fr, name_en = group["names"]
        results.append(
            SurveyStats(
                agency_code=agency,
                agency_name=agency_name,
                service=service,
                service_name_fr=name_fr,
                service_name_en=name_en,
                sent=group["sent"],
                count=count,
                average=round(total / count, 2) if count else None,
                histogram=hist,
            )
        )
    return results


def survey_comments(uow: UnitOfWork, limit: int = 50) -> list[SurveyView]:
    """The latest answered surveys with a comment, newest first (staff)."""
    with uow:
        stmt = (
            _survey_query()
            .where(SurveyResponse.comment.is_not(None))
            .order_by(SurveyResponse.answered_at.desc())
            .limit(limit)
        )
        return [_survey_view(row) for row in uow.session.execute(stmt)]


def update_answer(
    uow: UnitOfWork,
    booking_reference: str,
    now: datetime,
    customer_id: int | None,
    as_customer: bool,
    **values: object,
) -> SurveyView:
    """Set `values` on the survey of that booking while it is open (one conditional UPDATE);
    NotFound("unknown_survey") or SurveyClosed as record_rating says."""
    with uow:
        session = uow.session
        booking = session.scalar(
            select(Booking).where(Booking.reference == _clean(booking_reference))
        )
        checked = as_customer or customer_id is not None
        if booking is None or (checked and booking.customer_id != customer_id):
            raise NotFound("unknown_survey", "no such survey")
        changed = session.execute(
            update(SurveyResponse)
            .where(
                SurveyResponse.booking_id == booking.id,
                SurveyResponse.sent_at > now - SURVEY_ANSWER_WINDOW,
            )
            .values(answered_at=now, **values)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:
            survey = session.scalar(
                select(SurveyResponse.id).where(SurveyResponse.booking_id == booking.id)
            )
            if survey is None:
                raise NotFound("unknown_survey", "no such survey")
            raise SurveyClosed("survey_closed", "this survey can no longer be answered")
        view = _one_survey(session, Booking.id == booking.id)
        uow.commit()
        return view


def _survey_query() -> Select:
    return (
        select(SurveyResponse, Booking, Agency.code, Agency.name, Calendar.service_code)
        .join(Booking, Booking.id == SurveyResponse.booking_id)
        .join(Calendar, Calendar.id == Booking.calendar_id)
        .join(Agency, Agency.id == Calendar.agency_id)
    )


def _one_survey(session: Session, condition: ColumnElement[bool]) -> SurveyView:
    stmt = _survey_query().where(condition).execution_options(populate_existing=True)
    row = session.execute(stmt).first()
    if row is None:
        raise NotFound("unknown_survey", "no such survey")
    return _survey_view(row)


def _survey_view(row: Row) -> SurveyView:
    survey, booking, agency_code, agency_name, service = row
    return SurveyView(
        booking_reference=booking.reference,
        customer_id=booking.customer_id,
        agency_code=agency_code,
        agency_name=agency_name,
        service=service,
        start_utc=booking.start_utc,
        sent_at=survey.sent_at,
        rating=survey.rating,
        comment=survey.comment,
        answered_at=survey.answered_at,
    )


def _clean(reference: str) -> str:
    return (reference or "").strip().upper()
