"""One customer message from a provider channel (Telegram, WhatsApp, SMS): the hub answers
it, then every answer goes out through the channel's sender and is marked sent or failed,
so an answer that could not be sent is visible to staff."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from core import conversations
from core.parsing import detect_language
from hub import store
from hub.deps import HubDeps
from hub.inbound import check_text, handle_customer_message
from hub.messages import OutgoingMessage
from hub.outbound import deliver
from hub.texts import say
from hub.work import off_loop


@dataclass(frozen=True)
class Turn:
    conversation_id: int
    inbound_id: int | None  # the stored customer message, None when it was refused


async def converse(
    hub: HubDeps,
    channel: str,
    external_id: str,
    text: str,
    metadata: dict[str, Any],
    with_inbound: Callable[[int], Awaitable[None]] | None = None,
    attachments: Sequence[store.NewAttachment] = (),
) -> Turn:
    """Pass `text` (and its `attachments`, stored with it before the bot sees it) to the hub
    and deliver each answer it stored; `with_inbound` runs on the stored customer message
    before anything is sent."""
    conversation = await off_loop(
        conversations.get_or_create_conversation, hub.uow_factory(), channel, external_id
    )
    problem = check_text(text)
    if problem is not None:  # refused before anything is stored: say why, stored as ours
        language = conversation.language or detect_language(text)
        refusal = OutgoingMessage(text=say(problem, language))
        await send_new(hub, channel, external_id, conversation.id, refusal)
        return Turn(conversation.id, None)
    marker = await off_loop(conversations.last_message_id, hub.uow_factory(), conversation.id)
    await handle_customer_message(hub, channel, external_id, text, metadata, attachments)
    stored = await off_loop(
        conversations.messages_after, hub.uow_factory(), conversation.id, marker
    )
    inbound = next((m.id for m in stored if m.direction == "in"), None)
    if inbound is not None and with_inbound is not None:
        await with_inbound(inbound)
    for message in stored:
        if message.direction == "out" and message.sender == store.BOT:
            outgoing = OutgoingMessage.from_stored(message.text, message.payload)
            await deliver(hub, channel, external_id, message.id, outgoing)
    return Turn(conversation.id, inbound)


async def send_new(
    hub: HubDeps, channel: str, external_id: str, conversation_id: int, message: OutgoingMessage
) -> None:
    """Store an answer the hub did not store itself, then deliver it."""
    message_id = await off_loop(
        store.store_out_of_turn, hub.uow_factory, conversation_id, store.BOT, message
    )
    await deliver(hub, channel, external_id, message_id, message)
