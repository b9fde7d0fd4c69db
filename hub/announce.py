"""How the hub announces handoff changes: stored first, then published on the bus.

Event shapes (docs/handoff.md), every one with `at` (ISO 8601, UTC):
- `conversation:{id}`, what the customer's widget shows live (a widget frame):
  `{"type": "bot", "text", "buttons"?}` (a hub notice) or
  `{"type": "advisor", "text", "author"}` (an advisor's message);
- `advisor:{staff_id}`: `{"type": "message", "request_id", "conversation_id", "text"}` (a
  customer message for that advisor) and `{"type": "status", "request_id",
  "conversation_id", "status"}` (their conversation was accepted or closed);
- `queue`: `{"type": "queue", "request_id", "status"}` (the queue may have changed).
"""

from __future__ import annotations

from core.handoff import HandoffView
from hub import store
from hub.deps import HubDeps
from hub.messages import Button, OutgoingMessage
from hub.outbound import Destination, send_out
from hub.texts import menu, say
from hub.topics import advisor_topic, queue_topic

_CARRY_ON = ("/contact_info", "/check_maintenance", "/vehicle_info")


async def tell_customer(
    deps: HubDeps, view: HandoffView, message: OutgoingMessage, sender: str = store.HUB
) -> int:
    """A handoff notice or an advisor's message, out through the one way out (stored,
    delivered through the channel's sender, published to the open widgets); its id."""
    to = Destination(view.conversation_id, view.channel, view.external_id)
    return (await send_out(deps, to, message, sender=sender)).message_id


async def queue_changed(deps: HubDeps, view: HandoffView) -> None:
    event = {"type": "queue", "request_id": view.id, "status": view.status}
    await deps.bus.publish(queue_topic(), {**event, "at": deps.now().isoformat()})


async def status_changed(deps: HubDeps, view: HandoffView, also: int | None = None) -> None:
    """Accepted, closed or transferred: the queue and the advisor's consoles are told (and
    `also`'s, the advisor who held it before a transfer)."""
    await queue_changed(deps, view)
    event = {
        "type": "status",
        "request_id": view.id,
        "conversation_id": view.conversation_id,
        "status": view.status,
        "at": deps.now().isoformat(),
    }
    for advisor_id in dict.fromkeys((view.advisor_id, also)):
        if advisor_id is not None:
            await deps.bus.publish(advisor_topic(advisor_id), event)


def author_of(view: HandoffView) -> str:
    return view.advisor_name or say("advisor_fallback_name", view.language)


def chat_state(view: HandoffView) -> dict[str, object]:
    """What a widget shows of the human chat beside the notice (`custom.advisor_chat`): the
    advisor's name in its header while they hold the conversation, the bot's again after."""
    if view.status == "accepted":
        return {"advisor_chat": {"status": "accepted", "advisor": author_of(view)}}
    return {"advisor_chat": {"status": "ended"}}


def sender_id(view: HandoffView) -> str:
    return f"{view.channel}:{view.external_id}"


def carry_on_buttons(language: str | None) -> list[Button]:
    """Contact details and the bot's workflows: what a customer can do without an advisor."""
    return [Button(t, p) for t, p in menu(language) if p in _CARRY_ON]
