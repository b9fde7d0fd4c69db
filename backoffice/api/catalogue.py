"""`/api/admin/models`: admins read and edit the test-ride catalogue (the models customers
can try and the agencies that have them). Every route requires role admin."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from backoffice.api.deps import CoreDep
from backoffice.auth import CurrentAdmin
from core import catalogue, catalogue_admin
from core.catalogue import ModelView
from core.catalogue_admin import ModelInput

router = APIRouter(prefix="/api/admin/models", tags=["catalogue"])
ModelId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class ModelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    brand: str = Field(min_length=1, max_length=catalogue_admin.BRAND_MAX)
    model: str = Field(min_length=1, max_length=catalogue_admin.MODEL_MAX)
    usage: Literal["road", "offroad", "sport"] = Field(description="sport = track")
    licence: Literal["A", "A2"] = Field(description="A2: a version an A2 licence allows")
    engine_cc: int | None = Field(
        None, ge=1, le=catalogue_admin.MAX_ENGINE_CC, description="null for an electric model"
    )
    electric: bool = False
    active: bool = Field(True, description="false: kept in the catalogue, not offered")
    description_fr: str | None = Field(None, max_length=catalogue_admin.DESCRIPTION_MAX)
    description_en: str | None = Field(None, max_length=catalogue_admin.DESCRIPTION_MAX)
    agencies: list[str] = Field(
        default_factory=list, max_length=100, description="codes of the agencies that have it"
    )

    def as_input(self) -> ModelInput:
        return ModelInput(**{**self.model_dump(), "agencies": tuple(self.agencies)})


class AgencyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from core's AgencyRef

    code: str
    name: str
    city: str


class ModelOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from core's ModelView

    id: int
    brand: str
    model: str
    usage: str
    licence: str
    engine_cc: int | None
    electric: bool
    active: bool
    description_fr: str | None
    description_en: str | None
    agencies: list[AgencyOut]


def model_out(view: ModelView) -> ModelOut:
    return ModelOut.model_validate(view)


@router.get("", response_model=list[ModelOut])
async def list_models(admin: CurrentAdmin, core: CoreDep) -> list[ModelOut]:
    """The whole catalogue, deactivated models included, by brand and model."""
    return [model_out(view) for view in await core.run(catalogue.list_models)]


@router.get("/{model_id}", response_model=ModelOut)
async def get_model(model_id: ModelId, admin: CurrentAdmin, core: CoreDep) -> ModelOut:
    """One model (404 unknown_model)."""
    return model_out(await core.run(catalogue.get_model, model_id))


@router.post("", response_model=ModelOut, status_code=201)
async def create_model(body: ModelIn, admin: CurrentAdmin, core: CoreDep) -> ModelOut:
    """Add a model (409 model_exists; 422 with the reason for a wrong value)."""
    return model_out(await core.run(catalogue_admin.create_model, body.as_input()))


@router.put("/{model_id}", response_model=ModelOut)
async def update_model(
    model_id: ModelId, body: ModelIn, admin: CurrentAdmin, core: CoreDep
) -> ModelOut:
    """Replace a model's values and the agencies that have it."""
    return model_out(await core.run(catalogue_admin.update_model, model_id, body.as_input()))


@router.delete("/{model_id}", response_model=ModelOut)
async def delete_model(model_id: ModelId, admin: CurrentAdmin, core: CoreDep) -> ModelOut:
    """Remove a model from the catalogue (to hide it but keep it, PUT it with active false)."""
    return model_out(await core.run(catalogue_admin.delete_model, model_id))
