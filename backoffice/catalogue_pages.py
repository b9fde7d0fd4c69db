"""The admin page of the test-ride catalogue (core/catalogue.py): list the models, add one,
edit one (which agencies have it included), deactivate, reactivate or delete it. Role admin
only; every form carries the session's CSRF token; no script."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from backoffice.api.deps import Core, CoreDep
from backoffice.auth import StaffSession, form_fields
from backoffice.catalogue_texts import catalogue_texts
from backoffice.page_auth import AdminPage
from backoffice.staff_pages import page_lang
from backoffice.views import Alert
from backoffice.workshop_layout import alerts, workshop_page
from backoffice.workshop_texts import code_text
from core import catalogue_admin
from core.agencies import AgencyView, list_agencies
from core.catalogue import ModelView, get_model, list_models
from core.catalogue_admin import ModelInput
from core.catalogue_tables import LICENCES, USAGES
from core.errors import InvalidValue, PitlaneError

router = APIRouter(prefix="/staff/admin/models", include_in_schema=False)

PATH = "/staff/admin/models"
ModelId = Annotated[int, Path(ge=1, le=2**31 - 1)]
TEXT_FIELDS = ("brand", "model", "usage", "licence", "engine_cc")
TEXT_FIELDS += ("description_fr", "description_en")


@router.get("")
async def get_models_page(request: Request, core: CoreDep, session: AdminPage) -> Response:
    """Admins: the catalogue and the form to add a model."""
    return await _list_page(request, core, session)


@router.post("")
async def post_model_form(request: Request, core: CoreDep, session: AdminPage) -> Response:
    """Add a model; a refused value shows the form again as typed, with the reason."""
    t = catalogue_texts(page_lang(request))
    fields = await form_fields(request)
    try:
        view = await core.run(catalogue_admin.create_model, _model_input(fields))
    except PitlaneError as exc:
        return await _list_page(request, core, session, _problem(t, exc), 422, fields)
    done = alerts((t["model_created"].format(name=view.name), "success"))
    return await _list_page(request, core, session, done)


@router.get("/{model_id}")
async def get_model_page(
    model_id: ModelId, request: Request, core: CoreDep, session: AdminPage
) -> Response:
    """One model's form (404 page for a model no longer in the catalogue)."""
    view = await core.run(get_model, model_id)
    return await _edit_page(request, core, session, view, _as_form(view))


@router.post("/{model_id}")
async def post_model_edit_form(
    model_id: ModelId, request: Request, core: CoreDep, session: AdminPage
) -> Response:
    """Save a model's values and agencies, then back to the catalogue."""
    t = catalogue_texts(page_lang(request))
    fields = await form_fields(request)
    try:
        view = await core.run(catalogue_admin.update_model, model_id, _model_input(fields))
    except PitlaneError as exc:
        current = await core.run(get_model, model_id)  # gone meanwhile: the 404 page
        return await _edit_page(request, core, session, current, fields, _problem(t, exc), 422)
    done = alerts((t["model_saved"].format(name=view.name), "success"))
    return await _list_page(request, core, session, done)


@router.post("/{model_id}/active")
async def post_model_active_form(
    model_id: ModelId, request: Request, core: CoreDep, session: AdminPage
) -> Response:
    """Deactivate (`active=0`) or reactivate (`active=1`) a model."""
    t = catalogue_texts(page_lang(request))
    active = (await form_fields(request)).get("active") == "1"
    view = await core.run(catalogue_admin.set_model_active, model_id, active)
    key = "model_activated" if active else "model_deactivated"
    return await _list_page(
        request, core, session, alerts((t[key].format(name=view.name), "success"))
    )


@router.post("/{model_id}/delete")
async def post_model_delete_form(
    model_id: ModelId, request: Request, core: CoreDep, session: AdminPage
) -> Response:
    """Delete a model from the catalogue."""
    t = catalogue_texts(page_lang(request))
    view = await core.run(catalogue_admin.delete_model, model_id)
    done = alerts((t["model_deleted"].format(name=view.name), "success"))
    return await _list_page(request, core, session, done)


# ---- reading the form -----------------------------------------------------------------


