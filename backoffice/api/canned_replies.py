"""The canned replies as the console reads them (advisors and admins; admins write them on
their page, backoffice/canned_pages.py).

`GET /api/handoffs/{request_id}/canned-replies` is what the console uses: the replies of the
conversation's language with their variables already filled on the server, where the
customer's next booking and vehicle are at hand (core/canned_fill.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from backoffice.api.deps import CoreDep
from backoffice.api.handoffs import RequestId
from backoffice.auth import ConversationStaff
from core import canned_replies, handoff
from core.canned_fill import replies_for_conversation
from core.canned_replies import CannedReplyView
from core.uow import UnitOfWork

router = APIRouter(tags=["canned replies"])


class CannedReplyOut(BaseModel):
    id: int
    shortcut: str
    language: str
    title: str
    text: str


def reply_out(view: CannedReplyView) -> CannedReplyOut:
    return CannedReplyOut(**view.__dict__)


@router.get("/api/canned-replies", response_model=list[CannedReplyOut])
async def list_canned_replies(
    staff: ConversationStaff,
    core: CoreDep,
    language: Annotated[
        Literal["fr", "en"] | None, Query(description="only this language's replies")
    ] = None,
) -> list[CannedReplyOut]:
    """The canned replies by shortcut, their variables as written."""
    return [reply_out(view) for view in await core.run(canned_replies.list_replies, language)]


@router.get("/api/handoffs/{request_id}/canned-replies", response_model=list[CannedReplyOut])
async def list_conversation_canned_replies(
    request_id: RequestId, staff: ConversationStaff, core: CoreDep
) -> list[CannedReplyOut]:
    """The replies of the conversation's language, their variables filled for its customer."""
    return [reply_out(view) for view in await core.read(_filled, request_id, core.now())]


def _filled(
    uow_factory: Callable[[], UnitOfWork], request_id: int, now: datetime
) -> list[CannedReplyView]:
    request = handoff.get_request(uow_factory(), request_id)
    return replies_for_conversation(uow_factory(), request.conversation_id, now)
