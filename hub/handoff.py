"""The advisor handoff in the hub (docs/handoff.md): the customer's side of the requests
and their expiry. The console's side is in hub/advisor.py; the events both publish are
described in hub/announce.py. Rasa's tracker gets `pause` on accept and `resume` on
close, in the background (hub/tracker_events.py).
"""

from __future__ import annotations

import asyncio
import logging
import re
import unicodedata
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from core import handoff
from core.errors import AlreadyOpen, InvalidTransition, NoAdvisorAvailable
from core.handoff import HandoffView
from core.uow import UnitOfWork
from hub import store
from hub.announce import (
    author_of,
    carry_on_buttons,
    queue_changed,
    tell_customer,
)
from hub.deps import HubDeps
from hub.messages import Button, OutgoingMessage
from hub.texts import menu, say, wait_text
from hub.topics import advisor_topic
from hub.work import off_loop
from ops import metrics

log = logging.getLogger(__name__)

ASK_PAYLOAD = "/ask_advisor"
CANCEL_PAYLOAD = "/cancel_advisor"
CALLBACK_PAYLOAD = "/request_callback"  # starts Rasa's callback_form (docs/handoff.md)
# Typed alone while a request is pending, these withdraw it (elsewhere they mean "stop").
CANCEL_WORDS = frozenset({"annuler", "annule", "annulez", "annulation", "cancel", "cancel it"})


def bot_request(answer: OutgoingMessage) -> str | None:
    """'request' or 'cancel' when a Rasa answer is the custom {"handoff": ...} message."""
    custom = answer.custom
    kind = custom.get("handoff") if isinstance(custom, dict) else None
    return kind if kind in ("request", "cancel") else None


def cancels_request(text: str) -> bool:
    """The cancel button's payload, or a bare "annuler" / "cancel" (accents, case and
    punctuation aside): what withdraws a pending request without asking Rasa."""
    if text == CANCEL_PAYLOAD:
        return True
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", " ", plain).split()) in CANCEL_WORDS


async def ask_for_advisor(
    deps: HubDeps, conversation_id: int, language: str | None
) -> list[OutgoingMessage]:
    """Queue a request (or find the open one) and say the place and the wait."""
    queued = await off_loop(
        _queue_request, deps.uow_factory, conversation_id, deps.now(), deps.handoff_wait
    )
    if queued is None:
        text = say("no_advisor", language)
        return [OutgoingMessage(text=text, buttons=no_advisor_buttons(language))]
    view = queued.view
    if view.status == "accepted":
        return [OutgoingMessage(text=say("advisor_joined", language, advisor=author_of(view)))]
    if queued.new:
        metrics.handoff_requested(view.channel)
        await queue_changed(deps, view)
    wait = wait_text(queued.wait.total_seconds(), language)
    key = "handoff_queued" if queued.new else "handoff_waiting"
    cancel = Button(say("cancel_button", language), CANCEL_PAYLOAD)
    text = say(key, language, position=queued.position, wait=wait)
    return [OutgoingMessage(text=text, buttons=[cancel])]


def no_advisor_buttons(language: str | None) -> list[Button]:
    """Nobody free: "call me back" first, then what the customer can do without an advisor."""
    return [Button(say("callback_button", language), CALLBACK_PAYLOAD)] + carry_on_buttons(language)


async def cancel_for_customer(
    deps: HubDeps, conversation_id: int, language: str | None, with_menu: bool = False
) -> list[OutgoingMessage]:
    """Withdraw the conversation's pending request, if it has one, and say so."""
    view = await off_loop(_cancel_pending, deps.uow_factory, conversation_id, deps.now())
    if view is None:
        return [OutgoingMessage(text=say("no_pending_request", language))]
    await queue_changed(deps, view)
    buttons = [Button(t, p) for t, p in menu(language)] if with_menu else []
    return [OutgoingMessage(text=say("handoff_cancelled", language), buttons=buttons)]


async def forward_to_advisor(deps: HubDeps, inbound: store.Inbound, view: HandoffView) -> None:
    """A customer message of an accepted conversation goes to its advisor, not to Rasa."""
    await off_loop(store.store_outbound, deps.uow_factory, inbound, "answered", [])
    event = {
        "type": "message",
        "request_id": view.id,
        "conversation_id": view.conversation_id,
        "text": inbound.shown,
        "at": deps.now().isoformat(),
    }
    if view.advisor_id is not None:
        await deps.bus.publish(advisor_topic(view.advisor_id), event)


# ------------------------------------------------------------------ expiry


async def expire_requests(deps: HubDeps) -> list[HandoffView]:
    """Expire the pending requests past their time and tell their customers."""
    expired = await deps.core(handoff.expire_due, deps.now())
    for view in expired:
        language = view.language
        message = OutgoingMessage(
            text=say("handoff_expired", language), buttons=carry_on_buttons(language)
        )
        await tell_customer(deps, view, message)
        await queue_changed(deps, view)
    return expired


async def run_expiry_sweeper(deps: HubDeps, interval: float) -> None:
    """Expire due requests every `interval` seconds, until cancelled."""
    while True:
        try:
            await expire_requests(deps)
        except Exception:  # a failed sweep (database busy...) is retried at the next one
            log.exception("handoff expiry sweep failed")
        await asyncio.sleep(interval)


@asynccontextmanager
async def expiry_sweeping(deps: HubDeps, sweep_seconds: float) -> AsyncIterator[None]:
    """The expiry sweeper runs inside the block (the leader replica's work: webapp/leader.py;
    expiring is a conditional update, so two sweepers at once would still expire once)."""
    sweeper = asyncio.create_task(run_expiry_sweeper(deps, sweep_seconds))
    try:
        yield
    finally:
        sweeper.cancel()
        with suppress(asyncio.CancelledError):
            await sweeper


@asynccontextmanager
async def handoff_tasks(deps: HubDeps) -> AsyncIterator[None]:
    """Every replica's background work for handoffs, for its lifespan: on exit, pending
    Rasa tracker events (pause/resume) are awaited."""
    try:
        yield
    finally:
        with suppress(asyncio.TimeoutError):
            await asyncio.wait_for(deps.tracker_events.drain(), timeout=5)


# ------------------------------------------------------------------ helpers


@dataclass(frozen=True)
class _Queued:
    view: HandoffView
    new: bool
    position: int
    wait: timedelta


def _queue_request(
    uow_factory: Callable[[], UnitOfWork], conversation_id: int, now: datetime, wait: timedelta
) -> _Queued | None:
    uow = uow_factory()
    try:
        view, new = handoff.request_handoff(uow, conversation_id, now, wait), True
    except NoAdvisorAvailable:
        return None
    except AlreadyOpen as exc:
        view, new = handoff.get_request(uow, exc.request_id), False
    position = handoff.queue_position(uow, view.id)
    return _Queued(view, new, position, handoff.estimated_wait(uow, view.id, now))


def _cancel_pending(
    uow_factory: Callable[[], UnitOfWork], conversation_id: int, now: datetime
) -> HandoffView | None:
    uow = uow_factory()
    view = handoff.open_request_for(uow, conversation_id)
    if view is None or view.status != "pending":
        return None
    try:
        return handoff.cancel(uow, view.id, now)
    except InvalidTransition:  # accepted or expired meanwhile: nothing left to cancel
        return None
