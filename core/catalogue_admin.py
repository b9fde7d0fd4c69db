"""Admins edit the test-ride catalogue: add a model, change it (which agencies have it
included), deactivate it (customers no longer see it) or delete it.

Values are checked here (InvalidValue with a code); a brand and model already in the
catalogue, however written, is refused (Conflict `model_exists`), and the database's unique
(brand, model) holds when two admins add the same model at once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.catalogue import ModelView, get_model, name_key
from core.errors import Conflict, InvalidValue, NotFound
from core.models import LICENCES, USAGES, Agency, RideModel, RideModelAgency
from core.uow import UnitOfWork

BRAND_MAX = 60
MODEL_MAX = 80
DESCRIPTION_MAX = 300
MAX_ENGINE_CC = 3000


@dataclass(frozen=True)
class ModelInput:
    """A catalogue model as an admin gives it; `agencies` are agency codes."""

    brand: str
    model: str
    usage: str
    licence: str
    engine_cc: int | None
    electric: bool = False
    active: bool = True
    description_fr: str | None = None
    description_en: str | None = None
    agencies: tuple[str, ...] = ()


def check_model(data: ModelInput) -> ModelInput:
    """The input cleaned (spaces, licence case, empty descriptions), or InvalidValue."""
    brand, model = _one_line(data.brand), _one_line(data.model)
    if not brand:
        raise InvalidValue("empty_brand", "the brand is required")
    if len(brand) > BRAND_MAX:
        raise InvalidValue("brand_too_long", f"the brand has at most {BRAND_MAX} characters")
    if not model:
        raise InvalidValue("empty_model", "the model is required")
    if len(model) > MODEL_MAX:
        raise InvalidValue("model_too_long", f"the model has at most {MODEL_MAX} characters")
    if data.usage not in USAGES:
        raise InvalidValue("invalid_usage", "the usage is road, offroad or sport")
    licence = data.licence.strip().upper()
    if licence not in LICENCES:
        raise InvalidValue("invalid_licence", "the licence is A or A2")
    if data.electric and data.engine_cc is not None:
        raise InvalidValue("engine_cc_electric", "an electric model has no engine size")
    if not data.electric and data.engine_cc is None:
        raise InvalidValue("engine_cc_missing", "a model that is not electric has an engine size")
    if data.engine_cc is not None and not 1 <= data.engine_cc <= MAX_ENGINE_CC:
        raise InvalidValue("invalid_engine_cc", f"the engine size is 1 to {MAX_ENGINE_CC} cm3")
    return replace(
        data,
        brand=brand,
        model=model,
        licence=licence,
        description_fr=_description(data.description_fr),
        description_en=_description(data.description_en),
        agencies=tuple(dict.fromkeys(code.strip() for code in data.agencies if code.strip())),
    )


def create_model(uow: UnitOfWork, data: ModelInput) -> ModelView:
    """Add a model to the catalogue."""
    with uow:
        try:
            model_id = add_model(uow.session, data).id
            uow.commit()
        except IntegrityError as exc:
            raise _taken() from exc
    return get_model(uow, model_id)


def update_model(uow: UnitOfWork, model_id: int, data: ModelInput) -> ModelView:
    """Replace a model's values and its agencies; NotFound `unknown_model`."""
    data = check_model(data)
    with uow:
        row = _row(uow.session, model_id)
        _refuse_duplicate(uow.session, data, model_id)
        try:
            _write(uow.session, row, data)
            uow.commit()
        except IntegrityError as exc:
            raise _taken() from exc
    return get_model(uow, model_id)


def set_model_active(uow: UnitOfWork, model_id: int, active: bool) -> ModelView:
    """Show the model to customers again, or hide it (its values and agencies are kept)."""
    with uow:
        _row(uow.session, model_id).active = active
        uow.commit()
    return get_model(uow, model_id)


def delete_model(uow: UnitOfWork, model_id: int) -> ModelView:
    """Remove a model and its agencies from the catalogue; returns what was removed."""
    removed = get_model(uow, model_id)
    with uow:
        uow.session.execute(delete(RideModel).where(RideModel.id == model_id))
        uow.commit()
    return removed


def add_model(session: Session, data: ModelInput) -> RideModel:
    """Insert a checked model in the caller's transaction (the demo data uses it too)."""
    data = check_model(data)
    _refuse_duplicate(session, data, None)
    row = RideModel()
    _write(session, row, data)
    return row


def _write(session: Session, row: RideModel, data: ModelInput) -> None:
    agency_ids = _agency_ids(session, data.agencies)
    row.brand, row.model = data.brand, data.model
    row.usage, row.licence = data.usage, data.licence
    row.engine_cc, row.electric, row.active = data.engine_cc, data.electric, data.active
    row.description_fr, row.description_en = data.description_fr, data.description_en
    session.add(row)
    session.flush()
    session.execute(delete(RideModelAgency).where(RideModelAgency.model_id == row.id))
    session.add_all(RideModelAgency(model_id=row.id, agency_id=i) for i in agency_ids)
    session.flush()


def _agency_ids(session: Session, codes: tuple[str, ...]) -> list[int]:
    if not codes:
        return []
    rows = session.execute(select(Agency.code, Agency.id).where(Agency.code.in_(codes)))
    found = {code: agency_id for code, agency_id in rows}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise InvalidValue("unknown_agency", f"no agency {unknown[0]!r}")
    return [found[code] for code in codes]


def _refuse_duplicate(session: Session, data: ModelInput, model_id: int | None) -> None:
    """The same brand and model written differently ("MT07", "mt-07") is the same model."""
    wanted = (name_key(data.brand), name_key(data.model))
    for other_id, brand, model in session.execute(
        select(RideModel.id, RideModel.brand, RideModel.model)
    ):
        if other_id != model_id and (name_key(brand), name_key(model)) == wanted:
            raise Conflict("model_exists", f"{brand} {model} is already in the catalogue")


def _row(session: Session, model_id: int) -> RideModel:
    row = session.get(RideModel, model_id)
    if row is None:
        raise NotFound("unknown_model", f"no catalogue model {model_id}")
    return row


def _taken() -> Conflict:
    """The unique (brand, model) refused a model added at the same moment by someone else
    (the unit of work rolls back as the Conflict leaves it)."""
    return Conflict("model_exists", "this model is already in the catalogue")


def _one_line(text: str) -> str:
    return " ".join((text or "").split())


def _description(text: str | None) -> str | None:
    cleaned = " ".join((text or "").split())
    if len(cleaned) > DESCRIPTION_MAX:
        raise InvalidValue(
            "description_too_long", f"a description has at most {DESCRIPTION_MAX} characters"
        )
    return cleaned or None
