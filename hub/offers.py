"""Fan a claimed commercial notification out: the web widgets' SSE streams (bus publish) and
the Telegram/WhatsApp customers of its audience (stored, then delivered as a proactive
message: the opt-out is honoured by `deliver`). Each channel message ends with how to
unsubscribe from offers in the conversation's language (OFFRES STOP on WhatsApp; /stopoffres
and an inline button on Telegram).

`dispatch_due_notifications(app, now)` is what a scheduler calls every few seconds: it claims
the due ones with a conditional UPDATE (one replica wins each) and fans each one out.

`answer_offers` is a chat customer's yes or no to offers (OFFRES / OFFRES STOP on WhatsApp,
/offres, /stopoffres and the unsubscribe button on Telegram), answered before the bot.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from core import notifications
from core.notifications import NotificationView, Recipient
from hub.deps import HubDeps
from hub.messages import Button, OutgoingMessage
from hub.outbound import Destination, send_out
from hub.provider_turn import answer_directly
from hub.texts import OFFERS_UNSUBSCRIBE_PAYLOAD, offers_text, say
from hub.topics import NOTIFICATIONS_TOPIC, notification_event
from hub.work import off_loop

log = logging.getLogger(__name__)
SENDER = "notification"
CONCURRENT_SENDS = 8


def channel_text(view: NotificationView) -> str:
    """The notification as one chat message (Telegram, WhatsApp)."""
    parts = [view.title, view.body]
    if view.link:
        parts.append(view.link)
    return "\n\n".join(parts)


def channel_message(view: NotificationView, recipient: Recipient) -> OutgoingMessage:
    """The notification for one channel customer: its text, then one line saying how to
    unsubscribe (and, on Telegram, an unsubscribe button)."""
    footer = offers_text("offers_footer", recipient.channel, recipient.language)
    text = channel_text(view) if footer is None else f"{channel_text(view)}\n\n{footer}"
    return OutgoingMessage(
        text=text, buttons=unsubscribe_buttons(recipient.channel, recipient.language)
    )


def unsubscribe_buttons(channel: str, language: str | None) -> list[Button]:
    """The button that says no to offers (callback data /stopoffres), on the channel that
    shows buttons as such (Telegram); none where they would become a numbered list."""
    if channel != "telegram":
        return []
    return [Button(say("offers_unsubscribe_button", language), OFFERS_UNSUBSCRIBE_PAYLOAD)]


async def answer_offers(
    deps: HubDeps,
    channel: str,
    external_id: str,
    text: str,
    subscribed: bool,
    language: str | None,
    *,
    reply_language: str | None = None,
) -> None:
    """Record the customer's yes or no to offers in core (`set_offers`, where the widget's
    switch records it; STOP stays in force), store what they sent and tell them what happened
    and how to undo it: a yes held by STOP says so where the channel has that text, a yes
    comes with the unsubscribe button where the channel has buttons. `language` is the
    keyword's (kept when the conversation has none); the reply is in `reply_language`, else
    the conversation's."""
    profile = await off_loop(
        lambda: notifications.set_offers(
            deps.uow_factory(), channel, external_id, subscribed, deps.now(), language
        )
    )
    speak = reply_language or profile.language
    held = subscribed and profile.opted_out
    reply = offers_text("offers_held_by_stop", channel, speak) if held else None
    buttons: list[Button] = []
    if reply is None:
        reply = offers_text("offers_on" if subscribed else "offers_off", channel, speak)
        buttons = unsubscribe_buttons(channel, speak) if subscribed else []
    message = OutgoingMessage(text=reply or "", buttons=buttons)
    await answer_directly(deps, channel, external_id, profile.conversation_id, text, message)


async def fan_out(deps: HubDeps, view: NotificationView) -> int:
    """Publish to the open widgets, deliver to channel customers, mark it sent; returns how
    many channel messages were delivered."""
    await deps.bus.publish(NOTIFICATIONS_TOPIC, notification_event(view))
    recipients: list[Recipient] = await off_loop(
        lambda: notifications.channel_recipients(deps.uow_factory(), view.id, list(deps.senders))
    )
    gate = asyncio.Semaphore(CONCURRENT_SENDS)

    async def send(recipient: Recipient) -> bool:
        message = channel_message(view, recipient)
        async with gate:
            to = Destination(recipient.conversation_id, recipient.channel, recipient.external_id)
            sent = (await send_out(deps, to, message, sender=SENDER, proactive=True)).delivered
            if sent:
                await off_loop(
                    lambda: notifications.record_receipts(
                        deps.uow_factory(),
                        [(view.id, recipient.conversation_id, recipient.channel)],
                        deps.now(),
                    )
                )
            return sent

    results = await asyncio.gather(*(send(r) for r in recipients), return_exceptions=True)
    for failure in (r for r in results if isinstance(r, BaseException)):
        log.error("notification %s: a delivery failed: %r", view.id, failure)
    await off_loop(lambda: notifications.mark_sent(deps.uow_factory(), view.id))
    return sum(1 for r in results if r is True)


async def dispatch_due_notifications(app: Any, now: Any) -> list[int]:
    """Claim the notifications due at `now` and fan each one out; returns their ids.

    Safe to call from several web replicas at once (each notification is claimed once).
    """
    return await dispatch_due(app.state.hub, now)


async def dispatch_due(deps: HubDeps, now: Any) -> list[int]:
    """`dispatch_due_notifications` for a caller holding the hub's dependencies (a
    scheduler job: `await dispatch_due(current_context().deps.hub, utc_now())`)."""
    claimed: list[NotificationView] = await off_loop(
        lambda: notifications.claim_due_notifications(deps.uow_factory(), now)
    )
    for view in claimed:
        try:
            await fan_out(deps, view)
        except Exception:
            log.exception("notification %s could not be fanned out", view.id)
    return [view.id for view in claimed]


def send_in_background(app: Any, view: NotificationView) -> asyncio.Task[int]:
    """Fan out a notification sent "now" without holding the admin's request."""
    tasks: set[asyncio.Task[int]] | None = getattr(app.state, "notification_tasks", None)
    if tasks is None:
        tasks = app.state.notification_tasks = set()
    task = asyncio.get_running_loop().create_task(fan_out(app.state.hub, view))
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    return task
