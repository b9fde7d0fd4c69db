"""Typing indicators of a human chat, both ways, through the bus (so across replicas).

Never stored, never answered: a signal that does not fit (no accepted request, another
advisor's conversation, too many signals) is dropped without a word, so a customer learns
nothing from sending one. Event shapes (docs/handoff.md), every one with `at`:
- `advisor:{staff_id}`: `{"type": "typing", "request_id", "conversation_id", "state"}`, the
  customer of that advisor's accepted request is typing ("on") or stopped ("off");
- `conversation:{conversation_id}`: `{"type": "typing", "state", "author"}`, the advisor
  holding the conversation is typing or stopped (author: their name, as on their messages).

Signals are bounded by HubDeps' `TypingThrottle` (hub/throttle.py: per sender, shared by
every socket of that sender on this replica) before anything is read from the database.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from core import handoff
from core.errors import NotFound
from hub.announce import author_of
from hub.deps import HubDeps, StoreUnavailable
from hub.topics import advisor_topic, conversation_topic

log = logging.getLogger(__name__)

TYPING = "typing"
STATES = frozenset({"on", "off"})
CHAT_ACTION_SECONDS = 3.0  # the most a push channel's "typing…" may hold up the caller


def typing_state(frame: Any) -> str | None:
    """The state of a `{"type": "typing", "state": "on"|"off", ...}` frame, else None."""
    if not isinstance(frame, dict) or frame.get("type") != TYPING:
        return None
    state = frame.get("state")
    return state if state in STATES else None


async def customer_typing(deps: HubDeps, conversation_id: int, state: str) -> bool:
    """Tell the advisor holding the customer's conversation that they type; True when
    published (an accepted request), False when dropped or there is nobody to tell."""
    if not deps.typing.allow(f"conversation:{conversation_id}", state):
        return False
    try:
        view = await deps.core(handoff.open_request_for, conversation_id)
    except StoreUnavailable:
        return False
    if view is None or view.status != "accepted" or view.advisor_id is None:
        return False
    event = {
        "type": TYPING,
        "request_id": view.id,
        "conversation_id": view.conversation_id,
        "state": state,
        "at": deps.now().isoformat(),
    }
    await deps.bus.publish(advisor_topic(view.advisor_id), event)
    return True


async def advisor_typing(deps: HubDeps, request_id: int, advisor_id: int, state: str) -> bool:
    """Tell the customer of an accepted request that its advisor types; True when
    published, False when dropped (not theirs, not accepted, unknown, too many signals)."""
    if not deps.typing.allow(f"advisor:{advisor_id}:{request_id}", state):
        return False
    try:
        view = await deps.core(handoff.get_request, request_id)
    except (NotFound, StoreUnavailable):
        return False
    if view.status != "accepted" or view.advisor_id != advisor_id:
        return False
    event = {"type": TYPING, "state": state, "author": author_of(view)}
    await deps.bus.publish(
        conversation_topic(view.conversation_id), {**event, "at": deps.now().isoformat()}
    )
    if state == "on":
        await _chat_action(deps, view.channel, view.external_id)
    return True


async def _chat_action(deps: HubDeps, channel: str, external_id: str) -> None:
    """A push channel's own "typing…" (Telegram's sendChatAction), when its sender has one;
    best effort, bounded in time."""
    send_typing = getattr(deps.senders.get(channel), "send_typing", None)  # optional
    if send_typing is None:
        return
    try:
        await asyncio.wait_for(send_typing(external_id), CHAT_ACTION_SECONDS)
    except Exception:  # a lost "typing…" is nothing: the message itself will follow
        log.info("typing action on %s not sent", channel, exc_info=True)
