"""After a human chat: the customer's 1-5 rating of the advisor (once per chat, stored with
the advisor and shown per advisor on the surveys page) and its transcript e-mailed to the
customer, only to an e-mail address they proved is theirs (a one-time code sent to it was
typed back), once per chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core import i18n
from core.errors import Conflict, InvalidValue, NotFound
from core.models import (
    ChannelIdentity,
    Conversation,
    Customer,
    HandoffRequest,
    Message,
    OtpChallenge,
    StaffUser,
)
from core.uow import UnitOfWork

RATING_WINDOW = timedelta(days=1)  # a chat can be rated (or e-mailed) for a day after it ended
SCORES = range(1, 6)


@dataclass(frozen=True)
class RatedChat:
    request_id: int
    advisor_name: str | None
    score: int


@dataclass(frozen=True)
class AdvisorRating:
    advisor_id: int
    advisor_name: str
    count: int
    average: float
    by_score: dict[int, int]  # 1..5 -> how many


@dataclass(frozen=True)
class TranscriptMail:
    request_id: int
    destination: str
    subject: str
    body: str


def rate_chat(uow: UnitOfWork, conversation_id: int, score: int, now: datetime) -> RatedChat:
    """The customer's score of their last human chat, ended within RATING_WINDOW.
    InvalidValue (invalid_rating), NotFound (nothing_to_rate), Conflict (already_rated: a
    chat is rated once; the conditional update decides between two taps at once)."""
    if score not in SCORES:
        raise InvalidValue("invalid_rating", "a score from 1 to 5")
    with uow:
        session = uow.session
        request = _last_chat(session, conversation_id, now)
        rated = session.execute(
            update(HandoffRequest)
            .where(HandoffRequest.id == request.id, HandoffRequest.rating.is_(None))
            .values(rating=score, rated_at=now)
            .execution_options(synchronize_session=False)
        )
        if rated.rowcount != 1:
            raise Conflict("already_rated", f"request {request.id} is already rated")
        name = session.scalar(select(StaffUser.name).where(StaffUser.id == request.advisor_id))
        uow.commit()
        return RatedChat(request.id, name, score)


def advisor_ratings(uow: UnitOfWork) -> list[AdvisorRating]:
    """Each advisor's rated chats: count, average, how many of each score; best first."""
    with uow:
        rows = uow.session.execute(
            select(StaffUser.id, StaffUser.name, HandoffRequest.rating, func.count())
            .join(HandoffRequest, HandoffRequest.advisor_id == StaffUser.id)
            .where(HandoffRequest.rating.is_not(None))
            .group_by(StaffUser.id, StaffUser.name, HandoffRequest.rating)
        ).all()
    by_advisor: dict[tuple[int, str], dict[int, int]] = {}
    for advisor_id, name, score, count in rows:
        by_advisor.setdefault((advisor_id, name), {s: 0 for s in SCORES})[score] = count
    ratings = []
    for (advisor_id, name), scores in by_advisor.items():
        total = sum(scores.values())
        average = sum(s * n for s, n in scores.items()) / total
        ratings.append(AdvisorRating(advisor_id, name, total, round(average, 2), scores))
    return sorted(ratings, key=lambda r: (-r.average, -r.count, r.advisor_name))


def verified_email(uow: UnitOfWork, conversation_id: int) -> str | None:
    """The e-mail address of the conversation's customer, when a one-time code sent to that
    very address was typed back (identification, contact change, account creation)."""
    with uow:
        return _verified_email(uow.session, conversation_id)


