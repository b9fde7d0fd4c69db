"""Handoff requests as the console and the JSON API show them, with their transcripts.

The loaders are synchronous (one unit of work each) and run in a worker thread; the JSON
API and the console socket share them so both always show the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from core import conversations, handoff
from core.attachments import PLACEHOLDER_TEXTS
from core.conversations import AttachmentView, MessageView
from core.handoff import HandoffView
from core.handoff_notes import NoteView, notes_of
from core.staff import StaffView
from core.uow import UnitOfWork

QUEUE_PREVIEW = 30  # messages of each pending request's transcript in the queue
TRANSCRIPT_LIMIT = 200

Role = Literal["customer", "bot", "advisor", "system"]


class AttachmentOut(BaseModel):
    id: int
    kind: str = Field(description="image, file or location")
    content_type: str | None = None
    url: str | None = Field(default=None, description="the staff-only file route (not places)")
    latitude: float | None = None
    longitude: float | None = None


class MessageOut(BaseModel):
    id: int
    role: Role = Field(description="who wrote it: customer, bot, advisor or system")
    sender: str
    text: str
    buttons: list[str] = Field(default_factory=list, description="titles of offered buttons")
    author: str | None = Field(default=None, description="the advisor's name on their messages")
    created_at: datetime
    attachments: list[AttachmentOut] = Field(
        default_factory=list, description="the customer's photos, files and places"
    )
    agencies: list[str] = Field(
        default_factory=list, description="the agencies the bot showed on its map"
    )


class NoteOut(BaseModel):
    """Staff-only: never shown to the customer."""

    id: int
    kind: Literal["note", "transfer"]
    text: str
    author_id: int | None
    author_name: str | None
    transferred_to: str | None = Field(default=None, description="a transfer's new advisor")
    created_at: datetime


def note_out(note: NoteView) -> NoteOut:
    return NoteOut(**{k: v for k, v in note.__dict__.items() if k != "request_id"})


class HandoffOut(BaseModel):
    id: int
    conversation_id: int
    channel: str
    external_id: str
    customer_name: str | None
    language: str | None
    status: str
    advisor_id: int | None
    advisor_name: str | None
    reason: str | None
    created_at: datetime
    accepted_at: datetime | None
    ended_at: datetime | None
    expires_at: datetime
    waiting_seconds: int = Field(description="waited so far (pending) or before the answer")
    transcript: list[MessageOut] | None = None
    ended_by: Literal["advisor", "customer"] | None = None
    rating: int | None = Field(default=None, description="the customer's 1-5, once rated")
    notes: list[NoteOut] | None = Field(default=None, description="staff-only notes, transfers")


class StaffOut(BaseModel):
    id: int
    email: str
    name: str
    role: str
    max_conversations: int
    available: bool
    last_seen_at: datetime | None


def staff_out(view: StaffView) -> StaffOut:
    return StaffOut(**view.__dict__)


def message_out(message: MessageView, attachments: Sequence[AttachmentView] = ()) -> MessageOut:
    payload: dict[str, Any] = message.payload or {}
    text = message.text
    title = payload.get("title")
    if message.direction == "in" and isinstance(title, str):
        text = title  # a button the customer pressed: show what it said, not its payload
    if message.direction == "in" and text in PLACEHOLDER_TEXTS and attachments:
        text = ""  # only files or a place: they are shown instead
    buttons = [
        b["title"]
        for b in payload.get("buttons") or []
        if isinstance(b, dict) and isinstance(b.get("title"), str)
    ]
    author = payload.get("author")
    return MessageOut(
        id=message.id,
        role=_role(message),
        sender=message.sender,
        text=text,
        buttons=buttons,
        author=author if isinstance(author, str) else None,
        created_at=message.created_at,
        attachments=[attachment_out(a) for a in attachments],
        agencies=agencies_shown(payload),
    )


def attachment_out(attachment: AttachmentView) -> AttachmentOut:
    located = attachment.kind == "location"
    return AttachmentOut(
        id=attachment.id,
        kind=attachment.kind,
        content_type=attachment.content_type,
        url=None if located else f"/staff/attachments/{attachment.id}",
        latitude=attachment.latitude if located else None,
        longitude=attachment.longitude if located else None,
    )


def agencies_shown(payload: dict[str, Any]) -> list[str]:
    """The agencies' names of a map the bot showed (`custom.agencies.items`)."""
    custom = payload.get("custom")
    agencies = custom.get("agencies") if isinstance(custom, dict) else None
    items = agencies.get("items") if isinstance(agencies, dict) else None
    if not isinstance(items, list):
        return []
    return [i["name"] for i in items if isinstance(i, dict) and isinstance(i.get("name"), str)]


