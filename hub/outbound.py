"""The hub's one way out: `send_out` stores a message in the customer's conversation,
delivers it through the channel's sender (push channels: Telegram, WhatsApp, SMS) and
publishes it on the conversation's topic (open widgets). Every proactive message takes it:
advisor replies, handoff notices, reminders, surveys, complaint answers, commercial offers,
room notices.

Delivery (`deliver`) sends through the channel's sender, retries what may pass later and
records the outcome on the stored message. A message is stored first (status 'sent', as
every outbound message), then delivered; `deliver` marks it 'sent' with the provider's id,
or 'failed' with the error, which staff see at GET /api/messages/failed. Proactive messages
(notifications, reminders) are not sent to a customer who opted out (STOP); answers to their
own messages and advisor replies are.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core import conversations
from hub import store
from hub.deps import HubDeps, StoreUnavailable
from hub.messages import OutgoingMessage
from hub.ports import PermanentSendError, TransientSendError
from hub.topics import conversation_topic
from hub.work import off_loop
from ops import metrics

log = logging.getLogger(__name__)

OPTED_OUT = "opted_out"
CHANNEL_OFF = "channel_off"
# Channels that reach the customer only through a sender (none when switched off).
PUSH_CHANNELS = frozenset({"telegram", "whatsapp", "sms"})


@dataclass(frozen=True)
class Destination:
    """A customer's conversation on one channel."""

    conversation_id: int
    channel: str
    external_id: str


@dataclass(frozen=True)
class Sent:
    """A message sent out: its stored id, and whether it reached the customer (a widget's
    transcript counts: the customer sees it live or at the next visit)."""

    message_id: int
    delivered: bool


async def send_out(
    deps: HubDeps,
    to: Destination,
    message: OutgoingMessage,
    *,
    sender: str = store.HUB,
    proactive: bool = False,
) -> Sent:
    """Store `message` in the conversation (StoreUnavailable when it cannot be), deliver it
    through the channel's sender when the channel has one, publish it to the conversation's
    open widgets. A proactive message is not sent to a customer who opted out, and is marked
    failed (`channel_off`) on a push channel that is switched off."""
    message_id = await off_loop(
        store.store_out_of_turn, deps.uow_factory, to.conversation_id, sender, message
    )
    delivered = True
    metrics.proactive_sent(to.channel)
    if to.channel in deps.senders:
        delivered = await deliver(
            deps, to.channel, to.external_id, message_id, message, proactive=proactive
        )
    elif proactive and to.channel in PUSH_CHANNELS:
        await _mark(deps, message_id, "failed", None, CHANNEL_OFF)
        metrics.delivery(to.channel, CHANNEL_OFF)
        delivered = False
    event = {**live_event(message, deps.now()), "message_id": message_id}
    await deps.bus.publish(conversation_topic(to.conversation_id), event)
    return Sent(message_id, delivered)


def live_event(message: OutgoingMessage, at: datetime) -> dict[str, Any]:
    """The widget frame of a message sent out of turn: `{"type": "bot", "text", "buttons"?}`
    (a hub notice) or `{"type": "advisor", "text", "author"}` (an advisor's message)."""
    frame = message.to_rest("")
    del frame["recipient_id"]
    kind = "advisor" if message.author is not None else "bot"
    return {"type": kind, **frame, "at": at.isoformat()}


async def deliver(
    deps: HubDeps,
    conversation_channel: str,
    external_id: str,
    message_id: int,
    message: OutgoingMessage,
    *,
    proactive: bool = False,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> bool:
    """Send a stored outbound message through its channel's sender; True when sent.

    TransientSendError is retried after each of `deps.delivery_delays` (0.5 s, 1 s, 2 s);
    any other failure is final. The stored message is marked sent (with the provider id)
    or failed (with the error).
    """
    sender = deps.senders.get(conversation_channel)
    if sender is None:
        raise ValueError(f"no sender for channel {conversation_channel!r}")
    if proactive and await _opted_out(deps, conversation_channel, external_id):
        log.info("message %s on %s not sent: opted out", message_id, conversation_channel)
        await _mark(deps, message_id, "failed", None, OPTED_OUT)
        metrics.delivery(conversation_channel, OPTED_OUT)
        return False
    delays: Sequence[float] = deps.delivery_delays
    error = ""
    for attempt in range(len(delays) + 1):
        try:
            provider_id = await sender.send(external_id, message)
        except TransientSendError as exc:
            error = f"transient: {exc}"
            if attempt < len(delays):
                log.warning(
                    "message %s on %s failed (%s), retry in %s s",
                    message_id,
                    conversation_channel,
                    exc,
                    delays[attempt],
                )
                await sleep(delays[attempt])
                continue
        except PermanentSendError as exc:
            error = f"permanent: {exc}"
        except Exception as exc:  # a sender bug must not lose the message silently
            log.exception("sender of %s failed", conversation_channel)
            error = f"error: {type(exc).__name__}: {exc}"
        else:
            await _mark(deps, message_id, "sent", provider_id, None)
            metrics.delivery(conversation_channel, "delivered")
            return True
        break
    log.error("message %s on %s failed: %s", message_id, conversation_channel, error)
    await _mark(deps, message_id, "failed", None, error)
    metrics.delivery(conversation_channel, "failed")
    return False


async def _opted_out(deps: HubDeps, channel: str, external_id: str) -> bool:
    uow = deps.uow_factory()
    return bool(await off_loop(conversations.is_opted_out, uow, channel, external_id))


async def _mark(
    deps: HubDeps, message_id: int, status: str, provider_id: str | None, error: str | None
) -> None:
    def mark() -> None:
        conversations.mark_delivery(
            deps.uow_factory(), message_id, status=status, external_id=provider_id, error=error
        )

    with contextlib.suppress(StoreUnavailable):  # already logged by off_loop
        await off_loop(mark)
