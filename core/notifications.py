"""Commercial notifications: composed by an admin, sent now or at a set time, to an audience
(every customer, the opted-in ones, or one language); never to a customer who opted out.

Lifecycle: `scheduled` -> `sending` (claimed by one conditional UPDATE, so with several web
replicas a notification is sent once) -> `sent`; a scheduled one can be `cancelled`.
"Sent now" is created already claimed (`sending`). Who received it is recorded in
`notification_receipts` (one row per customer: live stream, catch-up on reconnection, or
their Telegram/WhatsApp channel), which gives the history's count.

Audiences (docs/rooms.md): customers are conversations on a channel that can show a
notification (web widget, Telegram, WhatsApp). `all`: every one not opted out; `opted_in`:
those who said yes explicitly (the widget's switch, OFFRES on WhatsApp, /offres on Telegram)
and not opted out since; `language`: those whose conversation language is that one (no
language known counts as French). A customer who said no to offers (OFFRES STOP,
/stopoffres) is in no audience, and an opt-out (STOP) always wins over a yes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.conversations import get_or_create_conversation
from core.errors import InvalidTransition, InvalidValue, NotFound
from core.models import (
    Conversation,
    Notification,
    NotificationReceipt,
    NotificationSubscription,
)
from core.uow import UnitOfWork

AUDIENCES = ("all", "opted_in", "language")
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
RECEIVING_CHANNELS = ("web", "telegram", "whatsapp")
TITLE_MAX = 120
BODY_MAX = 1000
# Title, text, link and the unsubscribe line fit in one WhatsApp message (1,600 characters).
LINK_MAX = 300
PAST_TOLERANCE = timedelta(minutes=1)  # "at a set time" a little in the past = now
CATCH_UP_LIMIT = 20
_LINK = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)


@dataclass(frozen=True)
class NotificationView:
    id: int
    title: str
    body: str
    link: str | None
    audience: str
    language: str | None
    status: str
    send_at: datetime
    sent_at: datetime | None
    created_at: datetime
    received: int = 0


@dataclass(frozen=True)
class AudienceProfile:
    """What decides whether one customer is in a notification's audience."""

    conversation_id: int
    channel: str
    language: str
    opted_out: bool
    subscribed: bool
    declined: bool = False  # said no to commercial offers (OFFRES STOP, /stopoffres)


@dataclass(frozen=True)
class Recipient:
    conversation_id: int
    channel: str
    external_id: str
    language: str = DEFAULT_LANGUAGE  # the conversation's (none known counts as French)


def create_notification(
    uow: UnitOfWork,
    *,
    title: str,
    body: str,
    link: str | None = None,
    audience: str = "all",
    language: str | None = None,
    send_at: datetime | None = None,
    created_by: int | None = None,
    now: datetime,
) -> NotificationView:
    """Store a notification: `send_at` None (or now) -> already claimed for sending
    (`sending`, the caller fans it out); later -> `scheduled`."""
    values = validate(title=title, body=body, link=link, audience=audience, language=language)
    if send_at is not None and send_at < now - PAST_TOLERANCE:
        raise InvalidValue("send_at_past", "the sending time is in the past")
    immediate = send_at is None or send_at <= now
    notification = Notification(
        **values,
        status="sending" if immediate else "scheduled",
        send_at=now if immediate else send_at,
        sent_at=now if immediate else None,
        created_by=created_by,
        created_at=now,
    )
    with uow:
        uow.session.add(notification)
        uow.session.flush()
        view = _view(notification)
        uow.commit()
        return view


def validate(
    *, title: str, body: str, link: str | None, audience: str, language: str | None
) -> dict[str, str | None]:
    """The cleaned fields of a notification (also for the preview); InvalidValue says which."""
    title = " ".join((title or "").split())
    body = "\n".join(line.rstrip() for line in (body or "").strip().splitlines())
    link = (link or "").strip() or None
    if not title or len(title) > TITLE_MAX:
        raise InvalidValue("invalid_title", f"a title has 1 to {TITLE_MAX} characters")
    if not body or len(body) > BODY_MAX:
        raise InvalidValue("invalid_body", f"a text has 1 to {BODY_MAX} characters")
    if link is not None and (len(link) > LINK_MAX or not _LINK.match(link)):
        raise InvalidValue("invalid_link", "a link starts with https:// (or http://)")
    if audience not in AUDIENCES:
        raise InvalidValue("invalid_audience", f"audience is one of {', '.join(AUDIENCES)}")
    if audience == "language":
        if language not in LANGUAGES:
            raise InvalidValue("invalid_language", f"language is one of {', '.join(LANGUAGES)}")
    else:
        language = None
    return {
        "title": title,
        "body": body,
        "link": link,
        "audience": audience,
        "language": language,
    }


