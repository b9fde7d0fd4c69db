"""What the hub's functions share: their dependencies (units of work, the ports' adapters,
a clock) and the one way to call core with a fresh unit of work off the event loop."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

from core.customer_limits import CustomerLimits
from core.file_store import FileStore, FilesystemStore
from core.files import DEFAULT_UPLOAD_DIR
from core.models import utcnow
from core.otp_limits import DEFAULT_LIMITS, Limits
from core.uow import UnitOfWork
from hub.locks import LocalConversationLocks
from hub.ports import BotBrain, Bus, ChannelSender, ConversationLocks, MessageTransport
from hub.throttle import TypingThrottle
from hub.tracker_events import TrackerEvents
from hub.work import StoreUnavailable, off_loop

__all__ = ["DEFAULT_DELIVERY_DELAYS", "DEFAULT_HANDOFF_WAIT", "HubDeps", "StoreUnavailable"]

T = TypeVar("T")

DEFAULT_HANDOFF_WAIT = timedelta(seconds=600)
DEFAULT_DELIVERY_DELAYS = (0.5, 1.0, 2.0)  # seconds before each retry of a failed send


@dataclass(frozen=True)
class HubDeps:
    """What the hub needs: units of work, a bot brain, the bus that reaches widgets and
    consoles live, the domain's intents, a clock (aware UTC), how long a handoff request
    waits, the recorder of Rasa pause/resume events, the conversation locks that keep one
    conversation's turns and tracker events in order (across replicas with Redis), the push
    channels' senders by channel name, the waits between their retries, the customers' rate
    limits, the limits of one-time codes, the store of the files customers send, the SMS
    and e-mail transports and how many typing signals pass."""

    uow_factory: Callable[[], UnitOfWork]
    brain: BotBrain
    bus: Bus
    intents: frozenset[str] | None = None  # None: no domain found, payloads not checked
    clock: Callable[[], datetime] = utcnow
    handoff_wait: timedelta = DEFAULT_HANDOFF_WAIT
    tracker_events: TrackerEvents = field(default_factory=TrackerEvents)
    locks: ConversationLocks = field(default_factory=LocalConversationLocks)
    senders: Mapping[str, ChannelSender] = field(default_factory=dict)
    delivery_delays: tuple[float, ...] = DEFAULT_DELIVERY_DELAYS
    limits: CustomerLimits = field(default_factory=CustomerLimits)  # customers' rate limits
    otp_limits: Limits = DEFAULT_LIMITS  # codes typed in the chat (hub/codes.py)
    # where customers' files are saved and read (core/file_store.py, PITLANE_UPLOAD_STORE)
    files: FileStore = field(default_factory=lambda: FilesystemStore(DEFAULT_UPLOAD_DIR))
    # SMS and e-mail by name ("sms", "email"): a human chat's transcript (hub/chat_end.py)
    transports: Mapping[str, MessageTransport] = field(default_factory=dict)
    typing: TypingThrottle = field(default_factory=TypingThrottle)  # hub/typing_signals.py

    def now(self) -> datetime:
        return self.clock().astimezone(timezone.utc)

    async def core(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`function(uow, *args, **kwargs)` with a fresh unit of work, off the event loop."""
        return await off_loop(function, self.uow_factory(), *args, **kwargs)
