"""The hub's store: conversations per (channel, external id) and every message in or out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import InvalidValue, NotFound
from core.models import Conversation, Message, utcnow
from core.uow import UnitOfWork

STATUSES = {"in": ("received", "answered", "failed"), "out": ("sent", "failed")}


@dataclass(frozen=True)
class ConversationView:
    id: int
    channel: str
    external_id: str
    language: str | None
    sender_id: str  # the Rasa sender id


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


def get_or_create_conversation(
    uow: UnitOfWork, channel: str, external_id: str, language: str | None = None
) -> ConversationView:
    """The conversation of (channel, external_id), created on first contact; race-safe."""
    with uow:
        session = uow.session
        conversation = _find(session, channel, external_id)
        if conversation is None:
            try:
                with session.begin_nested():
                    conversation = Conversation(
                        channel=channel, external_id=external_id, language=language
                    )
                    session.add(conversation)
            except IntegrityError:  # created meanwhile by a concurrent request
                conversation = _find(session, channel, external_id)
                if conversation is None:
                    raise
        view = _conversation_view(conversation)
        uow.commit()
        return view


def set_conversation_language(uow: UnitOfWork, conversation_id: int, language: str) -> None:
    with uow:
        _update_conversation(uow.session, conversation_id, language=language)
        uow.commit()


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
    if status not in STATUSES.get(direction, ()):
        raise InvalidValue("invalid_message_status", f"{direction!r} message with {status!r}")
    with uow:
        now = utcnow()
        _update_conversation(uow.session, conversation_id, updated_at=now)
        message = Message(
            conversation_id=conversation_id,
            direction=direction,
            sender=sender,
            text=text,
            payload=payload,
            status=status,
            created_at=now,
        )
        uow.session.add(message)
        uow.session.flush()
        message_id = message.id
        uow.commit()
        return message_id


def set_message_status(uow: UnitOfWork, message_id: int, status: str) -> None:
    with uow:
        message = uow.session.get(Message, message_id)
        if message is None:
            raise NotFound("unknown_message", f"no message {message_id}")
        if status not in STATUSES[message.direction]:
            raise InvalidValue("invalid_message_status", f"{message.direction!r} with {status!r}")
        message.status = status
        uow.commit()


def transcript(uow: UnitOfWork, conversation_id: int, limit: int = 200) -> list[MessageView]:
    """The last `limit` messages of a conversation, oldest first."""
    with uow:
        messages = uow.session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation_id)
            .order_by(Message.id.desc())
            .limit(limit)
        ).all()
        return [_message_view(message) for message in reversed(messages)]


def _find(session: Session, channel: str, external_id: str) -> Conversation | None:
    return session.scalar(
        select(Conversation).where(
            Conversation.channel == channel, Conversation.external_id == external_id
        )
    )


def _update_conversation(session: Session, conversation_id: int, **values: Any) -> None:
    result = session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise NotFound("unknown_conversation", f"no conversation {conversation_id}")


def _conversation_view(conversation: Conversation) -> ConversationView:
    return ConversationView(
        id=conversation.id,
        channel=conversation.channel,
        external_id=conversation.external_id,
        language=conversation.language,
        sender_id=f"{conversation.channel}:{conversation.external_id}",
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
    )
