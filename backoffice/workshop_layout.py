"""What the workshop staff pages share: the page frame with the staff navigation, names of
agencies and services, dates in Paris time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import Request
from fastapi.responses import HTMLResponse

from backoffice.api.deps import Core
from backoffice.auth import StaffSession
from backoffice.nav import staff_bar
from backoffice.staff_pages import alert_box, html_page, page_lang
from backoffice.templating import Safe, render, void
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


def staff_page(
    request: Request,
    session: StaffSession,
    *,
    page: str,
    title_key: str,
    lead_key: str,
    content: Safe,
    alert: Safe | str = "",
    status: int = 200,
    head: str = "",
    texts: dict[str, str] | None = None,
) -> HTMLResponse:
    """One staff page in the staff frame (navigation, who is signed in, sign out); `head`,
    markup, goes into the document's head; `texts`: the page's strings when they are not
    the workshop pages' (title_key and lead_key are looked up there)."""
    lang = page_lang(request)
    t = texts or workshop_texts(lang)
    values = {
        "lang": lang,
        "page": page,
        "title": t[title_key],
        "lead": t[lead_key],
        "bar": staff_bar(request, session, current=page, title=t[title_key]),
        "head": Safe(head),
        "alert": alert,
        "content": content,
    }
    return html_page(render("staff_layout.html", values, t), status)


def alerts(*items: tuple[str, str]) -> Safe:
    """Several alert boxes: (text, kind) pairs, empty texts left out."""
    return Safe("".join(alert_box(text, kind) for text, kind in items if text))


def hidden(name: str, value: object) -> Safe:
    return element("input", type="hidden", name=name, value=value)


def element(element_name: str, /, **attributes: object) -> Safe:
    """A void element (input) with escaped attributes; True renders a bare attribute."""
    return void(element_name, **attributes)