def claim_transcript(
    uow: UnitOfWork, conversation_id: int, language: str | None, now: datetime
) -> TranscriptMail:
    """The e-mail of the last human chat's transcript, claimed (it will not be given twice):
    NotFound (nothing_to_rate: no chat ended lately), Conflict (no_verified_email,
    transcript_already_sent)."""
    with uow:
        session = uow.session
        request = _last_chat(session, conversation_id, now)
        destination = _verified_email(session, conversation_id)
        if destination is None:
            raise Conflict("no_verified_email", "no verified e-mail address for this customer")
        claimed = session.execute(
            update(HandoffRequest)
            .where(HandoffRequest.id == request.id, HandoffRequest.transcript_sent_at.is_(None))
            .values(transcript_sent_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            raise Conflict("transcript_already_sent", f"request {request.id}: already sent")
        mail = _transcript_mail(session, request, destination, language, uow.timezone)
        uow.commit()
        return mail


def _last_chat(session: Session, conversation_id: int, now: datetime) -> HandoffRequest:
    request = session.scalar(
        select(HandoffRequest)
        .where(
            HandoffRequest.conversation_id == conversation_id,
            HandoffRequest.status == "closed",
            HandoffRequest.advisor_id.is_not(None),
            HandoffRequest.ended_at >= now - RATING_WINDOW,
        )
        .order_by(HandoffRequest.ended_at.desc(), HandoffRequest.id.desc())
        .limit(1)
    )
    if request is None:
        raise NotFound("nothing_to_rate", f"no human chat ended lately in {conversation_id}")
    return request


def _verified_email(session: Session, conversation_id: int) -> str | None:
    customer = session.execute(
        select(Customer.id, Customer.email)
        .join(ChannelIdentity, ChannelIdentity.customer_id == Customer.id)
        .join(
            Conversation,
            (Conversation.channel == ChannelIdentity.channel)
            & (Conversation.external_id == ChannelIdentity.external_id),
        )
        .where(Conversation.id == conversation_id, Customer.erased_at.is_(None))
    ).first()
    if customer is None or not customer.email:
        return None
    proved = session.scalar(
        select(OtpChallenge.id)
        .where(
            OtpChallenge.customer_id == customer.id,
            OtpChallenge.transport == "email",
            func.lower(OtpChallenge.destination) == customer.email.lower(),
            OtpChallenge.consumed_at.is_not(None),
        )
        .limit(1)
    )
    return customer.email if proved is not None else None


def _transcript_mail(
    session: Session,
    request: HandoffRequest,
    destination: str,
    language: str | None,
    timezone: str,
) -> TranscriptMail:
    """Plain text: the customer's and the advisor's messages of that chat, with their times."""
    advisor = session.scalar(select(StaffUser.name).where(StaffUser.id == request.advisor_id))
    advisor = advisor or i18n.text("notify", "transcript_advisor", language)
    start = request.accepted_at or request.created_at
    messages = session.scalars(
        select(Message)
        .where(
            Message.conversation_id == request.conversation_id,
            Message.created_at >= start,
            Message.created_at <= request.ended_at,
        )
        .order_by(Message.id)
    ).all()
    zone = ZoneInfo(timezone)
    you = i18n.text("notify", "transcript_you", language)
    lines = []
    for message in messages:
        if message.direction == "in":
            title = (message.payload or {}).get("title")
            text = title if isinstance(title, str) else message.text
            if text.startswith("/"):
                continue  # a payload the widget sent by itself
            who = you
        elif message.sender.startswith("advisor"):
            text, who = message.text, advisor
        else:
            continue  # the hub's notices and the bot are not part of the human chat
        at = message.created_at.astimezone(zone).strftime("%H:%M")
        lines.append(f"[{at}] {who} : {text}" if language != "en" else f"[{at}] {who}: {text}")
    day = start.astimezone(zone).strftime("%d/%m/%Y" if language != "en" else "%Y-%m-%d")
    intro = i18n.text("notify", "transcript_intro", language, advisor=advisor, date=day)
    subject = i18n.text("notify", "transcript_subject", language, advisor=advisor)
    return TranscriptMail(request.id, destination, subject, "\n".join([intro, "", *lines]))


def release_transcript(uow: UnitOfWork, request_id: int) -> None:
    """The e-mail could not leave: the transcript may be asked for again."""
    with uow:
        uow.session.execute(
            update(HandoffRequest)
            .where(HandoffRequest.id == request_id)
            .values(transcript_sent_at=None)
            .execution_options(synchronize_session=False)
        )
        uow.commit()