def _model_input(fields: dict[str, str]) -> ModelInput:
    """The form's values; agencies are the ticked `agency:<code>` boxes."""
    engine = fields.get("engine_cc", "").strip()
    if engine and (not engine.isdigit() or len(engine) > 5):
        raise InvalidValue("invalid_engine_cc", "a whole number is expected")
    return ModelInput(
        brand=fields.get("brand", ""),
        model=fields.get("model", ""),
        usage=fields.get("usage", ""),
        licence=fields.get("licence", ""),
        engine_cc=int(engine) if engine else None,
        electric=fields.get("electric") == "1",
        active=fields.get("active") == "1",
        description_fr=fields.get("description_fr"),
        description_en=fields.get("description_en"),
        agencies=tuple(
            name.removeprefix("agency:") for name in fields if name.startswith("agency:")
        ),
    )


def _as_form(view: ModelView) -> dict[str, str]:
    values = {
        "brand": view.brand,
        "model": view.model,
        "usage": view.usage,
        "licence": view.licence,
        "engine_cc": "" if view.engine_cc is None else str(view.engine_cc),
        "description_fr": view.description_fr or "",
        "description_en": view.description_en or "",
        "electric": "1" if view.electric else "",
        "active": "1" if view.active else "",
    }
    values.update({f"agency:{agency.code}": "1" for agency in view.agencies})
    return values


def _problem(t: dict[str, str], exc: PitlaneError) -> list[Alert]:
    return alerts((t["error_model"].format(message=code_text(t, exc.code, exc.message)), "error"))


# ---- view models ----------------------------------------------------------------------


@dataclass(frozen=True)
class ModelRow:
    id: int
    name: str
    description: str
    usage: str
    licence: str
    engine: str
    agencies: str
    status: str
    status_class: str
    active: bool


@dataclass(frozen=True)
class ModelForm:
    action: str
    form_name: str
    values: dict[str, str]


async def _list_page(
    request: Request,
    core: Core,
    session: StaffSession,
    alert: Sequence[Alert] = (),
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> Response:
    t = catalogue_texts(page_lang(request))
    models = await core.run(list_models)
    agencies = await core.run(list_agencies)
    blank = {"usage": "road", "licence": "A2", "active": "1"}
    columns = ("model", "usage", "licence", "engine", "agencies", "status", "actions")
    return _page(
        request,
        session,
        t,
        "models.html",
        alert,
        status,
        agencies,
        form=ModelForm(PATH, "create", typed or blank),
        columns=[t[f"model_col_{key}"] for key in columns],
        rows=[_row(view, t) for view in models],
    )


async def _edit_page(
    request: Request,
    core: Core,
    session: StaffSession,
    view: ModelView,
    values: dict[str, str],
    alert: Sequence[Alert] = (),
    status: int = 200,
) -> Response:
    t = catalogue_texts(page_lang(request))
    agencies = await core.run(list_agencies)
    return _page(
        request,
        session,
        t,
        "model_edit.html",
        alert,
        status,
        agencies,
        form=ModelForm(f"{PATH}/{view.id}", "edit", values),
        model_id=view.id,
        heading=t["model_edit_heading"].format(name=view.name),
    )


def _page(
    request: Request,
    session: StaffSession,
    t: dict[str, str],
    template: str,
    alert: Sequence[Alert],
    status: int,
    agencies: list[AgencyView],
    **context: Any,
) -> Response:
    return workshop_page(
        request,
        session,
        template,
        page="models",
        title_key="models_title",
        lead_key="models_lead",
        alerts=alert,
        status=status,
        texts=t,
        list_path=PATH,
        usage_choices=[(usage, t[f"usage_{usage}"]) for usage in USAGES],
        licence_choices=[(licence, t[f"licence_{licence}"]) for licence in LICENCES],
        agency_choices=[(agency.code, agency.name) for agency in agencies],
        **context,
    )


def _row(view: ModelView, t: dict[str, str]) -> ModelRow:
    engine = t["model_electric"] if view.electric else t["model_engine"].format(cc=view.engine_cc)
    agencies = ", ".join(agency.name for agency in view.agencies)
    if not view.active:
        status, status_class = t["model_inactive"], "badge-inactive"
    elif not view.agencies:
        status, status_class = t["model_no_agency"], "badge-open"
    else:
        status, status_class = t["model_offered"], "badge-done"
    return ModelRow(
        id=view.id,
        name=view.name,
        description=view.description_fr or "",
        usage=t[f"usage_{view.usage}"],
        licence=t[f"licence_{view.licence}"],
        engine=engine,
        agencies=agencies or "—",
        status=status,
        status_class=status_class,
        active=view.active,
    )