def claim_notification(uow: UnitOfWork, notification_id: int, now: datetime) -> bool:
    """Take a scheduled notification for sending now; False when someone else did (or it was
    cancelled or already sent)."""
    with uow:
        taken = _claim(uow.session, notification_id, now)
        uow.commit()
        return taken


def claim_due_notifications(
    uow: UnitOfWork, now: datetime, limit: int = 20
) -> list[NotificationView]:
    """Claim the scheduled notifications whose time has come; each is claimed by exactly one
    caller (conditional UPDATE per row), so several replicas may call this at once."""
    with uow:
        session = uow.session
        due = session.scalars(
            select(Notification.id)
            .where(Notification.status == "scheduled", Notification.send_at <= now)
            .order_by(Notification.send_at, Notification.id)
            .limit(limit)
        ).all()
        claimed = [nid for nid in due if _claim(session, nid, now)]
        views = [_view(session.get(Notification, nid)) for nid in claimed]  # type: ignore[arg-type]
        uow.commit()
        return views


def mark_sent(uow: UnitOfWork, notification_id: int) -> NotificationView:
    """The fan-out is over: `sending` -> `sent`."""
    with uow:
        uow.session.execute(
            update(Notification)
            .where(Notification.id == notification_id, Notification.status == "sending")
            .values(status="sent")
        )
        view = _one(uow.session, notification_id)
        uow.commit()
        return view


def cancel_notification(uow: UnitOfWork, notification_id: int) -> NotificationView:
    """Cancel a scheduled notification; InvalidTransition once it is being sent or sent."""
    with uow:
        done = uow.session.execute(
            update(Notification)
            .where(Notification.id == notification_id, Notification.status == "scheduled")
            .values(status="cancelled")
        ).rowcount
        view = _one(uow.session, notification_id)
        if not done:
            raise InvalidTransition("invalid_transition", f"the notification is {view.status}")
        uow.commit()
        return view


def get_notification(uow: UnitOfWork, notification_id: int) -> NotificationView:
    with uow:
        return _one(uow.session, notification_id)


def list_notifications(uow: UnitOfWork, limit: int = 100) -> list[NotificationView]:
    """The history, latest first, with how many customers received each."""
    with uow:
        rows = uow.session.execute(
            select(Notification, _received()).order_by(Notification.id.desc()).limit(limit)
        ).all()
        return [_view(n, count) for n, count in rows]


def audience_size(uow: UnitOfWork, audience: str, language: str | None) -> dict[str, int]:
    """How many customers the audience holds today, per channel (the preview)."""
    validate(title="-", body="-", link=None, audience=audience, language=language)
    stmt = _audience(
        select(Conversation.channel, func.count(Conversation.id)), audience, language
    ).group_by(Conversation.channel)
    with uow:
        counts = {channel: 0 for channel in RECEIVING_CHANNELS}
        counts.update({channel: int(n) for channel, n in uow.session.execute(stmt)})
        return counts


def channel_recipients(
    uow: UnitOfWork, notification_id: int, channels: Iterable[str]
) -> list[Recipient]:
    """The customers of push `channels` (Telegram, WhatsApp) in the notification's audience,
    not opted out, who have not received it yet."""
    wanted = [c for c in channels if c in RECEIVING_CHANNELS and c != "web"]
    with uow:
        notification = _get(uow.session, notification_id)
        if not wanted:
            return []
        received = select(NotificationReceipt.conversation_id).where(
            NotificationReceipt.notification_id == notification_id
        )
        stmt = _audience(
            select(
                Conversation.id,
                Conversation.channel,
                Conversation.external_id,
                Conversation.language,
            ),
            notification.audience,
            notification.language,
        ).where(Conversation.channel.in_(wanted), Conversation.id.not_in(received))
        return [
            Recipient(row.id, row.channel, row.external_id, row.language or DEFAULT_LANGUAGE)
            for row in uow.session.execute(stmt.order_by(Conversation.id))
        ]


