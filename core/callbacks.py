"""Callback tasks: someone of the staff calls the customer back. A repair quote never gets a
slot: the customer gives its number, and a callback task asks the staff to call them (one
open task per quote, guaranteed by a partial unique index). A customer who finds no advisor
free can also ask to be called back (kind "callback": one open request per conversation,
also a partial unique index)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, Select, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from core.customers import parse_contact
from core.errors import InvalidValue, NotFound
from core.models import Agency, CallbackTask, Customer, Quote
from core.parsing import normalize
from core.uow import UnitOfWork

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# A quote number is a letter prefix then digits, in groups: "DV-2026-0412", "DV20260412".
_QUOTE_NUMBER = re.compile(r"^[A-Z]{1,5}[-/]?\d{2,}(?:[-/]?\d+){0,4}$")
CALLBACK_NOTE_MAX_CHARS = 500


@dataclass(frozen=True)
class CallbackView:
    reference: str
    kind: str
    status: str
    customer_name: str | None
    customer_phone: str | None
    customer_email: str | None
    agency_code: str | None
    agency_name: str | None
    quote_number: str | None
    note: str | None
    created_at: datetime
    closed_at: datetime | None
    outcome: str | None


# --------------------------------------------------------------------------- repair quotes


def normalise_quote_number(text: str) -> str:
    """ "dv-2026 0412" -> "DV-20260412"; spaces removed, upper case.

    InvalidValue("invalid_quote_number") for anything that cannot be a quote number: it
    needs a letter prefix and digits ("1000 km visit" or "12345" are not quote numbers).
    """
    number = re.sub(r"\s+", "", text or "").upper()
    if len(number) > 40 or not _QUOTE_NUMBER.match(number):
        raise InvalidValue("invalid_quote_number", f"{text!r} is not a quote number")
    return number


_NO_QUOTE = re.compile(
    r"\b(?:pas|plus|perdu|trouve pas|sais pas|connais pas|souviens? (?:pas|plus))\b.*"
    r"\b(?:devis|numero|sur moi|avec moi|la)\b|\bpas (?:de|le|mon) (?:devis|numero)\b"
    r"|\b(?:don'?t|do not|haven'?t|can'?t|cannot|no|lost|never got)\b.*"
    r"\b(?:it|quote|number|with me|on me|paper)\b"
)


def says_no_quote_number(text: str) -> bool:
    """ "je ne l'ai pas sur moi", "I lost the quote": the customer has no number at hand."""
    return _NO_QUOTE.search(normalize(text or "")) is not None


def request_quote_callback(
    uow: UnitOfWork,
    *,
    quote_number: str,
    customer_id: int,
    conversation_id: int | None,
    now: datetime,
) -> CallbackView:
    """An open callback task for that quote, so that an advisor calls the customer.

    The quote must exist, be open and belong to the customer's identified vehicle; otherwise
    NotFound("unknown_quote"), whatever the reason (it never tells whose quote it is). When
    an open task for the same quote exists, it is returned: the partial unique index on open
    tasks per quote is the guarantee under concurrency.
    """
    number = normalise_quote_number(quote_number)
    with uow:
        session = uow.session
        customer = session.get(Customer, customer_id)
        vehicle_id = None if customer is None else customer.identified_vehicle_id
        quote = (
            None
            if vehicle_id is None
            else session.scalar(
                select(Quote).where(
                    Quote.number == number,
                    Quote.vehicle_id == vehicle_id,
                    Quote.status == "open",
                )
            )
        )
        if quote is None:
            raise NotFound("unknown_quote", f"no open quote {number!r} for this customer")
        task_id = _open_task_id(session, quote.id)
        if task_id is None:
            task_id = _insert_task(session, quote, customer_id, conversation_id, now)
        view = _one_view(session, CallbackTask.id == task_id)
        uow.commit()
        return view


def _open_task_id(session: Session, quote_id: int) -> int | None:
    return session.scalar(
        select(CallbackTask.id).where(
            CallbackTask.quote_id == quote_id, CallbackTask.status == "open"
        )
    )


def _insert_task(
    session: Session, quote: Quote, customer_id: int, conversation_id: int | None, now: datetime
) -> int:
    def build() -> CallbackTask:
        return CallbackTask(
            reference=new_callback_reference(),
            kind="repair_quote",
            customer_id=customer_id,
            conversation_id=conversation_id,
            agency_id=quote.agency_id,
            quote_id=quote.id,
            note=quote.description,
            status="open",
            created_at=now,
        )

    return _insert_or_open_one(session, build, lambda: _open_task_id(session, quote.id))


# --------------------------------------------------------------------------- callback requests


def parse_callback_phone(text: str) -> str:
    """The number to call back, normalised ("06 12 34 56 42" -> "+33612345642").

    InvalidValue("email_not_phone") for an e-mail address, InvalidValue("invalid_phone")
    for anything else that is not a phone number.
    """
    try:
        kind, value = parse_contact(text or "")
    except InvalidValue:
        raise InvalidValue("invalid_phone", f"{text!r} is not a phone number") from None
    if kind != "phone":
        raise InvalidValue("email_not_phone", "a phone number is needed to call back")
    return value


def clean_callback_note(text: str | None) -> str | None:
    """The note trimmed (None when empty); InvalidValue("callback_note_too_long") beyond
    `CALLBACK_NOTE_MAX_CHARS` characters."""
    note = " ".join((text or "").split())
    if len(note) > CALLBACK_NOTE_MAX_CHARS:
        raise InvalidValue("callback_note_too_long", f"at most {CALLBACK_NOTE_MAX_CHARS} chars")
    return note or None


def request_callback(
    uow: UnitOfWork,
    *,
    conversation_id: int,
    customer_id: int | None,
    phone: str,
    note: str | None,
    now: datetime,
) -> CallbackView:
    """An open callback task (kind "callback") asking an advisor to call `phone` back.

    One open request per conversation, guaranteed by the partial unique index
    `uq_callback_tasks_one_open_per_conversation`: asking again (or twice at once) returns
    the open task, with the latest number and, when one is given, the latest note.
    InvalidValue from `parse_callback_phone` and `clean_callback_note`.
    """
    number = parse_callback_phone(phone)
    text = clean_callback_note(note)
    with uow:
        session = uow.session
        task_id = _open_callback_id(session, conversation_id)
        if task_id is None:
            task_id = _insert_callback(session, conversation_id, customer_id, number, text, now)
        values: dict[str, object] = {"phone": number}
        if text is not None:
            values["note"] = text
        if customer_id is not None:
            values["customer_id"] = customer_id
        session.execute(
            update(CallbackTask)
            .where(CallbackTask.id == task_id, CallbackTask.status == "open")
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        view = _one_view(session, CallbackTask.id == task_id)
        uow.commit()
        return view


def _open_callback_id(session: Session, conversation_id: int) -> int | None:
    return session.scalar(
        select(CallbackTask.id).where(
            CallbackTask.conversation_id == conversation_id,
            CallbackTask.kind == "callback",
            CallbackTask.status == "open",
        )
    )


def _insert_callback(
    session: Session,
    conversation_id: int,
    customer_id: int | None,
    phone: str,
    note: str | None,
    now: datetime,
) -> int:
    def build() -> CallbackTask:
        return CallbackTask(
            reference=new_callback_reference(),
            kind="callback",
            customer_id=customer_id,
            conversation_id=conversation_id,
            phone=phone,
            note=note,
            status="open",
            created_at=now,
        )

    return _insert_or_open_one(session, build, lambda: _open_callback_id(session, conversation_id))


def _insert_or_open_one(
    session: Session, build: Callable[[], CallbackTask], open_one: Callable[[], int | None]
) -> int:
    """The id of a task from `build` inserted in a savepoint, or of the open one `open_one`
    reads when the insert clashes with it (a partial unique index: another request opened
    it meanwhile); a clash on the reference alone tries again with a fresh one."""
    for _ in range(5):
        task = build()
        try:
            with session.begin_nested():
                session.add(task)
            return task.id
        except IntegrityError:
            if task in session:  # the savepoint's rollback usually expunged it already
                session.expunge(task)
            existing = open_one()
            if existing is not None:
                return existing
    raise RuntimeError("could not find a free callback reference")


def new_callback_reference() -> str:
    return "CB-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def get_callback(uow: UnitOfWork, reference: str) -> CallbackView:
    with uow:
        return _one_view(uow.session, CallbackTask.reference == reference.strip().upper())


def list_callbacks(uow: UnitOfWork, status: str | None = "open") -> list[CallbackView]:
    """Callback tasks, oldest first; all of them when `status` is None."""
    with uow:
        query = _view_query()
        if status is not None:
            query = query.where(CallbackTask.status == status)
        return [_view(row) for row in uow.session.execute(query)]


def callbacks_of(
    uow: UnitOfWork,
    *,
    conversation_id: int | None,
    customer_id: int | None,
    status: str | None = "open",
) -> list[CallbackView]:
    """The callback tasks asked in that conversation or for that customer, oldest first
    (only those of `status`; all of them when it is None)."""
    mine = []
    if conversation_id is not None:
        mine.append(CallbackTask.conversation_id == conversation_id)
    if customer_id is not None:
        mine.append(CallbackTask.customer_id == customer_id)
    if not mine:
        return []
    query = _view_query().where(or_(*mine))
    if status is not None:
        query = query.where(CallbackTask.status == status)
    with uow:
        return [_view(row) for row in uow.session.execute(query)]


def close_callback(
    uow: UnitOfWork, reference: str, *, staff_id: int | None, outcome: str, now: datetime
) -> CallbackView:
    """Mark the task done with its outcome: one conditional update (open -> done); closing a
    task already done changes nothing and returns it as it is."""
    reference = reference.strip().upper()
    with uow:
        session = uow.session
        session.execute(
            update(CallbackTask)
            .where(CallbackTask.reference == reference, CallbackTask.status == "open")
            .values(
                status="done",
                closed_at=now,
                closed_by=staff_id,
                outcome=(outcome or "").strip() or None,
            )
            .execution_options(synchronize_session=False)
        )
        view = _one_view(session, CallbackTask.reference == reference)
        uow.commit()
        return view


def _view_query() -> Select:
    quote = aliased(Quote)
    return (
        select(CallbackTask, Customer, Agency, quote.number)
        .outerjoin(Customer, Customer.id == CallbackTask.customer_id)
        .outerjoin(Agency, Agency.id == CallbackTask.agency_id)
        .outerjoin(quote, quote.id == CallbackTask.quote_id)
        .order_by(CallbackTask.created_at, CallbackTask.id)
    )


def _one_view(session: Session, condition) -> CallbackView:  # noqa: ANN001
    session.expire_all()
    row = session.execute(_view_query().where(condition)).first()
    if row is None:
        raise NotFound("unknown_callback", "no such callback task")
    return _view(row)


def _view(row: Row) -> CallbackView:
    task, customer, agency, quote_number = row
    return CallbackView(
        reference=task.reference,
        kind=task.kind,
        status=task.status,
        customer_name=None if customer is None else customer.name,
        # the number given with the request first, else the customer's own
        customer_phone=task.phone or (None if customer is None else customer.phone),
        customer_email=None if customer is None else customer.email,
        agency_code=None if agency is None else agency.code,
        agency_name=None if agency is None else agency.name,
        quote_number=quote_number,
        note=task.note,
        created_at=task.created_at,
        closed_at=task.closed_at,
        outcome=task.outcome,
    )
