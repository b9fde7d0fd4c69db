"""One customer message from a provider channel (Telegram, WhatsApp, SMS), as its adapter
parsed it (`CustomerMessage`): the hub's one way in answers it, then every answer it returns
goes out through the channel's sender and is marked sent or failed, so an answer that could
not be sent is visible to staff. A sender over its message limit (core/customer_limits.py)
gets one refusal per window through the one way out, and their message goes nowhere."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from core import conversations
from core.parsing import detect_language
from hub import store
from hub.deps import HubDeps
from hub.inbound import check_text, receive
from hub.limits import CustomerOverLimit, count_customer_action, refusal_text
from hub.messages import CustomerMessage, OutgoingMessage
from hub.outbound import Destination, deliver, send_out
from hub.texts import say
from hub.work import off_loop
from ops.spans import note, span

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Turn:
    conversation_id: int
    inbound_id: int | None  # the stored customer message, None when it was refused


async def converse(hub: HubDeps, message: CustomerMessage) -> Turn:
    """Pass the customer's message (and its attachments, stored with it before the bot sees
    them) to the hub and deliver each answer it returns, in one span (`hub.turn`: a trace's
    root when polled, a webhook request's child otherwise)."""
    with span("hub.turn", channel=message.channel):
        return await _converse(hub, message)


async def _converse(hub: HubDeps, message: CustomerMessage) -> Turn:
    channel, external_id, text = message.channel, message.external_id, message.text
    try:
        await count_customer_action(hub, "message", channel, external_id)
    except CustomerOverLimit as over:
        return await _refuse_over_limit(hub, message, over)
    problem = check_text(text)
    if problem is not None:  # refused before anything is stored: say why, stored as ours
        conversation = await off_loop(
            conversations.get_or_create_conversation, hub.uow_factory(), channel, external_id
        )
        language = conversation.language or detect_language(text)
        refusal = OutgoingMessage(text=say(problem, language))
        await send_new(hub, channel, external_id, conversation.id, refusal)
        return Turn(conversation.id, None)
    reply = await receive(hub, channel, external_id, text, message.metadata, message.attachments)
    if reply.conversation_id is None:  # nothing left once cleaned: nothing stored or sent
        conversation = await off_loop(
            conversations.get_or_create_conversation, hub.uow_factory(), channel, external_id
        )
        return Turn(conversation.id, None)
    note(conversation_id=reply.conversation_id)
    for answer in reply.answers:
        if answer.message_id is not None:
            with span("hub.deliver", channel=channel, message_id=answer.message_id):
                sent = await deliver(hub, channel, external_id, answer.message_id, answer.message)
                note(outcome="sent" if sent else "failed")
    return Turn(reply.conversation_id, reply.message_id)


async def _refuse_over_limit(
    hub: HubDeps, message: CustomerMessage, over: CustomerOverLimit
) -> Turn:
    """An over-limit message: neither stored nor given to the bot, its files removed; the
    first of the window gets one refusal (it covers the rest of the window), the others
    none, so a flood gets one answer, not one per message."""
    keys = [a.storage_path for a in message.attachments if a.storage_path]
    if keys:
        try:
            await off_loop(hub.files.remove, keys)
        except Exception:  # an orphan file harms no one: the refusal still goes
            log.warning("could not remove the files of a refused message", exc_info=True)
    channel, external_id = message.channel, message.external_id
    conversation = await off_loop(
        conversations.get_or_create_conversation, hub.uow_factory(), channel, external_id
    )
    if over.first_refusal:
        language = conversation.language or detect_language(message.text)
        refusal = OutgoingMessage(text=refusal_text(over, language, chat=True))
        await send_new(hub, channel, external_id, conversation.id, refusal)
    return Turn(conversation.id, None)


async def send_new(
    hub: HubDeps, channel: str, external_id: str, conversation_id: int, message: OutgoingMessage
) -> None:
    """An answer the hub did not store itself, through the one way out."""
    to = Destination(conversation_id, channel, external_id)
    await send_out(hub, to, message, sender=store.BOT)


async def answer_directly(
    hub: HubDeps,
    channel: str,
    external_id: str,
    conversation_id: int,
    text: str,
    reply: OutgoingMessage,
) -> None:
    """Answer a keyword before the bot (STOP, OFFRES, /offres...): the customer's `text` is
    stored as answered, then `reply` goes out through the one way out."""
    await off_loop(
        lambda: conversations.record_message(
            hub.uow_factory(),
            conversation_id,
            direction="in",
            sender=store.CUSTOMER,
            text=text,
            status="answered",
        )
    )
    await send_new(hub, channel, external_id, conversation_id, reply)
