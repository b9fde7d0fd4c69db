"""Telling a customer something from the backoffice (a booking cancelled by a settings
change, the answer to their complaint), in their own conversation.

The same path as the hub's handoff notices (channels/announce.py): the message is stored
first (so REST customers get it with their next reply and it stays in the transcript), then
delivered through the channel's sender when the channel pushes (Telegram, WhatsApp), and
published to their open widgets.
"""

from __future__ import annotations

import logging

from core.conversations import ConversationView, get_conversation
from core.errors import NotFound
from hub import store
from hub.deps import HubDeps, StoreUnavailable
from hub.messages import OutgoingMessage
from hub.outbound import deliver
from hub.topics import conversation_topic
from hub.work import off_loop

log = logging.getLogger(__name__)


async def tell_conversation(hub: HubDeps, conversation: ConversationView, text: str) -> bool:
    """Store `text` in the conversation and push it; False when it could not be stored or a
    push channel refused it (staff should then contact the customer another way)."""
    message = OutgoingMessage(text=text)
    try:
        message_id = await off_loop(
            store.store_out_of_turn, hub.uow_factory, conversation.id, store.HUB, message
        )
    except StoreUnavailable:
        return False
    delivered = True
    if conversation.channel in hub.senders:
        delivered = await deliver(
            hub, conversation.channel, conversation.external_id, message_id, message
        )
    event = {"type": "bot", "text": text, "at": hub.now().isoformat()}
    await hub.bus.publish(conversation_topic(conversation.id), event)
    return delivered


async def conversation_by_id(hub: HubDeps, conversation_id: int | None) -> ConversationView | None:
    """The conversation `conversation_id`, or None (none given, or deleted)."""
    if conversation_id is None:
        return None
    try:
        return await off_loop(get_conversation, hub.uow_factory(), conversation_id)
    except (NotFound, StoreUnavailable):
        log.warning("conversation %s not found to tell the customer", conversation_id)
        return None
