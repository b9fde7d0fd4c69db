"""Customer feedback: complaints (tickets staff answer) and satisfaction surveys after a booking.

Complaints: open -> answered -> closed (answered again while not closed; closed is final).
Every change is one conditional `UPDATE ... WHERE status != 'closed'`.

Surveys: one row per booking (unique booking_id), opened when the survey is sent. The
customer may rate (1..5) and comment; a new rating replaces the previous one while the
survey is open, i.e. during `SURVEY_ANSWER_WINDOW` (7 days) after it was sent. After that
the answer is kept as it is (SurveyClosed).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Row, Select, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import i18n
from core.bookings import REFERENCE_ALPHABET
from core.errors import InvalidTransition, InvalidValue, NotFound, SurveyClosed
from core.models import (
    Agency,
    Booking,
    Calendar,
    Complaint,
    Customer,
    Service,
    StaffUser,
    SurveyResponse,
)
from core.uow import UnitOfWork

COMPLAINT_MIN_CHARS = 10
COMPLAINT_MAX_CHARS = 2000
ANSWER_MAX_CHARS = 4000
COMMENT_MAX_CHARS = 2000
SURVEY_ANSWER_WINDOW = timedelta(days=7)
RATINGS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class ComplaintView:
    reference: str
    status: str  # open | answered | closed
    text: str
    answer: str | None
    answered_by_name: str | None
    booking_reference: str | None
    agency_code: str | None
    agency_name: str | None
    customer_id: int | None
    customer_name: str | None
    customer_email: str | None
    customer_phone: str | None
    conversation_id: int | None
    created_at: datetime
    updated_at: datetime


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


# ---- complaints ----------------------------------------------------------------------------


def file_complaint(
    uow: UnitOfWork,
    *,
    text: str,
    customer_id: int | None,
    conversation_id: int | None,
    booking_reference: str | None = None,
    now: datetime,
) -> ComplaintView:
    """A new open complaint with a fresh "RC-XXXXXX" reference.

    InvalidValue("complaint_too_short" | "complaint_too_long"); a booking reference must be
    a booking of that customer (or of nobody), otherwise NotFound("unknown_booking").
    """
    cleaned = check_complaint_text(text)
    with uow:
        session = uow.session
        agency_id = None
        reference = None
        if booking_reference and booking_reference.strip():
            booking = _customer_booking(session, booking_reference, customer_id)
            reference = booking.reference
            agency_id = session.scalar(
                select(Calendar.agency_id).where(Calendar.id == booking.calendar_id)
            )
        for _ in range(5):  # a reference collision is rare (32**6 values): the database says
            complaint = Complaint(
                reference=new_complaint_reference(),
                customer_id=customer_id,
                conversation_id=conversation_id,
                agency_id=agency_id,
                booking_reference=reference,
                text=cleaned,
                status="open",
                created_at=now,
                updated_at=now,
            )
            try:
                with session.begin_nested():
                    session.add(complaint)
                break
            except IntegrityError:
                if complaint in session:
                    session.expunge(complaint)
        else:
            raise RuntimeError("could not find a free complaint reference")
        view = _one_complaint(session, Complaint.id == complaint.id)
        uow.commit()
        return view


def check_complaint_text(text: str) -> str:
    """The complaint as stored: trimmed; InvalidValue when too short or too long."""
    cleaned = (text or "").strip()
    if len(cleaned) < COMPLAINT_MIN_CHARS:
        raise InvalidValue("complaint_too_short", "the complaint is too short")
    if len(cleaned) > COMPLAINT_MAX_CHARS:
        raise InvalidValue("complaint_too_long", f"at most {COMPLAINT_MAX_CHARS} characters")
    return cleaned


def complaints_of(
    uow: UnitOfWork, *, conversation_id: int | None, customer_id: int | None
) -> list[ComplaintView]:
    """The complaints filed in that conversation or by that customer, newest first."""
    mine = _mine(conversation_id, customer_id)
    if mine is None:
        return []
    with uow:
        stmt = _complaint_query().where(mine).order_by(Complaint.created_at.desc(), Complaint.id)
        return [_complaint_view(row) for row in uow.session.execute(stmt)]


def complaint_for_customer(
    uow: UnitOfWork, reference: str, *, conversation_id: int | None, customer_id: int | None
) -> ComplaintView:
    """One complaint of that conversation or customer; NotFound("unknown_complaint") otherwise
    (never says whether it exists for someone else)."""
    mine = _mine(conversation_id, customer_id)
    if mine is None:
        raise NotFound("unknown_complaint", "no such complaint")
    with uow:
        return _one_complaint(uow.session, Complaint.reference == _clean(reference), mine)


def get_complaint(uow: UnitOfWork, reference: str) -> ComplaintView:
    """One complaint by reference (staff); NotFound("unknown_complaint")."""
    with uow:
        return _one_complaint(uow.session, Complaint.reference == _clean(reference))


def list_complaints(uow: UnitOfWork, status: str | None = None) -> list[ComplaintView]:
    """Complaints for staff, newest first; `status` filters (open | answered | closed)."""
    stmt = _complaint_query().order_by(Complaint.created_at.desc(), Complaint.id.desc())
    if status is not None:
        stmt = stmt.where(Complaint.status == status)
    with uow:
        return [_complaint_view(row) for row in uow.session.execute(stmt)]


def answer_complaint(
    uow: UnitOfWork, reference: str, *, staff_id: int, answer: str, close: bool, now: datetime
) -> ComplaintView:
    """Answer (status answered) or close (status closed) a complaint that is not closed.

    Closing with an empty answer keeps the previous answer. InvalidValue("empty_answer" |
    "answer_too_long"); InvalidTransition("complaint_closed") when it was already closed
    (also when someone closed it at the same moment).
    """
    cleaned = (answer or "").strip()
    if not cleaned and not close:
        raise InvalidValue("empty_answer", "write an answer")
    if len(cleaned) > ANSWER_MAX_CHARS:
        raise InvalidValue("answer_too_long", f"at most {ANSWER_MAX_CHARS} characters")
    with uow:
        session = uow.session
        condition = Complaint.reference == _clean(reference)
        values: dict[str, object] = {
            "status": "closed" if close else "answered",
            "updated_at": now,
        }
        if cleaned:
            values.update(answer=cleaned, answered_by=staff_id)
        changed = session.execute(
            update(Complaint)
            .where(condition, Complaint.status != "closed")
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:
            _one_complaint(session, condition)  # NotFound when it does not exist
            raise InvalidTransition("complaint_closed", "this complaint is already closed")
        view = _one_complaint(session, condition)
        uow.commit()
        return view


def new_complaint_reference() -> str:
    return "RC-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def _customer_booking(session: Session, reference: str, customer_id: int | None) -> Booking:
    booking = session.scalar(select(Booking).where(Booking.reference == _clean(reference)))
    if booking is None or (booking.customer_id is not None and booking.customer_id != customer_id):
        raise NotFound("unknown_booking", "no such booking")
    return booking


def _mine(conversation_id: int | None, customer_id: int | None) -> ColumnElement[bool] | None:
    conditions = []
    if conversation_id is not None:
        conditions.append(Complaint.conversation_id == conversation_id)
    if customer_id is not None:
        conditions.append(Complaint.customer_id == customer_id)
    return or_(*conditions) if conditions else None


def _complaint_query() -> Select:
    return (
        select(Complaint, Agency.code, Agency.name, Customer, StaffUser.name)
        .outerjoin(Agency, Agency.id == Complaint.agency_id)
        .outerjoin(Customer, Customer.id == Complaint.customer_id)
        .outerjoin(StaffUser, StaffUser.id == Complaint.answered_by)
    )


def _one_complaint(session: Session, *conditions: ColumnElement[bool]) -> ComplaintView:
    stmt = _complaint_query().where(*conditions).execution_options(populate_existing=True)
    row = session.execute(stmt).first()
    if row is None:
        raise NotFound("unknown_complaint", "no such complaint")
    return _complaint_view(row)


def _complaint_view(row: Row) -> ComplaintView:
    complaint, agency_code, agency_name, customer, staff_name = row
    return ComplaintView(
        reference=complaint.reference,
        status=complaint.status,
        text=complaint.text,
        answer=complaint.answer,
        answered_by_name=staff_name,
        booking_reference=complaint.booking_reference,
        agency_code=agency_code,
        agency_name=agency_name,
        customer_id=complaint.customer_id,
        customer_name=customer.name if customer is not None else None,
        customer_email=customer.email if customer is not None else None,
        customer_phone=customer.phone if customer is not None else None,
        conversation_id=complaint.conversation_id,
        created_at=complaint.created_at,
        updated_at=complaint.updated_at,
    )


# ---- satisfaction surveys ------------------------------------------------------------------


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
    return _answer(uow, booking_reference, now, customer_id, as_customer, rating=value)


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
    return _answer(uow, booking_reference, now, customer_id, as_customer, comment=cleaned)


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
    groups: dict[tuple[str, str], dict] = {}
    with uow:
        for agency, agency_name, service, name_fr, name_en, rating, n in uow.session.execute(stmt):
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


def survey_prompt(
    language: str, booking_reference: str, when_text: str, agency_name: str
) -> SurveyPrompt:
    """The survey message and the ratings the customer chooses from, for that booking."""
    prompt = i18n.text("feedback", "survey_prompt", language, when=when_text, agency=agency_name)
    return SurveyPrompt(text=prompt, booking_reference=booking_reference, ratings=RATINGS)


def _answer(
    uow: UnitOfWork,
    booking_reference: str,
    now: datetime,
    customer_id: int | None,
    as_customer: bool,
    **values: object,
) -> SurveyView:
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
