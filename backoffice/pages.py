"""`GET /`: the demo page of the fictional dealer network, with the widget embedded.

The agencies, the services they offer and the contact details come from the database, so
the page says what the assistant will offer."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from backoffice.api.deps import UowFactoryDep
from backoffice.views import render
from channels.widget_package import built_widget
from core.agencies import (
    AgencyView,
    ContactView,
    company_contact,
    list_agencies,
    list_services,
    services_by_agency,
)
from core.errors import NotFound
from core.i18n import messages

router = APIRouter(include_in_schema=False)
# The page's text is French: its language, title and description (the catalogues' "demo"
# context, in both languages) follow this one value.
PAGE_LANGUAGE = "fr"


def display_phone(phone: str) -> str:
    """French numbers as people write them: "+33 1 99 00 18 18" -> "01 99 00 18 18"."""
    compact = phone.replace(" ", "")
    if compact.startswith("+33") and len(compact) == 12 and compact[1:].isdigit():
        national = "0" + compact[3:]
        return "\u00a0".join(national[i : i + 2] for i in range(0, 10, 2))
    return phone


def tel_uri(phone: str) -> str:
    return "tel:" + phone.replace(" ", "")


@dataclass(frozen=True)
class AgencyCard:
    """One agency as the demo page shows it."""

    name: str
    address: str
    postcode: str
    city: str
    services: list[str]
    phone: str
    tel: str


@dataclass(frozen=True)
class ContactLine:
    email: str
    phone: str
    tel: str


def agency_card(agency: AgencyView, service_names: list[str]) -> AgencyCard:
    return AgencyCard(
        name=agency.name,
        address=agency.address,
        postcode=agency.postcode,
        city=agency.city,
        services=service_names,
        phone=display_phone(agency.phone),
        tel=tel_uri(agency.phone),
    )


def contact_line(contact: ContactView | None) -> ContactLine | None:
    if contact is None:
        return None
    return ContactLine(contact.email, display_phone(contact.phone), tel_uri(contact.phone))


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
    built = built_widget(request.app.state.settings.widget_dist)
    # The built, versioned bundle with its integrity (docs/widget.md), else the server's join.
    script = built.url(built.script) if built else "/widget.js"
    integrity = built.integrity[built.script] if built else None
    page = render(
        "index.html",
        lang=PAGE_LANGUAGE,
        t=messages("demo", PAGE_LANGUAGE),
        origin=origin,
        widget_src=origin + script,
        widget_integrity=integrity,
        agency_count=len(agencies),
        contact=contact_line(contact),
        agencies=[agency_card(a, offered.get(a.code, [])) for a in agencies],
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-cache"})
