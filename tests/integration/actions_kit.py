"""Helpers for the action tests: the real Rasa domain, trackers as Rasa sends them, and the
responses a `CollectingDispatcher` collected.

The trackers mimic what Rasa 3.6 sends to a form's validation action: the events of the
conversation, then `requested_slot`, the form's `ActionExecuted` and the slot candidates of
the turn (the SDK validates exactly those trailing `SlotSet` events).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ActionContext, sender_identity
from core.conversations import get_or_create_conversation
from core.models import Attachment, Message
from core.otp_checks import check_typed_code
from core.uow import UnitOfWork
from hub.codes import CODE_PAYLOAD, find_code
from tests.dialogue_files import load_domain

DOMAIN: dict[str, Any] = load_domain()
TIMEZONE = "Europe/Paris"
HELPER_SLOTS = (
    "booking_when",
    "booking_agency",
    "booking_service",
    "booking_address",
)  # set by validate_booking_form
# What a validator adds when it refuses the first answer to a question (actions/base.py).
FIRST_REFUSAL = SlotSet("unusable_count", 1.0)
WEB_VISITOR = {"channel": "web", "external_id": "visitor-1", "language": None}
CAMILLE = {"channel": "web", "external_id": "demo-camille", "language": None}  # known


def images_sent(
    uow: Callable[[], UnitOfWork], who: dict[str, Any], count: int = 1, kind: str = "image"
) -> list[int]:
    """Attachment ids of `count` files (images by default) the customer `who` ({"channel",
    "external_id"}) sent in their conversation, as the hub stores them."""
    conversation_id = get_or_create_conversation(uow(), who["channel"], who["external_id"]).id
    with uow() as work:
        ids = []
        for _ in range(count):
            message = Message(
                conversation_id=conversation_id,
                direction="in",
                sender="customer",
                text="",
                status="received",
            )
            work.session.add(message)
            work.session.flush()
            attachment = Attachment(message_id=message.id, kind=kind, content_type="image/png")
            work.session.add(attachment)
            work.session.flush()
            ids.append(attachment.id)
        work.commit()
    return ids


def context(uow: Callable[[], UnitOfWork], now: datetime) -> ActionContext:
    """The context the tests give to actions: the test database and a fixed clock."""
    return ActionContext(uow=uow, timezone=TIMEZONE, clock=lambda: now)


def initial_slots() -> dict[str, Any]:
    slots = {name: spec.get("initial_value") for name, spec in DOMAIN["slots"].items()}
    slots.update(dict.fromkeys(HELPER_SLOTS))
    slots["requested_slot"] = None
    return slots


def sender_of(metadata: dict[str, Any] | None) -> str:
    """The Rasa sender id the hub gives a conversation whose metadata is `metadata`
    ("<channel>:<external id>", core/conversations.py); the web visitor's by default."""
    metadata = metadata or {}
    if metadata.get("channel") and metadata.get("external_id"):
        return f"{metadata['channel']}:{metadata['external_id']}"
    return "web:visitor-1"


def code_typed(
    uow: Callable[[], UnitOfWork], code: str, now: datetime, metadata: dict[str, Any] | None = None
) -> str:
    """What the hub does with a code typed in the chat (hub/codes.py): reads its digits,
    checks them through core for the conversation, then hands the form a payload without
    them (returned)."""
    channel, external_id = sender_identity(sender_of(metadata))
    conversation = get_or_create_conversation(uow(), channel, external_id)
    digits = find_code(code)
    assert digits is not None, f"the hub would not take {code!r} for a code"
    check_typed_code(uow(), conversation_id=conversation.id, code=digits, now=now)
    return CODE_PAYLOAD


def latest_message(
    text: str, intent: str, metadata: dict[str, Any] | None, entities: list[dict] | None = None
) -> dict[str, Any]:
    return {
        "intent": {"name": intent, "confidence": 1.0},
        "intent_ranking": [{"name": intent, "confidence": 1.0}],
        "entities": entities or [],
        "text": text,
        "metadata": metadata or {},
    }


def message_tracker(
    text: str,
    *,
    intent: str = "inform",
    metadata: dict[str, Any] | None = None,
    slots: dict[str, Any] | None = None,
    sender_id: str | None = None,
    entities: list[dict] | None = None,
) -> Tracker:
    """The tracker of a plain action run right after a user message."""
    sender_id = sender_id or sender_of(metadata)
    latest = latest_message(text, intent, metadata, entities)
    events = [{"event": "user", "timestamp": None, "text": text, "parse_data": latest}]
    values = {**initial_slots(), **(slots or {})}
    return Tracker(sender_id, values, latest, events, False, None, {}, "action_listen")


def form_tracker(
    form: str,
    *,
    slots: dict[str, Any] | None = None,
    candidates: dict[str, Any] | None = None,
    requested: str | None = None,
    text: str = "",
    intent: str = "inform",
    metadata: dict[str, Any] | None = None,
    activation: bool = False,
    sender_id: str | None = None,
) -> Tracker:
    """The tracker a form's validation action receives for one turn (or at activation)."""
    sender_id = sender_id or sender_of(metadata)
    candidates = candidates or {}
    latest = latest_message(text, intent, metadata)
    events = [
        {"event": "user", "timestamp": None, "text": text, "parse_data": latest},
        *([] if activation else [SlotSet("requested_slot", requested)]),
        {"event": "action", "timestamp": None, "name": form},
        *(SlotSet(name, value) for name, value in candidates.items()),
    ]
    values = {**initial_slots(), **(slots or {}), **candidates, "requested_slot": requested}
    loop = {"name": form, "is_interrupted": False, "rejected": False, "trigger_message": latest}
    return Tracker(sender_id, values, latest, events, False, None, loop, "action_listen")


async def run(action: Action, tracker: Tracker) -> tuple[list[dict], list[dict]]:
    """Run an action: (events, messages)."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, DOMAIN)
    return events, dispatcher.messages


def said(response: str, buttons: list[dict] | None = None, **kwargs: Any) -> dict[str, Any]:
    """The message `dispatcher.utter_message(response=..., buttons=..., **kwargs)` collects."""
    dispatcher = CollectingDispatcher()
    dispatcher.utter_message(response=response, buttons=buttons, **kwargs)
    return dispatcher.messages[0]


def responses(messages: list[dict]) -> list[str]:
    return [message["response"] for message in messages]
