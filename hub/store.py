"""The hub's synchronous steps on the conversation store (core/conversations)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from core import conversations
from core.handoff import HandoffView, open_request_for
from core.otp import expects_code
from core.uow import UnitOfWork
from hub.codes import MASKED_CODE, find_code, has_code
from hub.intents import is_payload
from hub.messages import Button, NewAttachment, OutgoingMessage

# Message senders: the customer, the bot (Rasa, or the hub answering a message), the hub's
# own notices sent out of turn (handoff accepted, refused, expired, closed), an advisor.
CUSTOMER = "customer"
BOT = "bot"
HUB = "hub"
ADVISOR_PREFIX = "advisor:"
_RECENT = 50  # messages looked at to find the last buttons offered
__all__ = ["MASKED_CODE"]  # a code typed while one is expected is never stored (hub/codes.py)


def advisor_sender(staff_id: int) -> str:
    return f"{ADVISOR_PREFIX}{staff_id}"


@dataclass(frozen=True)
class StoredAttachment:
    """An attachment of the stored inbound message, as the bot is told about it."""

    id: int
    kind: str
    content_type: str | None


@dataclass(frozen=True)
class Inbound:
    """A stored inbound message, and what the hub needs to answer it."""

    conversation_id: int
    sender_id: str
    message_id: int
    language: str | None
    offered: list[Button] = field(default_factory=list)
    shown: str = ""  # what the customer saw themselves send (a button's title)
    handoff: HandoffView | None = None  # the conversation's pending or accepted request
    # Messages sent out of turn since the customer's previous message (pull channels only).
    undelivered: list[OutgoingMessage] = field(default_factory=list)
    attachments: list[StoredAttachment] = field(default_factory=list)
    # A one-time code typed while one is expected (stored masked, never kept): its digits to
    # check, "" when masked but not checkable (two codes, a long text); None: no code.
    typed_code: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class TranscriptEntry:
    """One message as the customer saw it: `role` is 'customer', 'bot' or 'advisor'."""

    role: str
    message: OutgoingMessage
    message_id: int = 0  # the stored message's id: live events up to it are in the history


def store_inbound(
    uow_factory: Callable[[], UnitOfWork],
    channel: str,
    external_id: str,
    text: str,
    language: str | None,
    collect_undelivered: bool = False,
    attachments: Sequence[NewAttachment] = (),
    client_ip: str | None = None,
) -> Inbound:
    """Record the customer's message (status 'received') and its attachments, and commit
    before any processing: one transaction, one commit.

    Also reads the conversation's open handoff request and, for a channel that only gets
    messages in replies (`collect_undelivered`), what was sent out of turn since the
    customer's previous message. `client_ip` (widget, REST) is kept on the conversation
    for the limits of one-time codes.
    """
    with uow_factory().one_transaction() as uow:
        conversation = conversations.get_or_create_conversation(uow, channel, external_id, language)
        if language is not None and language != conversation.language:
            conversations.set_conversation_language(uow, conversation.id, language)
        if client_ip and client_ip[:64] != conversation.client_ip:
            conversations.set_client_ip(uow, conversation.id, client_ip)
        undelivered = _out_of_turn(uow, conversation.id) if collect_undelivered else []
        offered: list[Button] = []
        payload = None
        if is_payload(text):
            offered = _last_offer(uow, conversation.id)
            title = next((b.title for b in offered if b.payload == text), None)
            payload = {"title": title} if title else None
        stored, typed_code = text, None
        if has_code(text) and expects_code(uow, conversation.id, datetime.now(timezone.utc)):
            stored, typed_code = MASKED_CODE, find_code(text) or ""
        message_id = conversations.record_message(
            uow,
            conversation.id,
            direction="in",
            sender=CUSTOMER,
            text=stored,
            payload=payload,
            status="received",
        )
        stored_attachments = [
            StoredAttachment(
                conversations.add_attachment(uow, message_id, **_fields(item)),
                item.kind,
                item.content_type,
            )
            for item in attachments
        ]
        handoff = open_request_for(uow, conversation.id)
    return Inbound(
        conversation_id=conversation.id,
        sender_id=conversation.sender_id,
        message_id=message_id,
        language=language or conversation.language,
        offered=offered,
        shown=(payload or {}).get("title") or stored,
        handoff=handoff,
        undelivered=undelivered,
        attachments=stored_attachments,
        typed_code=typed_code,
    )


def _fields(item: NewAttachment) -> dict[str, Any]:
    return {name: value for name, value in asdict(item).items() if value is not None}


def store_outbound(
    uow_factory: Callable[[], UnitOfWork],
    inbound: Inbound,
    status: str,
    answers: list[OutgoingMessage],
) -> list[int]:
    """Record the answers (status 'sent', in one batch) and the inbound message's final
    status, in one transaction; returns the answers' ids."""
    stored = [
        conversations.NewMessage("out", BOT, answer.text or "", answer.stored_payload())
        for answer in answers
    ]
    with uow_factory().one_transaction() as uow:
        ids = conversations.record_messages(uow, inbound.conversation_id, stored) if stored else []
        conversations.set_message_status(uow, inbound.message_id, status)
    return ids


