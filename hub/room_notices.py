"""Room notices: what a customer is told in their own conversation when a room changes under
them (banned by the moderation, moved out when the room got smaller, the room closed).

The live room events (`kicked`, `closed` on `room:{id}`, hub/rooms.py) only reach a socket
open at that moment; a notice takes the hub's one way out (hub/outbound.py `send_out`): it
is stored in the member's conversation, delivered through the channel's sender when the
channel pushes, and published on the conversation's topic, in the member's language.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from core import conversations
from core.conversations import ConversationView
from core.errors import NotFound
from core.rooms import RoomView
from hub import store
from hub.deps import HubDeps, StoreUnavailable
from hub.messages import OutgoingMessage
from hub.outbound import Destination, send_out
from hub.texts import say

log = logging.getLogger(__name__)

BANNED = "room_banned"
EVICTED = "room_evicted"
CLOSED = "room_closed"


async def tell_members(
    deps: HubDeps, room: RoomView, conversation_ids: Iterable[int], notice: str
) -> None:
    """Tell each member (a conversation id) the `notice` (BANNED, EVICTED, CLOSED) naming
    `room`. The room change is already committed: a notice that cannot be stored is logged,
    not raised, so the admin's action still answers what it did."""
    for conversation_id in conversation_ids:
        try:
            conversation: ConversationView = await deps.core(
                conversations.get_conversation, conversation_id
            )
            to = Destination(conversation.id, conversation.channel, conversation.external_id)
            text = say(notice, conversation.language, room=room.name)
            # Not proactive: a service notice about the customer's own membership (as an
            # answer to their own doing), not an offer; an opted-out customer still gets it.
            await send_out(deps, to, OutgoingMessage(text=text), sender=store.HUB, proactive=False)
        except NotFound:
            log.warning("room %s: conversation %s is gone, not told", room.id, conversation_id)
        except StoreUnavailable:  # already logged by off_loop
            log.warning("room %s: conversation %s not told (%s)", room.id, conversation_id, notice)
