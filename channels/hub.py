"""The hub: stores every customer message, then routes it (bot turns go to Rasa).

Channel-agnostic and free of any web framework: an adapter (widget WebSocket, REST webhook,
later Telegram or WhatsApp) validates its own envelope, calls `handle_customer_message` and
sends back the returned messages. Database work is synchronous SQLAlchemy run in a worker
thread so a slow disk never blocks the event loop.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from sqlalchemy.exc import SQLAlchemyError

from channels import store
from channels.intents import is_payload, payload_is_known
from channels.messages import Button, OutgoingMessage
from channels.rasa_client import BotBrain, RasaUnavailable
from channels.texts import menu, normalise_language, say
from core.parsing import detect_language
from core.uow import UnitOfWork

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
_EXTERNAL_ID = re.compile(r"^[A-Za-z0-9._:@+\-]{1,128}$")


class StoreUnavailable(Exception):
    """The message could not be stored, so it was not processed either."""


@dataclass(frozen=True)
class HubDeps:
    """What the hub needs: a unit of work factory, a bot brain, the domain's intents."""

    uow_factory: Callable[[], UnitOfWork]
    brain: BotBrain
    intents: frozenset[str] | None = None  # None: no domain found, payloads not checked


def valid_external_id(value: object) -> bool:
    """A channel's customer id: 1-128 of letters, digits and . _ : @ + -."""
    return isinstance(value, str) and _EXTERNAL_ID.fullmatch(value) is not None


def clean_text(text: str) -> str:
    """Strip surrounding blanks and control characters (newlines and tabs are kept)."""
    kept = (c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")
    return "".join(kept).strip()


def check_text(text: str) -> str | None:
    """Why a cleaned text cannot be processed ('empty_message', 'message_too_long') or None."""
    if not text:
        return "empty_message"
    if len(text) > MAX_MESSAGE_CHARS:
        return "message_too_long"
    return None


async def handle_customer_message(
    deps: HubDeps,
    channel: str,
    external_id: str,
    text: str,
    metadata: dict[str, Any] | None = None,
) -> list[OutgoingMessage]:
    """Store one customer message, get the answers, store them, return them to send."""
    if not valid_external_id(channel) or not valid_external_id(external_id):
        raise ValueError(f"invalid channel or external id: {channel!r}, {external_id!r}")
    language = normalise_language((metadata or {}).get("language"))
    text = clean_text(text)
    problem = check_text(text)
    if problem is not None:
        return [OutgoingMessage(text=say(problem, language))]

    inbound = await _in_thread(
        store.store_inbound, deps.uow_factory, channel, external_id, text, language
    )
    reply_language = inbound.language or detect_language(text)

    if is_payload(text) and not payload_is_known(text, deps.intents):
        offer = inbound.offered or [Button(t, p) for t, p in menu(reply_language)]
        answers = [OutgoingMessage(text=say("unknown_choice", reply_language), buttons=offer)]
        return await _finish(deps, inbound, "answered", answers)

    rasa_metadata = {"channel": channel, "external_id": external_id, "language": inbound.language}
    try:
        raw = await deps.brain.send(inbound.sender_id, text, rasa_metadata)
    except RasaUnavailable:
        answers = [OutgoingMessage(text=say("assistant_unavailable", reply_language))]
        return await _finish(deps, inbound, "failed", answers)
    return await _finish(deps, inbound, "answered", [OutgoingMessage.from_rasa(a) for a in raw])


async def conversation_history(
    deps: HubDeps, channel: str, external_id: str, language: str | None = None
) -> list[store.TranscriptEntry]:
    """What the customer saw of this conversation, oldest first (for a page reload)."""
    if not valid_external_id(channel) or not valid_external_id(external_id):
        raise ValueError(f"invalid channel or external id: {channel!r}, {external_id!r}")
    language = normalise_language(language)
    return await _in_thread(store.history, deps.uow_factory, channel, external_id, language)


async def _finish(
    deps: HubDeps, inbound: store.Inbound, status: str, answers: list[OutgoingMessage]
) -> list[OutgoingMessage]:
    await _in_thread(store.store_outbound, deps.uow_factory, inbound, status, answers)
    return answers


async def _in_thread(function: Callable[..., Any], *args: Any) -> Any:
    try:
        return await anyio.to_thread.run_sync(function, *args)
    except SQLAlchemyError as exc:
        log.exception("conversation store failed")
        raise StoreUnavailable(str(exc)) from exc