def store_out_of_turn(
    uow_factory: Callable[[], UnitOfWork],
    conversation_id: int,
    sender: str,
    message: OutgoingMessage,
) -> int:
    """Record a message sent out of turn (a hub notice, an advisor's message)."""
    return conversations.record_message(
        uow_factory(),
        conversation_id,
        direction="out",
        sender=sender,
        text=message.text or "",
        payload=message.stored_payload(),
        status="sent",
    )


def history(
    uow_factory: Callable[[], UnitOfWork],
    channel: str,
    external_id: str,
    language: str | None = None,
) -> tuple[int, list[TranscriptEntry]]:
    """The conversation's id, and the conversation as shown to the customer (button
    payloads show their title, advisor messages their author).

    Opening the chat starts the conversation (its first message follows at once), so the
    conversation is created here when new, with the client's language.
    """
    with uow_factory() as uow:
        conversation = conversations.get_or_create_conversation(uow, channel, external_id, language)
        if language is not None and language != conversation.language:
            conversations.set_conversation_language(uow, conversation.id, language)
        messages = conversations.transcript(uow, conversation.id)
    entries = []
    for message in messages:
        if message.direction == "out":
            role = "advisor" if message.sender.startswith(ADVISOR_PREFIX) else BOT
            entries.append(
                TranscriptEntry(
                    role, OutgoingMessage.from_stored(message.text, message.payload), message.id
                )
            )
        elif not is_payload(message.text):
            entries.append(
                TranscriptEntry(CUSTOMER, OutgoingMessage(text=message.text), message.id)
            )
        elif message.payload and message.payload.get("title"):
            # A button click shows its title; payloads sent by code (/greet) stay hidden.
            entries.append(
                TranscriptEntry(
                    CUSTOMER, OutgoingMessage(text=message.payload["title"]), message.id
                )
            )
    return conversation.id, entries


def _last_offer(uow: UnitOfWork, conversation_id: int) -> list[Button]:
    """The buttons of the most recent bot message that had any."""
    for message in reversed(conversations.transcript(uow, conversation_id, limit=_RECENT)):
        if message.direction == "out":
            buttons = OutgoingMessage.from_stored(message.text, message.payload).buttons
            if buttons:
                return buttons
    return []


def _out_of_turn(uow: UnitOfWork, conversation_id: int) -> list[OutgoingMessage]:
    """Hub notices and advisor messages stored since the customer's last message."""
    return [
        OutgoingMessage.from_stored(message.text, message.payload)
        for message in conversations.since_last_inbound(uow, conversation_id, _RECENT)
        if message.sender != BOT
    ]


def pending_offer(uow_factory: Callable[[], UnitOfWork], conversation_id: int) -> list[Button]:
    """The buttons the bot offered since the customer's last message (none once answered):
    what a customer typing "2" on a channel without buttons means."""
    with uow_factory() as uow:
        messages = conversations.transcript(uow, conversation_id, limit=_RECENT)
    for message in reversed(messages):
        if message.direction == "in":
            return []
        buttons = OutgoingMessage.from_stored(message.text, message.payload).buttons
        if buttons:
            return buttons
    return []
