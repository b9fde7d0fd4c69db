"""Telling a customer something from the backoffice (a booking cancelled by a settings
change, the answer to their complaint), in their own conversation.

The hub's one way out (hub/outbound.py `send_out`), as for its handoff notices: the message
is stored first (so REST customers get it with their next reply and it stays in the
transcript), then delivered through the channel's sender when the channel pushes (Telegram,
WhatsApp), and published to their open widgets.
"""

from __future__ import annotations

import logging

from core.conversations import ConversationView, get_conversation
from core.errors import NotFound
from hub.deps import HubDeps, StoreUnavailable
from hub.messages import OutgoingMessage
from hub.outbound import Destination, send_out
from hub.work import off_loop

log = logging.getLogger(__name__)


async def tell_conversation(hub: HubDeps, conversation: ConversationView, text: str) -> bool:
    """Send `text` through the hub's one way out; False when it could not be stored or a
    push channel refused it (staff should then contact the customer another way)."""
    to = Destination(conversation.id, conversation.channel, conversation.external_id)
    try:
        sent = await send_out(hub, to, OutgoingMessage(text=text))
    except StoreUnavailable:
        return False
    return sent.delivered


async def conversation_by_id(hub: HubDeps, conversation_id: int | None) -> ConversationView | None:
    """The conversation `conversation_id`, or None (none given, or deleted)."""
    if conversation_id is None:
        return None
    try:
        return await off_loop(get_conversation, hub.uow_factory(), conversation_id)
    except (NotFound, StoreUnavailable):
        log.warning("conversation %s not found to tell the customer", conversation_id)
        return None
