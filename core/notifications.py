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

The rules that need no database live in core/notification_rules.py and the audiences in
core/notification_audience.py; both are re-exported here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.errors import InvalidTransition, InvalidValue, NotFound
from core.models import Conversation, Notification, NotificationReceipt
from core.notification_audience import (
    audience_query,
    audience_size,
    customer_profile,
    find_profile,
    missed_notifications,
    set_offers,
    set_subscription,
)
from core.notification_rules import (
    AUDIENCES,
    BODY_MAX,
    CATCH_UP_LIMIT,
    DEFAULT_LANGUAGE,
    LANGUAGES,
    LINK_MAX,
    PAST_TOLERANCE,
    RECEIVING_CHANNELS,
    TITLE_MAX,
    AudienceProfile,
    NotificationView,
    Recipient,
    is_for,
    notification_view,
    reaches,
    validate,
)
from core.uow import UnitOfWork

__all__ = [
    "AUDIENCES",
    "AudienceProfile",
    "BODY_MAX",
    "CATCH_UP_LIMIT",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LINK_MAX",
    "NotificationView",
    "PAST_TOLERANCE",
    "RECEIVING_CHANNELS",
    "Recipient",
    "TITLE_MAX",
    "audience_size",
    "cancel_notification",
    "channel_recipients",
    "claim_due_notifications",
    "claim_notification",
    "create_notification",
    "customer_profile",
    "find_profile",
    "get_notification",
    "is_for",
    "list_notifications",
    "mark_sent",
    "missed_notifications",
    "reaches",
    "record_receipts",
    "set_offers",
    "set_subscription",
    "validate",
]


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
        view = notification_view(notification)
        uow.commit()
        return view


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
        views = [notification_view(session.get(Notification, nid)) for nid in claimed]  # type: ignore[arg-type]
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
        return [notification_view(n, count) for n, count in rows]


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
        stmt = audience_query(
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


def _claim(session: Session, notification_id: int, now: datetime) -> bool:
    return (
        session.execute(
            update(Notification)
            .where(Notification.id == notification_id, Notification.status == "scheduled")
            .values(status="sending", sent_at=now)
        ).rowcount
        == 1
    )


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
    return notification_view(row[0], row[1])
