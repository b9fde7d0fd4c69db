"""The audiences of commercial notifications: who a customer is to them (their profile, their
yes or no to offers), how many an audience holds, and what a customer missed while offline
(the rules: core/notification_rules.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.conversations import get_or_create_conversation
from core.models import Conversation, Notification, NotificationReceipt, NotificationSubscription
from core.notification_rules import (
    CATCH_UP_LIMIT,
    DEFAULT_LANGUAGE,
    LANGUAGES,
    RECEIVING_CHANNELS,
    AudienceProfile,
    NotificationView,
    is_for,
    notification_view,
    validate,
)
from core.uow import UnitOfWork


def audience_size(uow: UnitOfWork, audience: str, language: str | None) -> dict[str, int]:
    """How many customers the audience holds today, per channel (the preview)."""
    validate(title="-", body="-", link=None, audience=audience, language=language)
    stmt = audience_query(
        select(Conversation.channel, func.count(Conversation.id)), audience, language
    ).group_by(Conversation.channel)
    with uow:
        counts = {channel: 0 for channel in RECEIVING_CHANNELS}
        counts.update({channel: int(n) for channel, n in uow.session.execute(stmt)})
        return counts


def customer_profile(uow: UnitOfWork, channel: str, external_id: str) -> AudienceProfile:
    """The customer's audience profile; their conversation is created on first contact."""
    get_or_create_conversation(uow, channel, external_id)
    profile = find_profile(uow, channel, external_id)
    assert profile is not None  # the conversation was just found or made
    return profile


def find_profile(uow: UnitOfWork, channel: str, external_id: str) -> AudienceProfile | None:
    """The customer's audience profile, None when they have no conversation yet: a read
    that writes nothing (a GET of the widget's switch must not add to any audience)."""
    with uow:
        row = uow.session.execute(
            select(
                Conversation.id,
                Conversation.language,
                Conversation.opted_out_at,
                NotificationSubscription.subscribed,
            )
            .outerjoin(
                NotificationSubscription,
                NotificationSubscription.conversation_id == Conversation.id,
            )
            .where(Conversation.channel == channel, Conversation.external_id == external_id)
        ).first()
        if row is None:
            return None
        return AudienceProfile(
            conversation_id=row.id,
            channel=channel,
            language=row.language or DEFAULT_LANGUAGE,
            opted_out=row.opted_out_at is not None,
            subscribed=bool(row.subscribed) and row.opted_out_at is None,
            declined=row.subscribed is False,
        )


def missed_notifications(
    uow: UnitOfWork, profile: AudienceProfile, after_id: int | None
) -> list[NotificationView]:
    """What the customer missed while offline: notifications of their audience sent since
    their conversation began and after `after_id` (the stream's Last-Event-ID; without one,
    those with no receipt yet); the latest CATCH_UP_LIMIT, oldest first. None for an
    opted-out customer."""
    if profile.opted_out:
        return []
    received = select(NotificationReceipt.notification_id).where(
        NotificationReceipt.conversation_id == profile.conversation_id
    )
    with uow:
        session = uow.session
        started = session.scalar(
            select(Conversation.created_at).where(Conversation.id == profile.conversation_id)
        )
        stmt = select(Notification).where(Notification.status.in_(("sending", "sent")))
        if after_id is not None:
            # the browser's word: a stream may have written to a page already closed
            stmt = stmt.where(Notification.id > after_id)
        else:
            stmt = stmt.where(Notification.id.not_in(received))
        if started is not None:
            stmt = stmt.where(Notification.sent_at >= started)
        rows = session.scalars(stmt.order_by(Notification.id.desc()).limit(200)).all()
        found = [v for v in (notification_view(n) for n in rows) if is_for(profile, v)]
        return list(reversed(found[:CATCH_UP_LIMIT]))


def set_subscription(
    uow: UnitOfWork, channel: str, external_id: str, subscribed: bool, now: datetime
) -> AudienceProfile:
    """The customer's switch: yes = opted in (and any opt-out lifted); no = opted out of
    every proactive message (the same opt-out as STOP on WhatsApp)."""
    conversation = get_or_create_conversation(uow, channel, external_id)
    with uow:
        session = uow.session
        record_subscription(session, conversation.id, subscribed, now)
        session.execute(
            update(Conversation)
            .where(Conversation.id == conversation.id)
            .values(opted_out_at=None if subscribed else now)
        )
        uow.commit()
    return customer_profile(uow, channel, external_id)


def set_offers(
    uow: UnitOfWork,
    channel: str,
    external_id: str,
    subscribed: bool,
    now: datetime,
    language: str | None = None,
) -> AudienceProfile:
    """A chat customer's yes or no to commercial offers (OFFRES / OFFRES STOP on WhatsApp,
    /offres / /stopoffres on Telegram), recorded where the widget's switch records it. Only
    offers: an opt-out of every proactive message (STOP) is neither set nor lifted, it keeps
    winning until START. `language` ("fr"/"en", the keyword's) is kept when the
    conversation has none yet."""
    conversation = get_or_create_conversation(uow, channel, external_id, language)
    with uow:
        session = uow.session
        record_subscription(session, conversation.id, subscribed, now)
        if language in LANGUAGES:
            session.execute(
                update(Conversation)
                .where(Conversation.id == conversation.id, Conversation.language.is_(None))
                .values(language=language)
            )
        uow.commit()
    return customer_profile(uow, channel, external_id)


def record_subscription(
    session: Session, conversation_id: int, subscribed: bool, now: datetime
) -> None:
    dialect = session.get_bind().dialect.name
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = dialect_insert(NotificationSubscription.__table__).values(
        conversation_id=conversation_id, subscribed=subscribed, updated_at=now
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["conversation_id"],
            set_={"subscribed": subscribed, "updated_at": now},
        )
    )


def audience_query(stmt: Select, audience: str, language: str | None) -> Select:
    declined = select(NotificationSubscription.conversation_id).where(
        NotificationSubscription.subscribed.is_(False)
    )
    stmt = stmt.where(
        Conversation.channel.in_(RECEIVING_CHANNELS),
        Conversation.opted_out_at.is_(None),
        Conversation.id.not_in(declined),
    )
    if audience == "opted_in":
        stmt = stmt.join(
            NotificationSubscription,
            NotificationSubscription.conversation_id == Conversation.id,
        ).where(NotificationSubscription.subscribed.is_(True))
    elif audience == "language":
        if language == DEFAULT_LANGUAGE:
            stmt = stmt.where(
                or_(Conversation.language == language, Conversation.language.is_(None))
            )
        else:
            stmt = stmt.where(Conversation.language == language)
    return stmt
