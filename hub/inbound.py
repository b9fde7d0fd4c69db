"""The hub: stores every customer message, then routes it: to the advisor who holds the
conversation, or to the bot (Rasa), whose handoff requests it carries out.

Channel-agnostic and free of any web framework: an adapter (widget WebSocket, REST webhook,
later Telegram or WhatsApp) validates its own envelope, calls `handle_customer_message` and
sends back the returned messages; messages sent out of turn (advisor replies, handoff
notices) reach it through the bus (`conversation:{id}`), or, for a channel that only gets
replies (`PULL_CHANNELS`: the REST webhook), at the start of the reply to the customer's next
message. Database work is synchronous SQLAlchemy run in a worker thread so a slow disk never
blocks the event loop. The advisor console's side lives in hub/advisor.py and is
re-exported here.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from core.parsing import detect_language
from hub import store
from hub.advisor import (
    accept_request,
    advisor_send,
    close_request,
    refuse_request,
    transfer_request,
)
from hub.chat_end import (
    TRANSCRIPT_PAYLOAD,
    email_transcript,
    end_for_customer,
    ends_chat,
    rate,
    rating_of,
)
from hub.codes import CODE_PAYLOAD, check_code
from hub.deps import HubDeps, StoreUnavailable
from hub.handoff import (
    ASK_PAYLOAD,
    ask_for_advisor,
    bot_request,
    cancel_for_customer,
    cancels_request,
    expire_requests,
    forward_to_advisor,
    run_expiry_sweeper,
)
from hub.intents import is_payload, payload_is_known
from hub.locks import one_at_a_time
from hub.messages import MAX_MESSAGE_CHARS, Button, OutgoingMessage, check_text, clean_text
from hub.ports import RasaUnavailable
from hub.texts import menu, normalise_language, say
from hub.work import off_loop
from ops import metrics
from ops.logs import bind_log_context, log_context
from ops.spans import note, span

__all__ = [
    "Reply",
    "StoredAnswer",
    "MAX_EXTERNAL_ID",
    "MAX_MESSAGE_CHARS",
    "PULL_CHANNELS",
    "HubDeps",
    "StoreUnavailable",
    "accept_request",
    "advisor_send",
    "check_text",
    "clean_text",
    "close_request",
    "conversation_history",
    "expire_requests",
    "handle_customer_message",
    "open_conversation",
    "receive",
    "refuse_request",
    "run_expiry_sweeper",
    "shared_location",
    "transfer_request",
    "valid_external_id",
]

log = logging.getLogger(__name__)

MAX_EXTERNAL_ID = 128
_EXTERNAL_ID = re.compile(rf"^[A-Za-z0-9._:@+\-]{{1,{MAX_EXTERNAL_ID}}}$")
# Channels whose customers only receive messages in the reply to their own.
PULL_CHANNELS = frozenset({"rest"})


def valid_external_id(value: object) -> bool:
    """A channel's customer id: 1-128 of letters, digits and . _ : @ + -."""
    return isinstance(value, str) and _EXTERNAL_ID.fullmatch(value) is not None


@dataclass(frozen=True)
class StoredAnswer:
    """An answer to the customer's message and its stored id (None: refused unstored)."""

    message_id: int | None
    message: OutgoingMessage


@dataclass(frozen=True)
class Reply:
    """What the hub did with one customer message: where it was stored, what was sent out of
    turn since the previous one (pull channels only) and the answers it stored."""

    conversation_id: int | None  # None: the text was refused before anything was stored
    message_id: int | None  # the stored customer message
    earlier: list[OutgoingMessage] = field(default_factory=list)
    answers: list[StoredAnswer] = field(default_factory=list)

    @property
    def messages(self) -> list[OutgoingMessage]:
        """Everything to show the customer now, oldest first."""
        return self.earlier + [answer.message for answer in self.answers]


async def handle_customer_message(
    deps: HubDeps,
    channel: str,
    external_id: str,
    text: str,
    metadata: dict[str, Any] | None = None,
    attachments: Sequence[store.NewAttachment] = (),
) -> list[OutgoingMessage]:
    """`receive`, for a channel that shows the answers itself (widget, REST webhook)."""
    reply = await receive(deps, channel, external_id, text, metadata, attachments)
    return reply.messages


