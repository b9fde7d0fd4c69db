"""`/api/handoffs`: the advisors' queue and conversations, as the console uses them.

Reads go to core through the shared loaders; every change goes through the hub, which
stores it first and then tells the customer and the consoles.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from backoffice.api.deps import CoreDep
from backoffice.auth import ConversationStaff
from backoffice.context_views import CustomerContextOut, context_out
from backoffice.handoff_views import (
    HandoffOut,
    NoteOut,
    load_closed,
    load_mine,
    load_queue,
    load_request,
    note_out,
)
from core import handoff, handoff_notes, handoff_transfer
from core.customer_context import customer_context
from hub import inbound as hub
from hub.inbound import HubDeps
from hub.topics import advisor_topic

router = APIRouter(prefix="/api/handoffs", tags=["handoffs"])

RequestId = Annotated[int, Path(ge=1, le=2**31 - 1, description="handoff request id")]


class RefuseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(default=None, max_length=500)


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=2000)


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    advisor_id: int = Field(ge=1, le=2**31 - 1)
    note: str | None = Field(default=None, max_length=2000, description="for the next advisor")


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=2000)


class TransferTargetOut(BaseModel):
    id: int
    name: str
    role: str
    conversations: int
    max_conversations: int
    available: bool = Field(description="switched on, console seen lately, under their maximum")


def _hub(request: Request) -> HubDeps:
    return request.app.state.hub


@router.get("/queue", response_model=list[HandoffOut])
async def get_queue(staff: ConversationStaff, core: CoreDep) -> list[HandoffOut]:
    """Pending requests, oldest first, with waiting time and the transcript so far."""
    return await core.read(load_queue, core.now())


@router.get("/mine", response_model=list[HandoffOut])
async def get_my_conversations(staff: ConversationStaff, core: CoreDep) -> list[HandoffOut]:
    """The signed-in advisor's conversations in progress, with their transcripts."""
    return await core.read(load_mine, staff.id, core.now())


@router.get("/closed", response_model=list[HandoffOut])
async def list_closed_conversations(
    staff: ConversationStaff,
    core: CoreDep,
    search: Annotated[
        str | None, Query(max_length=100, description="part of the customer's name or id")
    ] = None,
) -> list[HandoffOut]:
    """Closed conversations, latest first (50 at most), searchable by customer."""
    return await core.read(load_closed, search, core.now())


@router.get("/{request_id}", response_model=HandoffOut)
async def get_handoff(request_id: RequestId, staff: ConversationStaff, core: CoreDep) -> HandoffOut:
    """One request with its whole transcript."""
    return await core.read(load_request, request_id, core.now())


@router.get("/{request_id}/context", response_model=CustomerContextOut)
async def get_customer_context(
    request_id: RequestId, staff: ConversationStaff, core: CoreDep
) -> CustomerContextOut:
    """What to know about the request's customer: vehicles, upcoming bookings, open
    complaints and callbacks, earlier requests (what the chat knows when not identified)."""
    return context_out(await core.run(customer_context, request_id, core.now()))


@router.post("/{request_id}/accept", response_model=HandoffOut)
async def accept_handoff(
    request_id: RequestId, staff: ConversationStaff, core: CoreDep, request: Request
) -> HandoffOut:
    """Take a pending request; 409 `already_taken` when another advisor was quicker."""
    await hub.accept_request(_hub(request), request_id, staff.id)
    return await core.read(load_request, request_id, core.now())


@router.post("/{request_id}/refuse", response_model=HandoffOut)
async def refuse_handoff(
    request_id: RequestId,
    staff: ConversationStaff,
    core: CoreDep,
    request: Request,
    body: RefuseIn | None = None,
) -> HandoffOut:
    """Decline a pending request, with an optional reason; the bot carries on."""
    reason = body.reason if body else None
    await hub.refuse_request(_hub(request), request_id, staff.id, reason)
    return await core.read(load_request, request_id, core.now())


@router.post("/{request_id}/messages", response_model=HandoffOut, status_code=201)
async def send_message(
    request_id: RequestId,
    body: MessageIn,
    staff: ConversationStaff,
    core: CoreDep,
    request: Request,
) -> HandoffOut:
    """Send a message to the customer of a conversation you hold (2000 characters at most)."""
    await hub.advisor_send(_hub(request), request_id, staff.id, body.text)
    return await core.read(load_request, request_id, core.now())


@router.post("/{request_id}/close", response_model=HandoffOut)
async def close_handoff(
    request_id: RequestId, staff: ConversationStaff, core: CoreDep, request: Request
) -> HandoffOut:
    """End a conversation you hold; the bot answers the customer again."""
    await hub.close_request(_hub(request), request_id, staff.id)
    return await core.read(load_request, request_id, core.now())


@router.get("/{request_id}/transfer-targets", response_model=list[TransferTargetOut])
async def list_transfer_targets(
    request_id: RequestId, staff: ConversationStaff, core: CoreDep
) -> list[TransferTargetOut]:
    """The colleagues a conversation could go to, those who can take it now first."""
    targets = await core.run(handoff_transfer.transfer_targets, request_id, core.now())
    return [TransferTargetOut(**t.__dict__) for t in targets]


@router.post("/{request_id}/transfer", response_model=HandoffOut)
async def transfer_handoff(
    request_id: RequestId,
    body: TransferIn,
    staff: ConversationStaff,
    core: CoreDep,
    request: Request,
) -> HandoffOut:
    """Hand a conversation you hold to an available colleague under their maximum; 409
    `advisor_full`, `advisor_unavailable` or `conversation_moved` (someone moved it first)."""
    await hub.transfer_request(_hub(request), request_id, staff.id, body.advisor_id, body.note)
    return await core.read(load_request, request_id, core.now())


@router.post("/{request_id}/notes", response_model=NoteOut, status_code=201)
async def add_note(
    request_id: RequestId, body: NoteIn, staff: ConversationStaff, core: CoreDep, request: Request
) -> NoteOut:
    """A staff-only note in a conversation you hold (admins: any); never sent to the customer."""
    note = await core.run(handoff_notes.add_note, request_id, staff.id, body.text, core.now())
    view = await core.run(handoff.get_request, request_id)
    if view.advisor_id is not None:  # the holder's consoles show it (a colleague's, an admin's)
        event = {"type": "note", "request_id": request_id, "at": core.now().isoformat()}
        await _hub(request).bus.publish(advisor_topic(view.advisor_id), event)
    return note_out(note)
