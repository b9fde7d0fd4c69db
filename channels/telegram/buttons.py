"""Bot buttons as Telegram inline keyboards, and a pressed button back to its payload.

Telegram carries at most 64 bytes of `callback_data`. A longer payload (a slot choice with
its ISO time, say) is sent as a short token: "#" + a hash of the payload. The payload is
not kept in memory: it is found again among the buttons the hub stored with the
conversation's recent bot messages, so a token survives restarts and works on any replica.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core import conversations
from core.uow import UnitOfWork
from hub.messages import Button, OutgoingMessage

MAX_CALLBACK_BYTES = 64
TOKEN_PREFIX = "#"
_RECENT = 200  # stored messages searched for the button a token stands for


def callback_token(payload: str) -> str:
    """A short, stable stand-in for a payload: '#' and 16 characters of its SHA-256."""
    digest = hashlib.sha256(payload.encode("utf-8")).digest()
    return TOKEN_PREFIX + base64.urlsafe_b64encode(digest).decode("ascii")[:16]


def callback_data(payload: str) -> str:
    """The payload itself when it fits in Telegram's 64 bytes, else its token."""
    if len(payload.encode("utf-8")) <= MAX_CALLBACK_BYTES and not payload.startswith(TOKEN_PREFIX):
        return payload
    return callback_token(payload)


def keyboard(buttons: list[Button]) -> InlineKeyboardMarkup | None:
    """One button per row (slot times and menu entries read best as a list)."""
    if not buttons:
        return None
    rows = [
        [InlineKeyboardButton(b.title[:64], callback_data=callback_data(b.payload))]
        for b in buttons
    ]
    return InlineKeyboardMarkup(rows)


def resolve_payload(
    uow_factory: Callable[[], UnitOfWork], external_id: str, data: str
) -> str | None:
    """The payload a pressed button's `callback_data` stands for; None for an unknown token."""
    if not data.startswith(TOKEN_PREFIX):
        return data
    conversation = conversations.get_or_create_conversation(uow_factory(), "telegram", external_id)
    messages = conversations.transcript(uow_factory(), conversation.id, limit=_RECENT)
    for message in reversed(messages):
        if message.direction != "out":
            continue
        for button in OutgoingMessage.from_stored(message.text, message.payload).buttons:
            if callback_token(button.payload) == data:
                return button.payload
    return None