async def receive(
    deps: HubDeps,
    channel: str,
    external_id: str,
    text: str,
    metadata: dict[str, Any] | None = None,
    attachments: Sequence[store.NewAttachment] = (),
) -> Reply:
    """The hub's one way in. Store one customer message (with its `attachments`: files
    already written by core/files.py, places), route it to the advisor who holds the
    conversation or to the bot, store the answers, return them to send.

    `metadata["location"]` (a shared place: `{"latitude", "longitude"}`) and the message's
    files reach the bot as `location` and `attachments` metadata (docs/workshop.md);
    `metadata["client_ip"]` (widget, REST) is kept on the conversation, never sent to the bot.
    A one-time code typed while one is expected is stored masked, checked through core and
    replaced by a payload without it (hub/codes.py).

    One conversation's messages are handled one at a time, in the order they took its lock
    (`deps.locks`: across replicas with Redis), from storing to the stored answers.

    The whole turn is one span, `hub.inbound` (ops/spans.py): a trace's root for a message
    that came on no request (a widget's socket, Telegram's polling)."""
    if not valid_external_id(channel) or not valid_external_id(external_id):
        raise ValueError(f"invalid channel or external id: {channel!r}, {external_id!r}")
    with span("hub.inbound", channel=channel, route="hub"):
        language = normalise_language((metadata or {}).get("language"))
        text = clean_text(text)
        problem = check_text(text)
        if problem is not None:
            note(route="refused", outcome=problem)
            refusal = OutgoingMessage(text=say(problem, language))
            metrics.message_received(channel, "refused", 1)
            return Reply(None, None, answers=[StoredAnswer(None, refusal)])
        # every log line of this turn: its conversation's id (bound in _route), never this text
        with log_context(turn_text=text):
            async with one_at_a_time(deps.locks, f"{channel}:{external_id}"):
                return await _route(
                    deps, channel, external_id, text, language, metadata, attachments
                )


async def _route(
    deps: HubDeps,
    channel: str,
    external_id: str,
    text: str,
    language: str | None,
    metadata: dict[str, Any] | None,
    attachments: Sequence[store.NewAttachment],
) -> Reply:
    """Store the message and route it (the conversation's lock held)."""
    inbound = await off_loop(
        store.store_inbound,
        deps.uow_factory,
        channel,
        external_id,
        text,
        language,
        channel in PULL_CHANNELS,
        attachments,
        (metadata or {}).get("client_ip"),
    )
    bind_log_context(conversation_id=inbound.conversation_id)  # until receive's log_context ends
    note(conversation_id=inbound.conversation_id)
    reply_language = inbound.language or detect_language(text)
    request = inbound.handoff

    if request is not None and request.status == "accepted":
        if ends_chat(text):
            answers = await end_for_customer(deps, inbound, reply_language)
            return await _finish(deps, inbound, "answered", answers)
        note(route="advisor", outcome="forwarded")
        await forward_to_advisor(deps, inbound, request)
        metrics.message_received(channel, "to_advisor")
        return Reply(inbound.conversation_id, inbound.message_id, inbound.undelivered)
    score = rating_of(text)
    if score is not None:
        answers = await rate(deps, inbound.conversation_id, score, reply_language)
        return await _finish(deps, inbound, "answered", answers)
    if text == TRANSCRIPT_PAYLOAD:
        answers = await email_transcript(deps, inbound.conversation_id, reply_language)
        return await _finish(deps, inbound, "answered", answers)
    if request is not None and cancels_request(text):
        answers = await cancel_for_customer(
            deps, inbound.conversation_id, reply_language, with_menu=True
        )
        return await _finish(deps, inbound, "answered", answers)
    if request is not None and text == ASK_PAYLOAD:
        answers = await ask_for_advisor(deps, inbound.conversation_id, reply_language)
        return await _finish(deps, inbound, "answered", answers)

    if inbound.typed_code is not None:  # checked here; the bot never sees the code
        if inbound.typed_code:
            await check_code(deps, inbound.conversation_id, inbound.typed_code)
        text = CODE_PAYLOAD
    elif is_payload(text) and not payload_is_known(text, deps.intents):
        offer = inbound.offered or [Button(t, p) for t, p in menu(reply_language)]
        answers = [OutgoingMessage(text=say("unknown_choice", reply_language), buttons=offer)]
        return await _finish(deps, inbound, "answered", answers)

    rasa_metadata = _bot_metadata(channel, external_id, inbound, metadata)
    await deps.tracker_events.settled(inbound.sender_id)  # a resume lands before the message
    note(route="bot")
    try:
        with span("rasa.turn", channel=channel):  # the actions' spans join it (ops/spans.py)
            raw = await deps.brain.send(inbound.sender_id, text, rasa_metadata)
    except RasaUnavailable:
        answers = [OutgoingMessage(text=say("assistant_unavailable", reply_language))]
        metrics.message_received(channel, "bot_unavailable", len(answers))  # before _finish's
        return await _finish(deps, inbound, "failed", answers)
    answers = []
    for answer in (OutgoingMessage.from_rasa(a) for a in raw):
        kind = bot_request(answer)
        if kind == "request":
            answers += await ask_for_advisor(deps, inbound.conversation_id, reply_language)
        elif kind == "cancel":
            answers += await cancel_for_customer(deps, inbound.conversation_id, reply_language)
        else:
            answers.append(answer)
    return await _finish(deps, inbound, "answered", answers)


