"""The hub's store: conversations per (channel, external id) and every message in or out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import InvalidValue, NotFound
from core.models import (
    ATTACHMENT_KINDS,
    Attachment,
    Conversation,
    InboundReceipt,
    Message,
    utcnow,
)
from core.uow import UnitOfWork

STATUSES = {
    "in": ("received", "answered", "failed"),
    "out": ("sent", "queued", "delivered", "read", "failed"),
}
# How far a delivery status callback may move a message: never backwards (a late "sent"
# after "delivered"), "failed" wins over anything but "read".
_DELIVERY_RANK = {"queued": 0, "sent": 1, "delivered": 2, "read": 3, "failed": 2}


# The statements of every customer message (the hub's path), built once: building an ORM
# statement again at each call cost several times its execution (bench/hub_overhead.py).
_conversations = Conversation.__table__
_messages = Message.__table__
_CONVERSATION_COLUMNS = (
    _conversations.c.id,
    _conversations.c.channel,
    _conversations.c.external_id,
    _conversations.c.language,
    _conversations.c.client_ip,
)
_FIND = select(*_CONVERSATION_COLUMNS).where(
    _conversations.c.channel == bindparam("channel"),
    _conversations.c.external_id == bindparam("external_id"),
)
_TOUCH = (
    update(_conversations)
    .where(_conversations.c.id == bindparam("conversation_id"))
    .values(updated_at=bindparam("now"))
)
_MESSAGE_COLUMNS = (
    _messages.c.id,
    _messages.c.conversation_id,
    _messages.c.direction,
    _messages.c.sender,
    _messages.c.text,
    _messages.c.payload,
    _messages.c.status,
    _messages.c.created_at,
    _messages.c.external_id,
    _messages.c.error,
)
_INSERT_MESSAGES = insert(_messages).returning(_messages.c.id, sort_by_parameter_order=True)
_SET_STATUS = (
    update(_messages)
    .where(
        _messages.c.id == bindparam("message_id"),
        _messages.c.direction.in_(bindparam("directions", expanding=True)),
    )
    .values(status=bindparam("new_status"))
)
_LATEST = (
    select(*_MESSAGE_COLUMNS)
    .where(_messages.c.conversation_id == bindparam("conversation_id"))
    .order_by(_messages.c.id.desc())
    .limit(bindparam("limit"))
)
# The customer's latest message: the conversation's messages walked back from the newest
# on its (conversation_id, id) index, stopping at the first inbound one.
_LAST_INBOUND_ID = (
    select(_messages.c.id)
    .where(
        _messages.c.conversation_id == bindparam("conversation_id"),
        _messages.c.direction == "in",
    )
    .order_by(_messages.c.id.desc())
    .limit(1)
    .scalar_subquery()
)
_SINCE_INBOUND = (
    select(*_MESSAGE_COLUMNS)
    .where(
        _messages.c.conversation_id == bindparam("conversation_id"),
        _messages.c.id > func.coalesce(_LAST_INBOUND_ID, 0),
    )
    .order_by(_messages.c.id.desc())
    .limit(bindparam("limit"))
)


@dataclass(frozen=True)
class ConversationView:
    id: int
    channel: str
    external_id: str
    language: str | None
    sender_id: str  # the Rasa sender id
    client_ip: str | None = None  # the address the customer last wrote from


@dataclass(frozen=True)
class MessageView:
    id: int
    conversation_id: int
    direction: str
    sender: str
    text: str
    payload: dict[str, Any] | None
    status: str
    created_at: datetime
    external_id: str | None = None  # the provider's message id (outbound)
    error: str | None = None  # why an outbound message failed


@dataclass(frozen=True)
class AttachmentView:
    id: int
    message_id: int
    kind: str
    content_type: str | None
    filename: str | None
    storage_path: str | None
    size: int | None
    latitude: float | None
    longitude: float | None
    created_at: datetime


def get_or_create_conversation(
    uow: UnitOfWork, channel: str, external_id: str, language: str | None = None
) -> ConversationView:
    """The conversation of (channel, external_id), created on first contact; race-safe."""
    with uow:
        session = uow.session
        view = _find_view(session, channel, external_id)
        if view is None:
            try:
                with session.begin_nested():
                    session.add(
                        Conversation(channel=channel, external_id=external_id, language=language)
                    )
            except IntegrityError:  # created meanwhile by a concurrent request
                pass
            view = _find_view(session, channel, external_id)
            if view is None:
                raise RuntimeError(f"conversation {channel}:{external_id} neither made nor found")
        uow.commit()
        return view


def set_conversation_language(uow: UnitOfWork, conversation_id: int, language: str) -> None:
    with uow:
        _update_conversation(uow.session, conversation_id, language=language)
        uow.commit()


def set_client_ip(uow: UnitOfWork, conversation_id: int, client_ip: str) -> None:
    """The address the customer writes from (the limits of one-time codes count it)."""
    with uow:
        _update_conversation(uow.session, conversation_id, client_ip=client_ip[:64])
        uow.commit()


@dataclass(frozen=True)
class NewMessage:
    """A message to store (record_messages)."""

    direction: str
    sender: str
    text: str
    payload: dict[str, Any] | None = None
    status: str = "sent"


def record_message(
    uow: UnitOfWork,
    conversation_id: int,
    *,
    direction: str,
    sender: str,
    text: str,
    payload: dict[str, Any] | None = None,
    status: str,
) -> int:
    """Store one message (before it is processed) and return its id."""
    [message_id] = record_messages(
        uow, conversation_id, [NewMessage(direction, sender, text, payload, status)]
    )
    return message_id


def record_messages(
    uow: UnitOfWork, conversation_id: int, messages: Sequence[NewMessage]
) -> list[int]:
    """Store messages of one conversation in their order, in one transaction and one batch
    of inserts; returns their ids."""
    for item in messages:
        if item.status not in STATUSES.get(item.direction, ()):
            raise InvalidValue(
                "invalid_message_status", f"{item.direction!r} message with {item.status!r}"
            )
    if not messages:
        return []
    with uow:
        now = utcnow()
        touched = uow.session.execute(_TOUCH, {"conversation_id": conversation_id, "now": now})
        if touched.rowcount != 1:
            raise NotFound("unknown_conversation", f"no conversation {conversation_id}")
        rows = [
            {
                "conversation_id": conversation_id,
                "direction": item.direction,
                "sender": item.sender,
                "text": item.text,
                "payload": item.payload,
                "status": item.status,
                "created_at": now,
            }
            for item in messages
        ]
        ids = list(uow.session.execute(_INSERT_MESSAGES, rows).scalars())
        uow.commit()
        return ids


def set_message_status(uow: UnitOfWork, message_id: int, status: str) -> None:
    """One conditional UPDATE; NotFound / InvalidValue say why when it changes nothing."""
    directions = [d for d, allowed in STATUSES.items() if status in allowed]
    with uow:
        result = uow.session.execute(
            _SET_STATUS,
            {"message_id": message_id, "directions": directions, "new_status": status},
        )
        if result.rowcount != 1:
            direction = uow.session.scalar(
                select(Message.direction).where(Message.id == message_id)
            )
            if direction is None:
                raise NotFound("unknown_message", f"no message {message_id}")
            raise InvalidValue("invalid_message_status", f"{direction!r} with {status!r}")
        uow.commit()


def transcript(uow: UnitOfWork, conversation_id: int, limit: int = 200) -> list[MessageView]:
    """The last `limit` messages of a conversation, oldest first."""
    with uow:
        rows = uow.session.execute(
            _LATEST, {"conversation_id": conversation_id, "limit": limit}
        ).all()
        return [MessageView(**row._mapping) for row in reversed(rows)]


def since_last_inbound(uow: UnitOfWork, conversation_id: int, limit: int) -> list[MessageView]:
    """The messages stored after the customer's latest one (all of them when there is none),
    oldest first; at most the latest `limit`."""
    with uow:
        rows = uow.session.execute(
            _SINCE_INBOUND, {"conversation_id": conversation_id, "limit": limit}
        ).all()
        return [MessageView(**row._mapping) for row in reversed(rows)]


def _find(session: Session, channel: str, external_id: str) -> Conversation | None:
    return session.scalar(
        select(Conversation).where(
            Conversation.channel == channel, Conversation.external_id == external_id
        )
    )


def _find_view(session: Session, channel: str, external_id: str) -> ConversationView | None:
    row = session.execute(_FIND, {"channel": channel, "external_id": external_id}).first()
    return None if row is None else _conversation_view(row)


def _update_conversation(session: Session, conversation_id: int, **values: Any) -> None:
    result = session.execute(
        update(_conversations).where(_conversations.c.id == conversation_id).values(**values)
    )
    if result.rowcount != 1:
        raise NotFound("unknown_conversation", f"no conversation {conversation_id}")


def _conversation_view(conversation: Conversation | Row[Any]) -> ConversationView:
    """The view of a conversation, from its ORM object or a row of _FIND's columns."""
    return ConversationView(
        id=conversation.id,
        channel=conversation.channel,
        external_id=conversation.external_id,
        language=conversation.language,
        sender_id=f"{conversation.channel}:{conversation.external_id}",
        client_ip=conversation.client_ip,
    )


