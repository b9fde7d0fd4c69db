"""What the hub needs from the outside, as protocols: the brain (Rasa), the bus between the
hub, widgets and consoles, the conversation locks, the channels' senders and the message
transports (SMS, e-mail). The implementations live outside the hub: channels/rasa_client.py,
channels/bus.py, channels/redis_bus.py, hub/locks.py (the in-process default),
channels/redis_locks.py, channels/telegram/send.py, channels/whatsapp/send.py, transports/."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from hub.messages import OutgoingMessage


class RasaUnavailable(Exception):
    """The brain did not answer usably: down, too slow, an error status or a bad body."""


class BotBrain(Protocol):
    """What the hub needs from Rasa (a protocol so other brains or fakes can stand in)."""

    async def send(
        self, sender: str, message: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]: ...

    async def record_event(self, sender: str, event: dict[str, Any]) -> None: ...

    async def erase_tracker(self, sender: str) -> None: ...


class SubscriptionLost(Exception):
    """Events of this subscription may have been lost (the replica's link to the other
    replicas broke, or an event could not be published): the subscriber reads the state
    again from the database, by ending its socket or stream so that the client reconnects."""


class Subscription(Protocol):
    """The events of one topic for one subscriber, oldest first (an async iterator);
    `get` and the iteration raise SubscriptionLost once events may have been lost."""

    topic: str
    dropped: int

    async def get(self) -> dict[str, Any]: ...

    def pending(self) -> int: ...

    def take_waiting(self) -> list[dict[str, Any]]: ...

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]: ...


class Bus(Protocol):
    """Publish/subscribe of JSON events by topic (hub.topics): in-process or across replicas."""

    async def publish(self, topic: str, event: dict[str, Any]) -> int: ...

    def subscribe(self, topic: str) -> AbstractAsyncContextManager[Subscription]: ...

    def subscriber_count(self, topic: str) -> int: ...


class HeldLock(Protocol):
    """A conversation lock this process holds; `release` it once (from any task)."""

    async def release(self) -> None: ...


class ConversationLocks(Protocol):
    """One holder at a time per conversation (its Rasa sender id), waiting in turn: in this
    process (hub/locks.py) or across replicas (channels/redis_locks.py). It orders a
    conversation's messages to Rasa and its pause/resume tracker events (docs/scaling.md)."""

    async def acquire(self, key: str) -> HeldLock: ...


class ChannelSender(Protocol):
    """Sends one message to one customer of a channel; returns the provider's message id.
    A sender may also have `async send_typing(external_id)`, the channel's own "typing…"
    (Telegram's chat action), shown while an advisor types (hub/typing_signals.py)."""

    channel: str

    async def send(self, external_id: str, message: OutgoingMessage) -> str | None: ...


class SendError(Exception):
    """A message the provider did not take."""


class TransientSendError(SendError):
    """Rate limit, provider error, network: worth retrying."""


class PermanentSendError(SendError):
    """Bad number, blocked bot, refused content: retrying will not help."""


class MessageTransport(Protocol):
    """Sends one message to a destination (a phone number or an e-mail address); the
    subject is None for SMS. Blocking: the hub calls it off the event loop."""

    def send(self, destination: str, subject: str | None, body: str) -> None: ...
