"""`/api/admin`: API tokens for scripts and the advisors' maximum of conversations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from backoffice.api.deps import CoreDep
from backoffice.auth import CurrentAdmin
from backoffice.handoff_views import StaffOut, staff_out
from core import staff as staff_core

router = APIRouter(prefix="/api/admin", tags=["admin"])


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100, description="what the token is for")


class TokenOut(BaseModel):
    name: str
    token: str = Field(description="shown once: only its hash is stored")


class StaffLimitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_conversations: int = Field(ge=1, le=staff_core.MAX_CONVERSATIONS_LIMIT)


@router.get("/staff", response_model=list[StaffOut])
async def list_staff_users(admin: CurrentAdmin, core: CoreDep) -> list[StaffOut]:
    """Every advisor and admin, with their availability and maximum."""
    return [staff_out(view) for view in await core.run(staff_core.list_staff)]


@router.post("/tokens", response_model=TokenOut, status_code=201)
async def create_token(body: TokenIn, admin: CurrentAdmin, core: CoreDep) -> TokenOut:
    """A new bearer token for `GET /api/bookings`; the answer is the only time it is shown."""
    token = await core.run(staff_core.create_api_token, name=body.name, created_by=admin.id)
    return TokenOut(name=" ".join(body.name.split()), token=token)


@router.put("/staff/{staff_id}", response_model=StaffOut)
async def set_staff_limit(
    staff_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: StaffLimitIn,
    admin: CurrentAdmin,
    core: CoreDep,
) -> StaffOut:
    """Set a staff user's maximum of conversations at once (their availability is kept)."""
    updated = await core.run(staff_core.set_max_conversations, staff_id, body.max_conversations)
    return staff_out(updated)
