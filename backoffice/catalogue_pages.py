"""The admin page of the test-ride catalogue (core/catalogue.py): list the models, add one,
edit one (which agencies have it included), deactivate, reactivate or delete it. Role admin
only; every form carries the session's CSRF token; no script."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from backoffice.api.deps import Core, CoreDep
from backoffice.auth import StaffSession, form_fields
from backoffice.catalogue_texts import catalogue_texts
from backoffice.staff_pages import page_lang, page_session
from backoffice.templating import Safe, render, tag
from backoffice.workshop_layout import alerts, element, hidden, staff_page
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
STYLE = '<link rel="stylesheet" href="/assets/catalogue-admin.css">'


@router.get("")
async def get_models_page(request: Request, core: CoreDep) -> Response:
    """Admins: the catalogue and the form to add a model."""
    session = await page_session(request, core, admin=True)
    if not isinstance(session, StaffSession):
        return session
    return await _list_page(request, core, session)


@router.post("")
async def post_model_form(request: Request, core: CoreDep) -> Response:
    """Add a model; a refused value shows the form again as typed, with the reason."""
    session = await page_session(request, core, admin=True, write=True)
    if not isinstance(session, StaffSession):
        return session
    t = catalogue_texts(page_lang(request))
    fields = await form_fields(request)
    try:
        view = await core.run(catalogue_admin.create_model, _model_input(fields))
    except PitlaneError as exc:
        return await _list_page(request, core, session, _problem(t, exc), 422, fields)
    done = alerts((t["model_created"].format(name=view.name), "success"))
    return await _list_page(request, core, session, done)


@router.get("/{model_id}")
async def get_model_page(model_id: ModelId, request: Request, core: CoreDep) -> Response:
    """One model's form (404 page for a model no longer in the catalogue)."""
    session = await page_session(request, core, admin=True)
    if not isinstance(session, StaffSession):
        return session
    view = await core.run(get_model, model_id)
    return await _edit_page(request, core, session, view, _as_form(view))


@router.post("/{model_id}")
async def post_model_edit_form(model_id: ModelId, request: Request, core: CoreDep) -> Response:
    """Save a model's values and agencies, then back to the catalogue."""
    session = await page_session(request, core, admin=True, write=True)
    if not isinstance(session, StaffSession):
        return session
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
async def post_model_active_form(model_id: ModelId, request: Request, core: CoreDep) -> Response:
    """Deactivate (`active=0`) or reactivate (`active=1`) a model."""
    session = await page_session(request, core, admin=True, write=True)
    if not isinstance(session, StaffSession):
        return session
    t = catalogue_texts(page_lang(request))
    active = (await form_fields(request)).get("active") == "1"
    view = await core.run(catalogue_admin.set_model_active, model_id, active)
    key = "model_activated" if active else "model_deactivated"
    return await _list_page(
        request, core, session, alerts((t[key].format(name=view.name), "success"))
    )


@router.post("/{model_id}/delete")
async def post_model_delete_form(model_id: ModelId, request: Request, core: CoreDep) -> Response:
    """Delete a model from the catalogue."""
    session = await page_session(request, core, admin=True, write=True)
    if not isinstance(session, StaffSession):
        return session
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


def _problem(t: dict[str, str], exc: PitlaneError) -> Safe:
    return alerts((t["error_model"].format(message=code_text(t, exc.code, exc.message)), "error"))


# ---- rendering ------------------------------------------------------------------------