def shared_location(value: object) -> dict[str, float] | None:
    """`{"latitude", "longitude"}` (finite numbers in range) of a shared place, else None."""
    if not isinstance(value, dict):
        return None
    latitude, longitude = value.get("latitude"), value.get("longitude")
    numbers = [v for v in (latitude, longitude) if isinstance(v, (int, float))]
    if len(numbers) != 2 or any(isinstance(v, bool) or not math.isfinite(v) for v in numbers):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return {"latitude": float(latitude), "longitude": float(longitude)}


def _bot_metadata(
    channel: str, external_id: str, inbound: store.Inbound, metadata: dict[str, Any] | None
) -> dict[str, Any]:
    """What Rasa is told besides the text: the channel, the language, and, when the message
    carries them, the shared place and the files stored with this very message."""
    sent: dict[str, Any] = {
        "channel": channel,
        "external_id": external_id,
        "language": inbound.language,
    }
    location = shared_location((metadata or {}).get("location"))
    if location is not None:
        sent["location"] = location
    files = [
        {"id": a.id, "kind": a.kind, "content_type": a.content_type}
        for a in inbound.attachments
        if a.kind != "location"
    ]
    if files:
        sent["attachments"] = files
    return sent


async def open_conversation(
    deps: HubDeps, channel: str, external_id: str, language: str | None = None
) -> tuple[int, list[store.TranscriptEntry]]:
    """The conversation's id and what the customer saw of it, oldest first (for a widget
    connecting: the id names its live topic, the transcript is shown again)."""
    if not valid_external_id(channel) or not valid_external_id(external_id):
        raise ValueError(f"invalid channel or external id: {channel!r}, {external_id!r}")
    language = normalise_language(language)
    return await off_loop(store.history, deps.uow_factory, channel, external_id, language)


async def conversation_history(
    deps: HubDeps, channel: str, external_id: str, language: str | None = None
) -> list[store.TranscriptEntry]:
    """What the customer saw of this conversation, oldest first (for a page reload)."""
    _, entries = await open_conversation(deps, channel, external_id, language)
    return entries


async def _finish(
    deps: HubDeps, inbound: store.Inbound, status: str, answers: list[OutgoingMessage]
) -> Reply:
    note(outcome=status, answers=len(answers))
    ids = await off_loop(store.store_outbound, deps.uow_factory, inbound, status, answers)
    if status == "answered":  # "failed" (Rasa unavailable) is counted where it is decided
        metrics.message_received(inbound.sender_id, "answered", len(answers))
    stored = [StoredAnswer(i, answer) for i, answer in zip(ids, answers, strict=True)]
    return Reply(inbound.conversation_id, inbound.message_id, inbound.undelivered, stored)
