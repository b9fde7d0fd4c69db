"""`/api/admin/rooms`: admins create, rename, resize and delete chat rooms, read their
history, remove messages and ban customers. Every route requires role admin."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from backoffice.api.deps import CoreDep
from backoffice.auth import CurrentAdmin
from core import rooms
from core.rooms import MemberView, RoomMessageView, RoomView
from hub import rooms as rooms_hub
from hub.deps import HubDeps

router = APIRouter(prefix="/api/admin/rooms", tags=["rooms"])
RoomId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class RoomIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    capacity: int = Field(ge=1, le=rooms.MAX_CAPACITY)
    description: str | None = Field(None, max_length=1000)


class RoomPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=1000)
    capacity: int | None = Field(None, ge=1, le=rooms.MAX_CAPACITY)
    evict: bool = Field(
        False,
        description="lowering the capacity below the members: remove the latest arrivals "
        "(they are told); without it such a change is refused (409 capacity_below_members)",
    )


class BanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member_id: int | None = Field(None, ge=1)
    message_id: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def one_target(self) -> BanIn:
        if (self.member_id is None) == (self.message_id is None):
            raise ValueError("give exactly one of member_id and message_id")
        return self


class RoomOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from core's RoomView

    id: int
    name: str
    description: str | None
    capacity: int
    members: int
    status: str
    created_at: datetime
    deleted_at: datetime | None
    evicted: int = 0


class MemberOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from core's MemberView

    id: int
    display_name: str
    joined_at: datetime


class RoomMessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from core's RoomMessageView

    id: int
    author: str
    text: str
    created_at: datetime
    removed_at: datetime | None
    reports: int


def room_out(view: RoomView, evicted: int = 0) -> RoomOut:
    return RoomOut.model_validate(view).model_copy(update={"evicted": evicted})


def member_out(view: MemberView) -> MemberOut:
    return MemberOut.model_validate(view)


def message_out(view: RoomMessageView) -> RoomMessageOut:
    return RoomMessageOut.model_validate(view)


def _hub(request: Request) -> HubDeps:
    return request.app.state.hub


@router.get("", response_model=list[RoomOut])
async def list_rooms(admin: CurrentAdmin, core: CoreDep) -> list[RoomOut]:
    """Every room, open ones first, deleted ones kept for their history."""
    return [room_out(view) for view in await core.run(rooms.list_rooms)]


@router.post("", response_model=RoomOut, status_code=201)
async def create_room(body: RoomIn, request: Request, admin: CurrentAdmin) -> RoomOut:
    """A new open room (409 room_name_taken when an open room has that name)."""
    view = await rooms_hub.create(
        _hub(request),
        name=body.name,
        capacity=body.capacity,
        description=body.description,
        created_by=admin.id,
    )
    return room_out(view)


@router.patch("/{room_id}", response_model=RoomOut)
async def update_room(
    room_id: RoomId, body: RoomPatch, request: Request, admin: CurrentAdmin
) -> RoomOut:
    """Rename, describe, resize; `evicted` says how many members had to leave."""
    view, evicted = await rooms_hub.update(
        _hub(request),
        room_id,
        name=body.name,
        description=body.description,
        capacity=body.capacity,
        evict=body.evict,
    )
    return room_out(view, evicted)


@router.delete("/{room_id}", response_model=RoomOut)
async def delete_room(room_id: RoomId, request: Request, admin: CurrentAdmin) -> RoomOut:
    """Close the room: members are told, nothing can be posted; the history stays here."""
    return room_out(await rooms_hub.delete(_hub(request), room_id))


@router.get("/{room_id}/members", response_model=list[MemberOut])
async def list_members(room_id: RoomId, admin: CurrentAdmin, core: CoreDep) -> list[MemberOut]:
    """The room's members, first arrivals first."""
    return [member_out(m) for m in await core.run(rooms.room_members, room_id)]


@router.get("/{room_id}/messages", response_model=list[RoomMessageOut])
async def list_messages(
    room_id: RoomId, admin: CurrentAdmin, core: CoreDep
) -> list[RoomMessageOut]:
    """The history (also of a deleted room), removed messages and report counts included."""
    return [message_out(m) for m in await core.run(rooms.room_history, room_id)]


@router.delete("/{room_id}/messages/{message_id}", response_model=RoomMessageOut)
async def remove_message(
    room_id: RoomId,
    message_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    request: Request,
    admin: CurrentAdmin,
) -> RoomMessageOut:
    """Remove a message: customers no longer see it (their widgets drop it live)."""
    return message_out(await rooms_hub.remove_message(_hub(request), message_id, admin.id))


@router.post("/{room_id}/bans", response_model=RoomOut, status_code=201)
async def ban_customer(
    room_id: RoomId, body: BanIn, request: Request, admin: CurrentAdmin
) -> RoomOut:
    """Ban a member, or a message's author: they leave the room and cannot join again."""
    result = await rooms_hub.ban(
        _hub(request),
        room_id,
        member_id=body.member_id,
        message_id=body.message_id,
        staff_id=admin.id,
    )
    return room_out(result.room)
