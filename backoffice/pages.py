"""`GET /`: the demo page of the fictional dealer network, with the widget embedded.

The agencies, the services they offer and the contact details come from the database, so
the page says what the assistant will offer."""

from __future__ import annotations

import asyncio
from functools import lru_cache
from html import escape
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from backoffice.api.deps import UowFactoryDep
from core.agencies import (
    AgencyView,
    ContactView,
    company_contact,
    list_agencies,
    list_services,
    services_by_agency,
)
from core.errors import NotFound

TEMPLATES_DIR = Path(__file__).parent / "templates"
router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=8)
def _template(name: str) -> str:
    return (TEMPLATES_DIR / name).read_text(encoding="utf-8")


def display_phone(phone: str) -> str:
    """French numbers as people write them: "+33 1 99 00 18 18" -> "01 99 00 18 18"."""
    compact = phone.replace(" ", "")
    if compact.startswith("+33") and len(compact) == 12 and compact[1:].isdigit():
        national = "0" + compact[3:]
        return "\u00a0".join(national[i : i + 2] for i in range(0, 10, 2))
    return phone


def tel_uri(phone: str) -> str:
    return escape("tel:" + phone.replace(" ", ""), quote=True)


def render_agency(agency: AgencyView, service_names: list[str]) -> str:
    tags = "".join(f"<span>{escape(name)}</span>" for name in service_names)
    return (
        '          <article class="agency">\n'
        f"            <h3>{escape(agency.name)}</h3>\n"
        f'            <p class="agency-address">{escape(agency.address)}<br>'
        f"{escape(agency.postcode)} {escape(agency.city)}</p>\n"
        f'            <p class="tags">{tags}</p>\n'
        f'            <p class="agency-phone"><a href="{tel_uri(agency.phone)}">'
        f"{escape(display_phone(agency.phone))}</a></p>\n"
        "          </article>"
    )


def render_contact(contact: ContactView | None) -> str:
    if contact is None:
        return ""
    return (
        f'<a href="mailto:{escape(contact.email)}">{escape(contact.email)}</a> · '
        f'<a href="{tel_uri(contact.phone)}">{escape(display_phone(contact.phone))}</a>'
    )


def load_page_data(
    uow_factory,
) -> tuple[list[AgencyView], dict[str, list[str]], ContactView | None]:
    agencies = list_agencies(uow_factory())
    names = {s.code: s.name_fr for s in list_services(uow_factory())}
    offered = {
        code: [names[s] for s in services]
        for code, services in services_by_agency(uow_factory()).items()
    }
    try:
        contact = company_contact(uow_factory())
    except NotFound:
        contact = None
    return agencies, offered, contact


@router.get("/", response_class=HTMLResponse)
async def get_demo_page(request: Request, uow_factory: UowFactoryDep) -> HTMLResponse:
    """The demo page; the embed snippet shown on it points at this server."""
    agencies, offered, contact = await asyncio.to_thread(load_page_data, uow_factory)
    origin = str(request.base_url).rstrip("/")
    page = (
        _template("index.html")
        .replace("{{ origin }}", escape(origin, quote=True))
        .replace("{{ agency_count }}", str(len(agencies)))
        .replace("{{ contact }}", render_contact(contact))
        .replace(
            "{{ agencies }}",
            "\n".join(render_agency(a, offered.get(a.code, [])) for a in agencies),
        )
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-cache"})
