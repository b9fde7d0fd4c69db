"""The staff bookings list (issue 16, item 7): filters read from the query string (agency,
service, status, dates, a search), 50 bookings a page, the no-show action on started ones.
Server-rendered: the filters are a GET form, the pages links, the action a POST form."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse

from backoffice.api.deps import Core
from backoffice.auth import StaffSession
from backoffice.staff_pages import page_lang
from backoffice.views import Alert
from backoffice.workshop_layout import alerts, catalogue, timezone_of, workshop_page
from backoffice.workshop_texts import code_text, workshop_texts
from backoffice.workshop_views import booking_row
from core import customers
from core.booking_search import BOOKING_STATUSES, MAX_SEARCH_CHARS, BookingFilters, search_bookings
from core.errors import InvalidValue

PER_PAGE = 50
BOOKING_REFERENCE = re.compile(r"^[A-Za-z]{2}-[A-Za-z0-9]{1,12}$")
_COLUMNS = ("col_reference", "col_when", "col_agency", "col_service", "col_customer")
_COLUMNS += ("col_channel", "col_details", "col_status", "col_actions")


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _local_midnight(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


async def bookings_page(
    request: Request,
    core: Core,
    session: StaffSession,
    alert: Sequence[Alert] = (),
    status: int = 200,
) -> HTMLResponse:
    """The list as the query string filters it. No `from` at all: from now (what is coming);
    an empty `from`: any date; status "all": every status (confirmed by default)."""
    lang = page_lang(request)
    t = workshop_texts(lang)
    known = await catalogue(core)
    tz = timezone_of(core)
    query = request.query_params
    agency = query.get("agency") or None
    agency = agency if agency in known.agency_names else None
    service = query.get("service") or None
    service = service if service in known.services else None
    wanted = query.get("status") or "confirmed"
    chosen = wanted if wanted in BOOKING_STATUSES else None  # "all" or unknown: every status
    first, last = _date(query.get("from", "")), _date(query.get("to", ""))
    start = core.now() if "from" not in query else None
    if first is not None:
        start = _local_midnight(first, tz)
    text = (query.get("q") or "")[:MAX_SEARCH_CHARS].strip()
    page_number = int(query["page"]) if query.get("page", "").isdigit() else 1
    filters = BookingFilters(
        agency=agency,
        service=service,
        status=chosen,
        start_from=start,
        start_to=_local_midnight(last + timedelta(days=1), tz) if last else None,
        text=text or None,
    )
    try:
        found = await core.run(
            search_bookings, filters, page=max(1, min(page_number, 10**6)), per_page=PER_PAGE
        )
    except InvalidValue as exc:  # the form cannot send one; a hand-made URL can
        problem = alerts((code_text(t, exc.code, exc.message), "error"))
        found = await core.run(search_bookings, BookingFilters(start_from=core.now()))
        alert, status = [*alert, *problem], 422
    ids = [b.customer_id for b in found.bookings if b.customer_id is not None]
    contacts = await core.run(customers.contacts_of, ids)
    agencies = sorted(known.agency_names.items(), key=lambda item: item[1])
    services = [(code, known.service_name(code, lang)) for code in sorted(known.services)]
    statuses = [(s, t[f"booking_status_{s}"]) for s in BOOKING_STATUSES]
    kept = {key: value for key, value in query.items() if key != "page"}
    now = core.now()

    def page_link(number: int) -> str:
        return "/staff/bookings?" + urlencode({**kept, "page": str(number)})

    return workshop_page(
        request,
        session,
        "bookings.html",
        page="bookings",
        title_key="bookings_title",
        lead_key="bookings_lead",
        alerts=alert,
        status=status,
        agency_choices=[("", t["filter_all"]), *agencies],
        agency=agency,
        service_choices=[("", t["filter_all_services"]), *services],
        service=service,
        status_choices=[*statuses, ("all", t["filter_all_statuses"])],
        chosen_status=chosen or "all",
        day=first.isoformat() if first else "",
        last_day=last.isoformat() if last else "",
        search=text,
        search_max=MAX_SEARCH_CHARS,
        columns=[t[key] for key in _COLUMNS],
        rows=[booking_row(b, known, t, lang, tz, contacts, now) for b in found.bookings],
        total=t["bookings_total"].format(count=found.total, page=found.page, pages=found.pages),
        previous_page=page_link(found.page - 1) if found.page > 1 else "",
        next_page=page_link(found.page + 1) if found.page < found.pages else "",
        # the no-show form posts with the list's query string: the answer shows the same list
        list_query="?" + request.url.query if request.url.query else "",
    )