def customer_profile(uow: UnitOfWork, channel: str, external_id: str) -> AudienceProfile:
    """The customer's audience profile; their conversation is created on first contact."""
    conversation = get_or_create_conversation(uow, channel, external_id)
    with uow:
        row = uow.session.execute(
            select(
                Conversation.language,
                Conversation.opted_out_at,
                NotificationSubscription.subscribed,
            )
            .outerjoin(
                NotificationSubscription,
                NotificationSubscription.conversation_id == Conversation.id,
            )
            .where(Conversation.id == conversation.id)
        ).one()
        return AudienceProfile(
            conversation_id=conversation.id,
            channel=channel,
            language=row.language or DEFAULT_LANGUAGE,
            opted_out=row.opted_out_at is not None,
            subscribed=bool(row.subscribed) and row.opted_out_at is None,
            declined=row.subscribed is False,
        )


def is_for(profile: AudienceProfile, notification: NotificationView) -> bool:
    """Whether `notification` goes to that customer (never when they opted out)."""
    return reaches(profile, notification.audience, notification.language)


def reaches(profile: AudienceProfile, audience: object, language: object) -> bool:
    """Whether a notification for `audience` (and `language`) goes to that customer."""
    if profile.opted_out or profile.declined or profile.channel not in RECEIVING_CHANNELS:
        return False
    if audience == "opted_in":
        return profile.subscribed
    if audience == "language":
        return profile.language == language
    return True


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
        found = [v for v in (_view(n) for n in rows) if is_for(profile, v)]
        return list(reversed(found[:CATCH_UP_LIMIT]))


def record_receipts(
    uow: UnitOfWork, receipts: Iterable[tuple[int, int, str]], now: datetime
) -> int:
    """Record (notification_id, conversation_id, channel) receipts; a repeat is ignored."""
    rows = [
        {"notification_id": n, "conversation_id": c, "channel": ch, "received_at": now}
        for n, c, ch in dict.fromkeys(receipts)
    ]
    if not rows:
        return 0
    with uow:
        dialect = uow.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(NotificationReceipt.__table__).values(rows).on_conflict_do_nothing()
        result = uow.session.execute(stmt.execution_options(preserve_rowcount=True))
        uow.commit()
        return max(0, result.rowcount or 0)


def set_subscription(
    uow: UnitOfWork, channel: str, external_id: str, subscribed: bool, now: datetime
) -> AudienceProfile:
    """The customer's switch: yes = opted in (and any opt-out lifted); no = opted out of
    every proactive message (the same opt-out as STOP on WhatsApp)."""
    conversation = get_or_create_conversation(uow, channel, external_id)
    with uow:
        session = uow.session
        _record_subscription(session, conversation.id, subscribed, now)
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
        _record_subscription(session, conversation.id, subscribed, now)
        if language in LANGUAGES:
            session.execute(
                update(Conversation)
                .where(Conversation.id == conversation.id, Conversation.language.is_(None))
                .values(language=language)
            )
        uow.commit()
    return customer_profile(uow, channel, external_id)


# ---- helpers --------------------------------------------------------------------------


def _record_subscription(
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


def _claim(session: Session, notification_id: int, now: datetime) -> bool:
    return (
        session.execute(
            update(Notification)
            .where(Notification.id == notification_id, Notification.status == "scheduled")
            .values(status="sending", sent_at=now)
        ).rowcount
        == 1
    )


def _audience(stmt: Select, audience: str, language: str | None) -> Select:
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


def _received():  # type: ignore[no-untyped-def]
    return (
        select(func.count())
        .select_from(NotificationReceipt)
        .where(NotificationReceipt.notification_id == Notification.id)
        .scalar_subquery()
    )


def _get(session: Session, notification_id: int) -> Notification:
    notification = session.get(Notification, notification_id)
    if notification is None:
        raise NotFound("unknown_notification", f"no notification {notification_id}")
    return notification


def _one(session: Session, notification_id: int) -> NotificationView:
    row = session.execute(
        select(Notification, _received())
        .where(Notification.id == notification_id)
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        raise NotFound("unknown_notification", f"no notification {notification_id}")
    return _view(row[0], row[1])


def _view(n: Notification, received: int = 0) -> NotificationView:
    return NotificationView(
        id=n.id,
        title=n.title,
        body=n.body,
        link=n.link,
        audience=n.audience,
        language=n.language,
        status=n.status,
        send_at=n.send_at,
        sent_at=n.sent_at,
        created_at=n.created_at,
        received=int(received or 0),
    )
