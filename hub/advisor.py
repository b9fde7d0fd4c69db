"""The advisor console's side of the handoff: accept, refuse, close, send. Each calls core,
stores what the customer is told, then publishes it (hub/announce.py).

Accept and close change who answers the conversation: they take its conversation lock
(hub/ports.py, `ConversationLocks`) before the change and hand it to the pause/resume
recording, which releases it once Rasa's tracker has the event. A customer message handled
by any replica meanwhile waits for it, so it reaches Rasa after the tracker event, and a
close never records its resume before the accept's pause (docs/scaling.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core import handoff, handoff_transfer
from core.errors import Conflict, Forbidden, InvalidValue
from core.handoff import HandoffView
from hub import store
from hub.announce import (
    author_of,
    carry_on_buttons,
    chat_state,
    queue_changed,
    sender_id,
    status_changed,
    tell_customer,
)
from hub.chat_end import end_button, rating_question
from hub.deps import HubDeps
from hub.locks import one_at_a_time
from hub.messages import Button, OutgoingMessage, check_text, clean_text
from hub.texts import menu, say
from hub.tracker_events import PAUSE, RESUME
from ops import metrics


async def _change_holding_the_lock(
    deps: HubDeps,
    change: Callable[..., HandoffView],
    request_id: int,
    advisor_id: int,
    tracker_event: dict[str, Any],
) -> HandoffView:
    """Apply `change` (accept, close) under the customer's conversation lock, which the
    recorder of the tracker event (pause, resume) releases once Rasa has it: the customer's
    next message reaches Rasa after it, whichever replica takes it."""
    key = sender_id(await deps.core(handoff.get_request, request_id))
    held = await deps.locks.acquire(key)
    try:
        view = await deps.core(change, request_id, advisor_id, deps.now())
    except BaseException:
        await held.release()
        raise
    deps.tracker_events.record(deps.brain, key, tracker_event, held)
    return view


async def accept_request(deps: HubDeps, request_id: int, advisor_id: int) -> HandoffView:
    """Take a pending request (AlreadyTaken, AdvisorFull); the customer is told who it is."""
    view = await _change_holding_the_lock(deps, handoff.accept, request_id, advisor_id, PAUSE)
    metrics.handoff_accepted(view.created_at, view.accepted_at)
    language = view.language
    text = say("advisor_joined", language, advisor=author_of(view))
    # the widget has the end button in its header; a chat app gets it with the notice
    buttons = [] if view.channel == "web" else [end_button(language)]
    notice = OutgoingMessage(text=text, buttons=buttons, custom=chat_state(view))
    await tell_customer(deps, view, notice)
    await status_changed(deps, view)
    return view


async def refuse_request(
    deps: HubDeps, request_id: int, advisor_id: int, reason: str | None = None
) -> HandoffView:
    """Decline a pending request; the customer is told (with the reason) and the bot goes on."""
    view = await deps.core(handoff.refuse, request_id, advisor_id, deps.now(), reason)
    language = view.language
    if view.reason:
        text = say("handoff_refused_reason", language, reason=view.reason)
    else:
        text = say("handoff_refused", language)
    await tell_customer(deps, view, OutgoingMessage(text=text, buttons=carry_on_buttons(language)))
    await queue_changed(deps, view)
    return view


async def close_request(deps: HubDeps, request_id: int, advisor_id: int) -> HandoffView:
    """End an accepted conversation: the customer is told and the bot answers again."""
    view = await _change_holding_the_lock(deps, handoff.close, request_id, advisor_id, RESUME)
    language = view.language
    text = say("handoff_closed", language, advisor=author_of(view))
    buttons = [Button(t, p) for t, p in menu(language)]
    notice = OutgoingMessage(text=text, buttons=buttons, custom=chat_state(view))
    await tell_customer(deps, view, notice)
    await tell_customer(deps, view, await rating_question(deps, view))
    await status_changed(deps, view)
    return view


async def transfer_request(
    deps: HubDeps, request_id: int, staff_id: int, to_advisor_id: int, note: str | None = None
) -> HandoffView:
    """Hand an accepted conversation to another advisor (core `transfer`: AdvisorFull,
    advisor_unavailable, AlreadyTaken...). Under the conversation's lock, so a customer
    message is forwarded to the old holder before the move or to the new one after it. The
    customer is told who answers now; both advisors' consoles follow."""
    before = await deps.core(handoff.get_request, request_id)
    async with one_at_a_time(deps.locks, sender_id(before)):
        view = await deps.core(
            handoff_transfer.transfer, request_id, staff_id, to_advisor_id, deps.now(), note
        )
    text = say("advisor_transferred", view.language, advisor=author_of(view))
    await tell_customer(deps, view, OutgoingMessage(text=text, custom=chat_state(view)))
    await status_changed(deps, view, also=before.advisor_id)
    return view


async def advisor_send(deps: HubDeps, request_id: int, advisor_id: int, text: str) -> int:
    """An advisor's message to the customer of a conversation they hold; returns its id.

    InvalidValue (empty_message, message_too_long), Forbidden (not_your_conversation),
    Conflict (handoff_not_accepted: pending, or already over).
    """
    text = clean_text(text)
    problem = check_text(text)
    if problem is not None:
        raise InvalidValue(problem, "the message is empty or longer than 2000 characters")
    view = await deps.core(handoff.get_request, request_id)
    if view.status != "accepted":
        raise Conflict("handoff_not_accepted", f"request {request_id} is {view.status}")
    if view.advisor_id != advisor_id:
        raise Forbidden("not_your_conversation", "another advisor has this conversation")
    message = OutgoingMessage(text=text, author=author_of(view))
    return await tell_customer(deps, view, message, sender=store.advisor_sender(advisor_id))
