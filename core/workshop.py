"""Workshop services: which service a request names, and the vehicle it needs.

The 1000 km visit's eligibility rule lives in core/visit_1000.py and the callback tasks
(repair quotes, callback requests) in core/callbacks.py; both are re-exported here."""

from __future__ import annotations

import re

from core.callbacks import (
    CALLBACK_NOTE_MAX_CHARS,
    REFERENCE_ALPHABET,
    CallbackView,
    clean_callback_note,
    close_callback,
    get_callback,
    list_callbacks,
    new_callback_reference,
    normalise_quote_number,
    parse_callback_phone,
    request_callback,
    request_quote_callback,
    says_no_quote_number,
)
from core.models import Customer
from core.parsing import normalize
from core.uow import UnitOfWork
from core.visit_1000 import (
    VISIT_1000_KEY,
    Eligibility,
    Visit1000Rule,
    check_visit_1000,
    visit_1000_age_refusal,
    visit_1000_eligibility,
    visit_1000_rule,
)

__all__ = [
    "CALLBACK_NOTE_MAX_CHARS",
    "CallbackView",
    "Eligibility",
    "REFERENCE_ALPHABET",
    "SERVICE_WORDS",
    "VEHICLE_REQUIRED",
    "VISIT_1000_KEY",
    "Visit1000Rule",
    "WORKSHOP_SERVICES",
    "check_visit_1000",
    "clean_callback_note",
    "close_callback",
    "get_callback",
    "identified_vehicle_id",
    "list_callbacks",
    "new_callback_reference",
    "normalise_quote_number",
    "parse_callback_phone",
    "problem_in_request",
    "request_callback",
    "request_quote_callback",
    "says_no_quote_number",
    "service_from_text",
    "service_named_in_answer",
    "visit_1000_age_refusal",
    "visit_1000_eligibility",
    "visit_1000_rule",
]

VEHICLE_REQUIRED: frozenset[str] = frozenset({"repair", "visit_1000"})
WORKSHOP_SERVICES: tuple[str, ...] = ("quick_service", "diagnostic", "repair", "visit_1000")

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
