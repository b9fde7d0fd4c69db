"""The variables of canned replies, filled for one conversation on the server: the console
asks for a conversation's replies and inserts their text as it is.

    {prenom} / {first_name}  the first word of the customer's name; empty when unknown
    {agence} / {agency}      the agency the customer deals with: the agency of their next
                             booking, else the agency where their identified vehicle was last
                             in the workshop, else the company's name (setting
                             `legal_identity`), else empty

An empty variable goes with the spaces before it ("Bonjour {prenom}, ..." -> "Bonjour, ...");
at the start of a line, with the comma after it, and the line then starts with a capital.
Any other text in braces is left as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.canned_replies import CannedReplyView, list_replies
from core.errors import NotFound
from core.i18n import language_of
from core.legal import LEGAL_IDENTITY
from core.models import (
    Agency,
    Booking,
    Calendar,
    ChannelIdentity,
    Conversation,
    Customer,
    RepairJob,
)
from core.settings_store import json_setting
from core.uow import UnitOfWork

# each variable in French and English -> the ReplyValues field it stands for
VARIABLES = {
    "prenom": "first_name",
    "first_name": "first_name",
    "agence": "agency",
    "agency": "agency",
}
_NAMES = "|".join(VARIABLES)
_AT_LINE_START = re.compile(rf"(?m)^([ \t]*)\{{({_NAMES})\}}(?:[ \t]*[,;:])?[ \t]*(\S?)")
_ANYWHERE = re.compile(rf"([ \t]*)\{{({_NAMES})\}}")


@dataclass(frozen=True)
class ReplyValues:
    """What the variables of a conversation's replies are replaced with."""

    first_name: str = ""
    agency: str = ""
    language: str = "fr"


def fill(text: str, values: ReplyValues) -> str:
    """`text` with its variables replaced by `values` (see the module's docstring)."""

    def at_line_start(match: re.Match[str]) -> str:
        indent, name, following = match.groups()
        if getattr(values, VARIABLES[name]):
            return match.group(0)  # filled below, as anywhere else
        return indent + following.upper()

    def anywhere(match: re.Match[str]) -> str:
        spaces, name = match.groups()
        value = getattr(values, VARIABLES[name])
        return spaces + value if value else ""

    return _ANYWHERE.sub(anywhere, _AT_LINE_START.sub(at_line_start, text))


def replies_for_conversation(
    uow: UnitOfWork, conversation_id: int, now: datetime
) -> list[CannedReplyView]:
    """The replies of the conversation's language, their variables filled for its customer."""
    with uow:
        values = conversation_values(uow.session, conversation_id, now)
    return [
        replace(reply, text=fill(reply.text, values))
        for reply in list_replies(uow, values.language)
    ]


def conversation_values(session: Session, conversation_id: int, now: datetime) -> ReplyValues:
    """The values of a conversation's variables (NotFound for an unknown conversation)."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound("unknown_conversation", f"no conversation {conversation_id}")
    customer = session.scalar(
        select(Customer)
        .join(ChannelIdentity, ChannelIdentity.customer_id == Customer.id)
        .where(
            ChannelIdentity.channel == conversation.channel,
            ChannelIdentity.external_id == conversation.external_id,
            Customer.erased_at.is_(None),
        )
    )
    language = language_of(conversation.language or (customer.language if customer else None))
    if customer is None:
        return ReplyValues(agency=_company_name(session), language=language)
    words = customer.name.split()
    agency = (
        _next_booking_agency(session, customer.id, now)
        or _vehicle_agency(session, customer.identified_vehicle_id)
        or _company_name(session)
    )
    return ReplyValues(first_name=words[0] if words else "", agency=agency, language=language)


def _next_booking_agency(session: Session, customer_id: int, now: datetime) -> str:
    name = session.scalar(
        select(Agency.name)
        .join(Calendar, Calendar.agency_id == Agency.id)
        .join(Booking, Booking.calendar_id == Calendar.id)
        .where(
            Booking.customer_id == customer_id,
            Booking.status == "confirmed",
            Booking.start_utc >= now,
        )
        .order_by(Booking.start_utc, Booking.id)
        .limit(1)
    )
    return name or ""


def _vehicle_agency(session: Session, vehicle_id: int | None) -> str:
    if vehicle_id is None:
        return ""
    name = session.scalar(
        select(Agency.name)
        .join(RepairJob, RepairJob.agency_id == Agency.id)
        .where(RepairJob.vehicle_id == vehicle_id)
        .order_by(RepairJob.created_at.desc(), RepairJob.id.desc())
        .limit(1)
    )
    return name or ""


def _company_name(session: Session) -> str:
    identity = json_setting(session, LEGAL_IDENTITY, {})
    name = identity.get("name") if isinstance(identity, dict) else None
    return " ".join(name.split()) if isinstance(name, str) else ""