def _message_view(message: Message) -> MessageView:
    return MessageView(
        id=message.id,
        conversation_id=message.conversation_id,
        direction=message.direction,
        sender=message.sender,
        text=message.text,
        payload=message.payload,
        status=message.status,
        created_at=message.created_at,
        external_id=message.external_id,
        error=message.error,
    )


# ------------------------------------------------------------------ channel delivery


def find_conversation(uow: UnitOfWork, channel: str, external_id: str) -> ConversationView | None:
    """The conversation of (channel, external_id), None when it was never opened."""
    with uow:
        return _find_view(uow.session, channel, external_id)


def get_conversation(uow: UnitOfWork, conversation_id: int) -> ConversationView:
    with uow:
        conversation = uow.session.get(Conversation, conversation_id)
        if conversation is None:
            raise NotFound("unknown_conversation", f"no conversation {conversation_id}")
        return _conversation_view(conversation)


def claim_inbound(uow: UnitOfWork, channel: str, external_message_id: str, now: datetime) -> bool:
    """Take in one provider message: True the first time, False for a duplicate (a retry)."""
    with uow:
        session = uow.session
        insert = (
            postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        )
        stmt = (
            insert(InboundReceipt.__table__)
            .values(channel=channel, external_message_id=external_message_id, received_at=now)
            .on_conflict_do_nothing(index_elements=["channel", "external_message_id"])
            .execution_options(preserve_rowcount=True)
        )
        claimed = session.execute(stmt).rowcount == 1
        uow.commit()
        return claimed


