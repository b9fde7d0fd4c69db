"""Customers' rate limits on the hub's side: count one action of a sender (and of the IP it
came from) through core/customer_limits.py, and the words that refuse it."""

from __future__ import annotations

from core.customer_limits import count_action
from core.errors import CustomerOverLimit
from hub.deps import HubDeps
from hub.texts import say

__all__ = ["CustomerOverLimit", "count_customer_action", "refusal_text"]

_REFUSALS = {
    "message": "rate_limited_message",
    "upload": "rate_limited_upload",
    "subscription": "rate_limited_subscription",
    "session": "rate_limited_session",
}


async def count_customer_action(
    hub: HubDeps, action: str, channel: str, external_id: str | None, ip: str | None = None
) -> None:
    """Count `action` for the sender (channel, external id; None: a visitor not known yet)
    and `ip`; CustomerOverLimit when it is over a limit: the caller then does nothing of it
    but say so."""
    sender = None if external_id is None else (channel, external_id)
    await hub.core(count_action, hub.limits, action, hub.now(), sender=sender, ip=ip)


def refusal_text(over: CustomerOverLimit, language: str | None, chat: bool = False) -> str:
    """Why nothing was done, in the customer's language; `chat`: the one refusal of the
    window on a chat channel (Telegram, WhatsApp), which covers the messages still to come."""
    key = "rate_limited_chat" if chat else _REFUSALS[over.action]
    return say(key, language, seconds=over.retry_after_seconds)
