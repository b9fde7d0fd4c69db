"""Customer feedback: complaints (tickets staff answer) and satisfaction surveys after a booking.

Complaints: open -> answered -> closed (answered again while not closed; closed is final).
Every change is one conditional `UPDATE ... WHERE status != 'closed'`.

Surveys live in core/surveys.py and the survey's words in core/feedback_texts.py; both are
re-exported here."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Row, Select, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.bookings import REFERENCE_ALPHABET
from core.errors import InvalidTransition, InvalidValue, NotFound
from core.feedback_texts import survey_prompt
from core.models import Agency, Booking, Calendar, Complaint, Customer, StaffUser
from core.surveys import (
    COMMENT_MAX_CHARS,
    RATINGS,
    SURVEY_ANSWER_WINDOW,
    SurveyPrompt,
    SurveyStats,
    SurveyView,
    get_survey,
    open_survey,
    parse_rating,
    record_comment,
    record_rating,
    survey_comments,
    survey_results,
)
from core.uow import UnitOfWork

__all__ = [
    "ANSWER_MAX_CHARS",
    "COMMENT_MAX_CHARS",
    "COMPLAINT_MAX_CHARS",
    "COMPLAINT_MIN_CHARS",
    "ComplaintView",
    "RATINGS",
    "SURVEY_ANSWER_WINDOW",
    "SurveyPrompt",
    "SurveyStats",
    "SurveyView",
    "answer_complaint",
    "check_complaint_text",
    "complaint_for_customer",
    "complaints_of",
    "file_complaint",
    "get_complaint",
    "get_survey",
    "list_complaints",
    "new_complaint_reference",
    "open_survey",
    "parse_rating",
    "record_comment",
    "record_rating",
    "survey_comments",
    "survey_prompt",
    "survey_results",
]


COMPLAINT_MIN_CHARS = 10
COMPLAINT_MAX_CHARS = 2000
ANSWER_MAX_CHARS = 4000


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


def _clean(reference: str) -> str:
    return (reference or "").strip().upper()