def mark_delivery(
    uow: UnitOfWork,
    message_id: int,
    *,
    status: str,
    external_id: str | None = None,
    error: str | None = None,
) -> None:
    """The outcome of sending an outbound message: its status, provider id and error."""
    if status not in STATUSES["out"]:
        raise InvalidValue("invalid_message_status", f"outbound message with {status!r}")
    with uow:
        message = uow.session.get(Message, message_id)
        if message is None or message.direction != "out":
            raise NotFound("unknown_message", f"no outbound message {message_id}")
        message.status = status
        if external_id is not None:
            message.external_id = external_id
        message.error = error[:2000] if error else None
        uow.commit()


def record_delivery_status(
    uow: UnitOfWork, channel: str, external_id: str, status: str, error: str | None = None
) -> bool:
    """A provider's status callback (queued, sent, delivered, read, failed/undelivered);
    False when no outbound message of `channel` has that provider id."""
    status = "failed" if status == "undelivered" else status
    if status not in STATUSES["out"]:
        raise InvalidValue("invalid_message_status", f"unknown delivery status {status!r}")
    with uow:
        message = uow.session.scalar(
            select(Message)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Message.external_id == external_id,
                Message.direction == "out",
                Conversation.channel == channel,
            )
            .order_by(Message.id.desc())
            .limit(1)
        )
        if message is None:
            return False
        current = _DELIVERY_RANK.get(message.status, 0)
        if status == "failed" and message.status != "read":
            message.status = "failed"
            message.error = error or message.error or "undelivered"
        elif (
            status != "failed" and _DELIVERY_RANK[status] >= current and message.status != "failed"
        ):
            message.status = status
        uow.commit()
        return True