def internal(message: MessageView) -> bool:
    """A payload the widget sent by itself (`/greet`, the language switch), not something
    the customer typed or clicked: not shown to staff."""
    title = (message.payload or {}).get("title")
    return message.direction == "in" and message.text.startswith("/") and not title


def transcript_out(uow: UnitOfWork, conversation_id: int, limit: int) -> list[MessageOut]:
    """The end of a conversation as staff read it: internal payloads left out, each
    message with its attachments."""
    messages = [m for m in conversations.transcript(uow, conversation_id, limit) if not internal(m)]
    files = conversations.attachments_by_message(
        uow, [m.id for m in messages if m.direction == "in"]
    )
    return [message_out(m, files.get(m.id, ())) for m in messages]


def _role(message: MessageView) -> Role:
    if message.direction == "in":
        return "customer"
    if message.sender == "bot":
        return "bot"
    if message.sender.startswith("advisor"):
        return "advisor"
    return "system"


def handoff_out(
    view: HandoffView,
    now: datetime,
    transcript: list[MessageOut] | None = None,
    notes: Sequence[NoteView] | None = None,
) -> HandoffOut:
    until = now if view.status == "pending" else (view.accepted_at or view.ended_at or now)
    waited = max(0, int((until - view.created_at).total_seconds()))
    return HandoffOut(
        id=view.id,
        conversation_id=view.conversation_id,
        channel=view.channel,
        external_id=view.external_id,
        customer_name=view.customer_name,
        language=view.language,
        status=view.status,
        advisor_id=view.advisor_id,
        advisor_name=view.advisor_name,
        reason=view.reason,
        created_at=view.created_at,
        accepted_at=view.accepted_at,
        ended_at=view.ended_at,
        expires_at=view.expires_at,
        waiting_seconds=waited,
        transcript=transcript,
        ended_by=view.ended_by,
        rating=view.rating,
        notes=None if notes is None else [note_out(n) for n in notes],
    )


UowFactory = Callable[[], UnitOfWork]


def load_queue(uow_factory: UowFactory, now: datetime) -> list[HandoffOut]:
    """Pending requests, oldest first, each with the end of its transcript."""
    with uow_factory() as uow:
        return [
            handoff_out(v, now, transcript_out(uow, v.conversation_id, QUEUE_PREVIEW))
            for v in handoff.pending_queue(uow)
        ]


def load_mine(uow_factory: UowFactory, advisor_id: int, now: datetime) -> list[HandoffOut]:
    """The advisor's conversations in progress, with their transcripts."""
    with uow_factory() as uow:
        views = handoff.advisor_conversations(uow, advisor_id)
        notes = notes_of(uow.session, [v.id for v in views])
        return [
            handoff_out(
                v, now, transcript_out(uow, v.conversation_id, TRANSCRIPT_LIMIT), notes[v.id]
            )
            for v in views
        ]


def load_closed(uow_factory: UowFactory, search: str | None, now: datetime) -> list[HandoffOut]:
    """Closed conversations, latest first, without transcripts (ask for one by id)."""
    with uow_factory() as uow:
        return [handoff_out(v, now) for v in handoff.closed_requests(uow, search)]


def load_request(uow_factory: UowFactory, request_id: int, now: datetime) -> HandoffOut:
    """One request with its transcript; NotFound when unknown."""
    with uow_factory() as uow:
        view = handoff.get_request(uow, request_id)
        transcript = transcript_out(uow, view.conversation_id, TRANSCRIPT_LIMIT)
        return handoff_out(view, now, transcript, notes_of(uow.session, [view.id])[view.id])
