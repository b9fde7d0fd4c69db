"""`/api/admin/answers`: admins read and edit the knowledge base (the answers the chatbot
gives to customers' questions). Every route requires role admin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from backoffice.api.deps import CoreDep
from backoffice.auth import CurrentAdmin
from core import answers, answers_admin
from core.answers import EntryView
from core.answers_admin import EntryInput

router = APIRouter(prefix="/api/admin/answers", tags=["answers"])
EntryId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topic: str = Field(min_length=2, max_length=40, description="hours, prices, ... or a new one")
    agency: str | None = Field(None, max_length=40, description="agency code; null: the group")
    keywords: list[str] = Field(
        min_length=1, max_length=answers_admin.MAX_KEYWORDS, description="French and English"
    )
    answer_fr: str | None = Field(None, max_length=answers_admin.ANSWER_MAX)
    answer_en: str | None = Field(None, max_length=answers_admin.ANSWER_MAX)
    active: bool = Field(True, description="false: kept, not used by the chatbot")

    def as_input(self) -> EntryInput:
        return EntryInput(**{**self.model_dump(), "keywords": tuple(self.keywords)})


class EntryOut(BaseModel):
    id: int
    topic: str
    agency: str | None
    keywords: list[str]
    answer_fr: str | None
    answer_en: str | None
    active: bool
    computed: bool


def entry_out(view: EntryView) -> EntryOut:
    return EntryOut(
        id=view.id,
        topic=view.topic,
        agency=view.agency_code,
        keywords=list(view.keywords),
        answer_fr=view.answer_fr,
        answer_en=view.answer_en,
        active=view.active,
        computed=view.computed,
    )


@router.get("", response_model=list[EntryOut])
async def list_answers(admin: CurrentAdmin, core: CoreDep) -> list[EntryOut]:
    """Every answer, deactivated ones included, by topic."""
    return [entry_out(view) for view in await core.run(answers.list_entries)]


@router.get("/{entry_id}", response_model=EntryOut)
async def get_answer(entry_id: EntryId, admin: CurrentAdmin, core: CoreDep) -> EntryOut:
    """One answer (404 unknown_entry)."""
    return entry_out(await core.run(answers.get_entry, entry_id))


@router.post("", response_model=EntryOut, status_code=201)
async def create_answer(body: EntryIn, admin: CurrentAdmin, core: CoreDep) -> EntryOut:
    """Add an answer (409 entry_exists; 422 with the reason for a wrong value)."""
    return entry_out(await core.run(answers_admin.create_entry, body.as_input()))


@router.put("/{entry_id}", response_model=EntryOut)
async def update_answer(
    entry_id: EntryId, body: EntryIn, admin: CurrentAdmin, core: CoreDep
) -> EntryOut:
    """Replace an answer's values."""
    return entry_out(await core.run(answers_admin.update_entry, entry_id, body.as_input()))


@router.delete("/{entry_id}", response_model=EntryOut)
async def delete_answer(entry_id: EntryId, admin: CurrentAdmin, core: CoreDep) -> EntryOut:
    """Remove an answer (to stop using it but keep it, PUT it with active false)."""
    return entry_out(await core.run(answers_admin.delete_entry, entry_id))