async def _list_page(
    request: Request,
    core: Core,
    session: StaffSession,
    alert: Safe | str = "",
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> Response:
    t = catalogue_texts(page_lang(request))
    models = await core.run(list_models)
    agencies = await core.run(list_agencies)
    if models:
        head = "".join(
            tag("th", t[f"model_col_{key}"])
            for key in ("model", "usage", "licence", "engine", "agencies", "status", "actions")
        )
        rows = "".join(_row(view, session.csrf_token, t) for view in models)
        table = Safe(
            f'<div class="table-scroll"><table class="data-table model-table" data-models="list">'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
        )
    else:
        table = tag("p", t["models_empty"], class_="empty")
    blank = {"usage": "road", "licence": "A2", "active": "1"}
    form = _form(t, session.csrf_token, PATH, "create", typed or blank, agencies)
    content = Safe(
        tag("section", Safe(tag("h2", t["models_list"]) + table), class_="panel")
        + tag(
            "section",
            Safe(tag("h2", t["model_add_heading"], id="add-model") + form),
            class_="panel",
        )
    )
    return _page(request, session, t, content, alert, status)


async def _edit_page(
    request: Request,
    core: Core,
    session: StaffSession,
    view: ModelView,
    values: dict[str, str],
    alert: Safe | str = "",
    status: int = 200,
) -> Response:
    t = catalogue_texts(page_lang(request))
    agencies = await core.run(list_agencies)
    form = _form(t, session.csrf_token, f"{PATH}/{view.id}", "edit", values, agencies)
    heading = tag("h2", t["model_edit_heading"].format(name=view.name))
    # deleting is final: apart from the list, beside the advice to deactivate instead
    remove = _post_button(
        f"{PATH}/{view.id}/delete", session.csrf_token, t["model_delete"], "btn btn-danger"
    )
    delete_section = tag(
        "section",
        Safe(
            tag("h2", t["model_delete_heading"])
            + tag(
                "div",
                Safe(remove + tag("p", t["model_delete_hint"], class_="hint")),
                class_="model-delete",
            )
        ),
        class_="panel",
    )
    content = Safe(
        tag("section", Safe(heading + form), class_="panel", data_model_id=view.id) + delete_section
    )
    return _page(request, session, t, content, alert, status)


def _page(
    request: Request,
    session: StaffSession,
    t: dict[str, str],
    content: Safe,
    alert: Safe | str,
    status: int,
) -> Response:
    return staff_page(
        request,
        session,
        page="models",
        title_key="models_title",
        lead_key="models_lead",
        content=content,
        alert=alert,
        status=status,
        head=STYLE,
        texts=t,
    )


def _row(view: ModelView, csrf: str, t: dict[str, str]) -> str:
    name = Safe(
        tag("strong", view.name)
        + (
            tag("span", view.description_fr or "", class_="model-desc")
            if view.description_fr
            else ""
        )
    )
    engine = t["model_electric"] if view.electric else t["model_engine"].format(cc=view.engine_cc)
    agencies = ", ".join(agency.name for agency in view.agencies)
    if not view.active:
        status = tag("span", t["model_inactive"], class_="badge badge-inactive")
    elif not view.agencies:
        status = tag("span", t["model_no_agency"], class_="badge badge-open")
    else:
        status = tag("span", t["model_offered"], class_="badge badge-done")
    edit = tag("a", t["model_edit"], href=f"{PATH}/{view.id}", class_="btn btn-small btn-ghost")
    toggle = _post_button(
        f"{PATH}/{view.id}/active",
        csrf,
        t["model_deactivate" if view.active else "model_activate"],
        "btn btn-small btn-ghost",
        active="0" if view.active else "1",
    )
    cells = (
        tag("td", name),
        tag("td", t[f"usage_{view.usage}"]),
        tag("td", t[f"licence_{view.licence}"], class_="nowrap"),
        tag("td", engine, class_="nowrap"),
        tag("td", agencies or "—"),
        tag("td", status),
        tag("td", tag("div", Safe(edit + toggle), class_="model-actions")),
    )
    return str(
        tag(
            "tr",
            Safe("".join(cells)),
            data_model_id=view.id,
            data_active="true" if view.active else "false",
        )
    )


def _post_button(action: str, csrf: str, label: str, classes: str, **fields: str) -> Safe:
    inputs = hidden("csrf_token", csrf) + "".join(hidden(k, v) for k, v in fields.items())
    button = tag("button", label, class_=classes, type="submit")
    return tag("form", Safe(inputs + button), method="post", action=action, class_="inline-form")


def _form(
    t: dict[str, str],
    csrf: str,
    action: str,
    form_name: str,
    values: dict[str, str],
    agencies: list[AgencyView],
) -> Safe:
    def options(name: str, choices: tuple[str, ...], label: str) -> Safe:
        return Safe(
            "".join(
                tag(
                    "option",
                    t[f"{label}_{choice}"],
                    value=choice,
                    selected=values.get(name) == choice,
                )
                for choice in choices
            )
        )

    boxes = "".join(
        tag(
            "label",
            Safe(
                element(
                    "input",
                    type="checkbox",
                    name=f"agency:{agency.code}",
                    value="1",
                    checked=values.get(f"agency:{agency.code}") == "1",
                )
                + tag("span", agency.name)
            ),
            class_="check",
        )
        for agency in agencies
    )
    create = form_name == "create"
    buttons = tag(
        "button", t["model_create" if create else "model_save"], class_="btn", type="submit"
    )
    if not create:
        buttons = Safe(buttons + tag("a", t["model_back"], href=PATH, class_="btn btn-ghost"))
    fields = {name: values.get(name, "") for name in TEXT_FIELDS}
    form_values = {
        **fields,
        "action": action,
        "form_name": form_name,
        "csrf": csrf,
        "usage_options": options("usage", USAGES, "usage"),
        "licence_options": options("licence", LICENCES, "licence"),
        "electric_checked": Safe(" checked" if values.get("electric") == "1" else ""),
        "active_checked": Safe(" checked" if values.get("active") == "1" else ""),
        "agency_boxes": Safe(boxes),
        "buttons": buttons,
    }
    return Safe(render("staff_model_form.html", form_values, t))