def failed_outbound(uow: UnitOfWork, limit: int = 100) -> list[MessageView]:
    """The most recent outbound messages that could not be delivered, newest first."""
    with uow:
        messages = uow.session.scalars(
            select(Message)
            .where(Message.direction == "out", Message.status == "failed")
            .order_by(Message.id.desc())
            .limit(limit)
        ).all()
        return [_message_view(message) for message in messages]


def add_attachment(uow: UnitOfWork, message_id: int, **fields: Any) -> int:
    """Attach a stored file or a location to a message; returns the attachment's id."""
    if fields.get("kind") not in ATTACHMENT_KINDS:
        raise InvalidValue("invalid_attachment_kind", f"attachment kind {fields.get('kind')!r}")
    with uow:
        if uow.session.get(Message, message_id) is None:
            raise NotFound("unknown_message", f"no message {message_id}")
        attachment = Attachment(message_id=message_id, created_at=utcnow(), **fields)
        uow.session.add(attachment)
        uow.session.flush()
        attachment_id = attachment.id
        uow.commit()
        return attachment_id


def attachments_of(uow: UnitOfWork, message_id: int) -> list[AttachmentView]:
    return attachments_by_message(uow, [message_id]).get(message_id, [])


def attachments_by_message(
    uow: UnitOfWork, message_ids: Sequence[int]
) -> dict[int, list[AttachmentView]]:
    """The attachments of these messages (one query), by message id, in their order."""
    found: dict[int, list[AttachmentView]] = {}
    if not message_ids:
        return found
    with uow:
        rows = uow.session.scalars(
            select(Attachment)
            .where(Attachment.message_id.in_(list(message_ids)))
            .order_by(Attachment.id)
        ).all()
        for row in rows:
            found.setdefault(row.message_id, []).append(
                AttachmentView(
                    id=row.id,
                    message_id=row.message_id,
                    kind=row.kind,
                    content_type=row.content_type,
                    filename=row.filename,
                    storage_path=row.storage_path,
                    size=row.size,
                    latitude=row.latitude,
                    longitude=row.longitude,
                    created_at=row.created_at,
                )
            )
    return found


def set_opt_out(
    uow: UnitOfWork, channel: str, external_id: str, opted_out: bool, now: datetime
) -> None:
    """The customer asked for no more messages (STOP) or to receive them again (START)."""
    conversation = get_or_create_conversation(uow, channel, external_id)
    with uow:
        _update_conversation(uow.session, conversation.id, opted_out_at=now if opted_out else None)
        uow.commit()


def is_opted_out(uow: UnitOfWork, channel: str, external_id: str) -> bool:
    with uow:
        conversation = _find(uow.session, channel, external_id)
        return conversation is not None and conversation.opted_out_at is not None


def messages_after(uow: UnitOfWork, conversation_id: int, after_id: int) -> list[MessageView]:
    """The conversation's messages stored after message `after_id`, oldest first."""
    with uow:
        messages = uow.session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation_id, Message.id > after_id)
            .order_by(Message.id)
        ).all()
        return [_message_view(message) for message in messages]


def last_outbound(uow: UnitOfWork, channel: str, external_id: str) -> MessageView | None:
    """The latest message said to the customer of (channel, external_id), whoever said it
    (the bot, an advisor, a notice); None when nothing was."""
    with uow:
        message = uow.session.scalar(
            select(Message)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Conversation.channel == channel,
                Conversation.external_id == external_id,
                Message.direction == "out",
            )
            .order_by(Message.id.desc())
            .limit(1)
        )
        return _message_view(message) if message is not None else None


def last_message_id(uow: UnitOfWork, conversation_id: int) -> int:
    """The id of the conversation's latest message (0 when it has none)."""
    with uow:
        found = uow.session.scalar(
            select(Message.id)
            .where(Message.conversation_id == conversation_id)
            .order_by(Message.id.desc())
            .limit(1)
        )
        return found or 0
