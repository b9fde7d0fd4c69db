"""Workshop services: the 1000 km visit's eligibility rule and callback tasks.

The eligibility rule is data (setting `rule.visit_1000`); `check_visit_1000` is pure so that
it can be tested as a table. A repair quote never gets a slot: the customer gives its
number, and a callback task asks the staff to call them (one open task per quote, guaranteed
by a partial unique index). A customer who finds no advisor free can also ask to be called
back (kind "callback": one open request per conversation, also a partial unique index).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Row, Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from core.customers import parse_contact
from core.errors import InvalidValue, NotFound
from core.models import Agency, CallbackTask, Customer, Quote, Vehicle
from core.parsing import normalize
from core.settings_store import DEFAULTS, json_setting
from core.uow import UnitOfWork

VEHICLE_REQUIRED: frozenset[str] = frozenset({"repair", "visit_1000"})
WORKSHOP_SERVICES: tuple[str, ...] = ("quick_service", "diagnostic", "repair", "visit_1000")

VISIT_1000_KEY = "rule.visit_1000"
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# A quote number is a letter prefix then digits, in groups: "DV-2026-0412", "DV20260412".
_QUOTE_NUMBER = re.compile(r"^[A-Z]{1,5}[-/]?\d{2,}(?:[-/]?\d+){0,4}$")
CALLBACK_NOTE_MAX_CHARS = 500


@dataclass(frozen=True)
class Visit1000Rule:
    min_km: int
    max_km: int
    max_age_days: int


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str | None  # "mileage_too_low" | "mileage_too_high" | "vehicle_too_old" |
    # "no_registration_date"; None when eligible
    # For the explanation given to the customer (not part of the decision):
    rule: Visit1000Rule | None = None
    mileage: int | None = None
    age_days: int | None = None


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


# --------------------------------------------------------------------------- services

# Words that name a workshop service in a request ("je voudrais un diagnostic", "my bike
# needs a repair"); checked in this order, on the text without accents, in lower case.
SERVICE_WORDS: tuple[tuple[str, str], ...] = (
    ("visit_1000", r"\b1 ?000\b|\bmille\b|\bthousand\b"),
    ("repair", r"\brepar\w*|\brepair\w*|\bdevis\b|\bquote\b|\bfix\b"),
    ("diagnostic", r"\bdiag\w*|\bpanne\b|\bvoyant\b|\bwarning light\b|\bbreakdown\b"),
    ("quick_service", r"\brapide\b|\bexpress\b|\bquick\b|\bfast\b"),
)


def service_from_text(text: str) -> str | None:
    """The workshop service a message names, or None."""
    plain = normalize(text or "")
    for code, pattern in SERVICE_WORDS:
        if re.search(pattern, plain):
            return code
    return None


def service_named_in_answer(text: str) -> str | None:
    """The service an answer to another question names in words ("visite des 1000", "1000
    km visit", "j'ai un devis"); a bare number ("1000 km", a mileage) names none."""
    code = service_from_text(text)
    if code == "visit_1000" and not re.search(
        r"\bvisit|\brevision|\bmille\b|\bthousand\b", normalize(text or "")
    ):
        return None
    return code


# The words of a request that only ask for the service ("je voudrais un diagnostic pour ma
# moto svp"); what is left once they are gone describes the problem.
_REQUEST_WORDS_TEXT = """
je j voudrais veux voudrai souhaite souhaiterais aimerais faudrait besoin faire fait
prendre avoir un une le la les l de des du d pour sur a au aux ma mon mes votre vos moto
motos vehicule voiture bike motorbike car scooter rdv rendez vous svp stp sil plait merci
bonjour salut bjr slt hello hi please i id would like want need to get a an the my for of
book booking appointment have it its is est c ce cette possible pouvez peut
diagnostic diag diagnostique diagnosis check checked checkup panne breakdown"""
_REQUEST_WORDS = frozenset(_REQUEST_WORDS_TEXT.split())
_MIN_PROBLEM_WORDS = 2


def problem_in_request(text: str) -> str | None:
    """The request itself when it describes a problem ("voyant moteur allumé depuis hier"),
    None when it only asks for a diagnostic ("je voudrais un diagnostic svp")."""
    words = re.findall(r"[a-z0-9]+", normalize(text or ""))
    meaningful = [w for w in words if w not in _REQUEST_WORDS]
    if text.lstrip().startswith("/") or len(meaningful) < _MIN_PROBLEM_WORDS:
        return None
    return text.strip()[:2000]


def identified_vehicle_id(uow: UnitOfWork, customer_id: int | None) -> int | None:
    """The vehicle the customer proved to own (None: not identified, or no customer)."""
    if customer_id is None:
        return None
    with uow:
        customer = uow.session.get(Customer, customer_id)
        return None if customer is None else customer.identified_vehicle_id


# --------------------------------------------------------------------------- 1000 km visit


def visit_1000_rule(uow: UnitOfWork) -> Visit1000Rule:
    """The rule from the `rule.visit_1000` setting; each missing or unreadable field takes
    its default (500 km, 1,500 km, 365 days)."""
    defaults = DEFAULTS[VISIT_1000_KEY]
    with uow:
        raw = json_setting(uow.session, VISIT_1000_KEY)
    values = dict(defaults)
    if isinstance(raw, dict):
        for key in defaults:
            value = raw.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
                values[key] = int(value)
    return Visit1000Rule(values["min_km"], values["max_km"], values["max_age_days"])


def check_visit_1000(
    rule: Visit1000Rule, mileage: int, first_registration: date | None, today: date
) -> Eligibility:
    """Eligible when min_km <= mileage <= max_km and the vehicle was first registered at
    most `max_age_days` days before `today`. The mileage is checked first."""
    if mileage < 0:
        raise InvalidValue("mileage_negative", f"{mileage} km is negative")
    age_days = None if first_registration is None else (today - first_registration).days

    def result(reason: str | None) -> Eligibility:
        return Eligibility(reason is None, reason, rule, mileage, age_days)

    if mileage < rule.min_km:
        return result("mileage_too_low")
    if mileage > rule.max_km:
        return result("mileage_too_high")
    if age_days is None:
        return result("no_registration_date")
    if age_days > rule.max_age_days:
        return result("vehicle_too_old")
    return result(None)


def visit_1000_eligibility(
    uow: UnitOfWork, customer_id: int, mileage: int, today: date
) -> Eligibility:
    """`check_visit_1000` for the customer's identified vehicle.

    NotFound("vehicle_not_identified") when the customer has not identified a vehicle.
    """
    with uow:
        vehicle = _identified_vehicle(uow.session, customer_id)
        first_registration = vehicle.first_registration
    return check_visit_1000(visit_1000_rule(uow), mileage, first_registration, today)


def visit_1000_age_refusal(uow: UnitOfWork, customer_id: int, today: date) -> Eligibility | None:
    """The age rule alone, before the mileage is asked: a not-eligible `Eligibility`
    ("vehicle_too_old") when the identified vehicle is already too old, else None (young
    enough, registration date unknown or no identified vehicle: the mileage comes first)."""
    with uow:
        try:
            first_registration = _identified_vehicle(uow.session, customer_id).first_registration
        except NotFound:
            return None
    if first_registration is None:
        return None
    rule = visit_1000_rule(uow)
    age_days = (today - first_registration).days
    if age_days <= rule.max_age_days:
        return None
    return Eligibility(False, "vehicle_too_old", rule, None, age_days)


def _identified_vehicle(session: Session, customer_id: int) -> Vehicle:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("unknown_customer", f"no customer {customer_id}")
    vehicle = (
        None
        if customer.identified_vehicle_id is None
        else session.get(Vehicle, customer.identified_vehicle_id)
    )
    if vehicle is None:
        raise NotFound("vehicle_not_identified", "the customer has not identified a vehicle")
    return vehicle


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
    for _ in range(5):
        task = CallbackTask(
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
        try:
            with session.begin_nested():
                session.add(task)
            return task.id
        except IntegrityError:
            if task in session:  # the savepoint's rollback usually expunged it already
                session.expunge(task)
            # another request opened a task for this quote meanwhile: that one is the answer
            existing = _open_task_id(session, quote.id)
            if existing is not None:
                return existing
    raise RuntimeError("could not find a free callback reference")


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
    for _ in range(5):
        task = CallbackTask(
            reference=new_callback_reference(),
            kind="callback",
            customer_id=customer_id,
            conversation_id=conversation_id,
            phone=phone,
            note=note,
            status="open",
            created_at=now,
        )
        try:
            with session.begin_nested():
                session.add(task)
            return task.id
        except IntegrityError:
            if task in session:  # the savepoint's rollback usually expunged it already
                session.expunge(task)
            # the same conversation opened one meanwhile: that one is the answer
            existing = _open_callback_id(session, conversation_id)
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
