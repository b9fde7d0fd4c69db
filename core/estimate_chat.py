"""An estimate as the customer reads it in their channel, and their decision from there
(issue 16, item 2; docs/workshop.md, "Estimates in the chat").

The notice of a job going to estimate_sent (hub/job_notices.py) and the chat's answers
(actions/estimate.py) word it the same way: the vehicle and agency, the lines with their
amounts excluding VAT, the totals, then "approve" and "decline" buttons whose payloads name
the job (`/approve_estimate{"estimate_job":"12"}`), and the PDF through a signed link. The
decision itself is core.estimates.decide: only the job's customer, exactly once, with its
time and channel. Texts come from the gettext catalogues (context `estimate_chat`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from core import conversations, estimates, i18n
from core.estimates import EstimateView
from core.formatting import format_hundredths, format_money
from core.uow import UnitOfWork

CONTEXT = "estimate_chat"
PDF_KIND = estimates.DOCUMENT_KIND
INTENTS = {"approve": "approve_estimate", "decline": "decline_estimate"}
ENTITY = "estimate_job"
# Lines listed in the chat; the rest are counted ("and 3 more lines: see the PDF").
SHOWN_LINES = 8
# The channels a customer decides from (core.estimates.CUSTOMER_CHANNELS); REST clients are
# web pages too.
CHAT_CHANNELS = {"web": "web", "rest": "web", "telegram": "telegram", "whatsapp": "whatsapp"}


@dataclass(frozen=True)
class ChatButton:
    title: str
    payload: str


def phrase(key: str, language: str | None, **values: object) -> str:
    return i18n.text(CONTEXT, key, language, **values)


def summary(view: EstimateView, language: str | None) -> str:
    """The estimate in a few lines: what, where, each line excl. VAT, the totals."""
    parts = [phrase("intro", language, vehicle=view.vehicle or "-", agency=view.agency_name)]
    for line in view.lines[:SHOWN_LINES]:
        quantity = (
            ""
            if line.quantity_centi == 100
            else f" × {format_hundredths(line.quantity_centi, language)}"
        )
        amount = format_money(line.amount_excl_cents, language)
        parts.append(phrase("line", language, label=line.label, quantity=quantity, amount=amount))
    hidden = len(view.lines) - SHOWN_LINES
    if hidden > 0:
        parts.append(phrase("more_lines", language, count=hidden))
    totals = view.totals
    parts.append(
        phrase(
            "totals",
            language,
            excl=format_money(totals.excl_cents, language),
            vat=format_money(totals.vat_cents, language),
            incl=format_money(totals.incl_cents, language),
        )
    )
    return "\n".join(parts)


def question(language: str | None) -> str:
    return phrase("question", language)


def decision_payload(decision: str, job_id: int) -> str:
    """The button payload of a decision on the job's estimate (Rasa's `/intent{entities}`)."""
    return f"/{INTENTS[decision]}{json.dumps({ENTITY: str(job_id)}, separators=(',', ':'))}"


def decision_buttons(job_id: int, language: str | None) -> list[ChatButton]:
    return [
        ChatButton(phrase("approve_button", language), decision_payload("approve", job_id)),
        ChatButton(phrase("decline_button", language), decision_payload("decline", job_id)),
    ]


def choice_buttons(
    views: list[EstimateView], decision: str, language: str | None
) -> list[ChatButton]:
    """One button per waiting estimate, when the customer has several: vehicle and total."""
    return [
        ChatButton(
            phrase(
                "choice_button",
                language,
                vehicle=view.vehicle or "-",
                incl=format_money(view.totals.incl_cents, language),
            ),
            decision_payload(decision, view.job_id),
        )
        for view in views
    ]


def pdf_title(language: str | None) -> str:
    return phrase("pdf_title", language)


def decided_text(view: EstimateView, language: str | None) -> str:
    """What the customer is told once their decision is recorded."""
    key = "approved" if view.status == "approved" else "declined"
    return phrase(
        key,
        language,
        vehicle=view.vehicle or "-",
        agency=view.agency_name,
        incl=format_money(view.totals.incl_cents, language),
    )


def asks_decision(payload: object) -> bool:
    """Whether a stored outbound message asks for a decision on an estimate: its buttons
    approve and decline one (the notice's question, the repair status's offer)."""
    buttons = payload.get("buttons") if isinstance(payload, dict) else None
    if not isinstance(buttons, list):
        return False
    said = {b.get("payload") for b in buttons if isinstance(b, dict)}
    prefixes = {f"/{intent}{{" for intent in INTENTS.values()}
    return all(any(isinstance(p, str) and p.startswith(x) for p in said) for x in prefixes)


def question_pending(uow: UnitOfWork, channel: str, external_id: str) -> bool:
    """Whether the last thing said to this customer is an estimate's decision question: a
    typed yes or no then answers it (actions/estimate.py)."""
    last = conversations.last_outbound(uow, channel, external_id)
    return last is not None and asks_decision(last.payload)


def parse_job(value: object) -> int | None:
    """The job id of a button's `estimate_job` entity; None unless a plain positive number
    (a typed or forged value)."""
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else None
    text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        return None
    number = int(text)
    return number if number > 0 else None


def decision_channel(channel: str) -> str | None:
    """core.estimates' channel of a conversation's channel; None where customers cannot
    decide (an SMS conversation)."""
    return CHAT_CHANNELS.get(channel)
