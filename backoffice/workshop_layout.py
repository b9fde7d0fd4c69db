"""What the workshop staff pages share: the page frame with the staff navigation, names of
agencies and services, dates in Paris time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from backoffice.api.deps import Core
from backoffice.auth import StaffSession
from backoffice.staff_pages import page_lang
from backoffice.views import Alert, staff_page
from backoffice.workshop_texts import workshop_texts
from core import agencies
from core.agencies import ServiceView
from core.formatting import format_slot
from core.uow import UnitOfWork


@dataclass(frozen=True)
class Catalogue:
    """Agency names, services and which agency offers which service (has a calendar)."""

    agency_names: dict[str, str]
    services: dict[str, ServiceView]
    offered: dict[str, list[str]]

    def agency_name(self, code: str | None) -> str:
        return self.agency_names.get(code or "", code or "")

    def service_name(self, code: str, lang: str) -> str:
        service = self.services.get(code)
        if service is None:
            return code
        return service.name_en if lang == "en" else service.name_fr


def read_catalogue(uow_factory: object) -> Catalogue:
    make = uow_factory  # a callable returning units of work
    agency_list = agencies.list_agencies(make())  # type: ignore[operator]
    services = {s.code: s for s in agencies.list_services(make())}  # type: ignore[operator]
    offered = agencies.services_by_agency(make())  # type: ignore[operator]
    return Catalogue({a.code: a.name for a in agency_list}, services, offered)


async def catalogue(core: Core) -> Catalogue:
    return await core.read(read_catalogue)


def when(moment: datetime, uow_timezone: str, lang: str) -> str:
    """'lun. 24 nov. 09:00' in the configured time zone."""
    return format_slot(moment, uow_timezone, lang)


def timezone_of(core: Core) -> str:
    uow: UnitOfWork = core.uow_factory()
    return uow.timezone


def workshop_page(
    request: Request,
    session: StaffSession,
    template: str,
    *,
    page: str,
    title_key: str,
    lead_key: str,
    texts: dict[str, str] | None = None,
    **values: Any,
) -> HTMLResponse:
    """A staff page whose `template` extends staff_layout.html (a title and a lead above
    the content); `texts`: the page's strings when they are not the workshop pages' (title_key
    and lead_key are looked up there); `values`: the frame's options (alerts, status) and what
    the template shows."""
    t = texts or workshop_texts(page_lang(request))
    return staff_page(
        request,
        session,
        template,
        current=page,
        title=t[title_key],
        t=t,
        page=page,
        lead=t[lead_key],
        **values,
    )


def alerts(*items: tuple[str, str]) -> list[Alert]:
    """Several alert boxes: (text, kind) pairs, empty texts left out."""
    return [Alert(text, kind) for text, kind in items if text]
