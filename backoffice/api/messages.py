"""`/api/messages`: outbound messages a push channel could not deliver, for the staff."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from backoffice.api.deps import CoreDep
from backoffice.auth import ConversationStaff
from core import conversations
from core.uow import UnitOfWork

router = APIRouter(prefix="/api/messages", tags=["messages"])


class FailedMessageOut(BaseModel):
    id: int
    conversation_id: int
    channel: str
    external_id: str
    text: str
    error: str | None
    created_at: datetime


def load_failed(uow_factory: Callable[[], UnitOfWork], limit: int) -> list[FailedMessageOut]:
    failed = conversations.failed_outbound(uow_factory(), limit)
    found: dict[int, conversations.ConversationView] = {}
    out = []
    for message in failed:
        if message.conversation_id not in found:
            found[message.conversation_id] = conversations.get_conversation(
                uow_factory(), message.conversation_id
            )
        conversation = found[message.conversation_id]
        out.append(
            FailedMessageOut(
                id=message.id,
                conversation_id=message.conversation_id,
                channel=conversation.channel,
                external_id=conversation.external_id,
                text=message.text,
                error=message.error,
                created_at=message.created_at,
            )
        )
    return out


@router.get("/failed", response_model=list[FailedMessageOut])
async def list_failed_messages(
    staff: ConversationStaff, core: CoreDep, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[FailedMessageOut]:
    """Outbound messages that could not be delivered, newest first, with the error."""
    return await core.read(load_failed, limit)
