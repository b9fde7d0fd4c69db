"""The development outbox: SMS and e-mails (one-time codes) kept instead of sent, shown to
admins so the whole flow works without a provider (advisors may not read customers' codes).
Not found outside development."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from backoffice.api.deps import CoreDep
from backoffice.page_auth import AdminPage
from backoffice.staff_pages import page_lang
from backoffice.workshop_layout import timezone_of, workshop_page
from backoffice.workshop_texts import workshop_texts
from core.formatting import format_datetime
from core.notify import outbox_messages

router = APIRouter(prefix="/staff", include_in_schema=False)


@router.get("/outbox")
async def get_outbox(request: Request, core: CoreDep, session: AdminPage) -> Response:
    """The outbox, newest first (PITLANE_ENV=development only)."""
    # AdminPage is checked first: anonymous callers get the sign-in redirect, never a 404.
    if request.app.state.settings.env != "development":
        raise HTTPException(status_code=404)
    messages = await core.run(outbox_messages)
    lang = page_lang(request)
    t = workshop_texts(lang)
    zone = timezone_of(core)
    columns = [
        t["outbox_date"].format(zone=zone),
        t["outbox_transport"],
        t["outbox_to"],
        t["outbox_subject"],
        t["outbox_message"],
    ]
    rows = [{**m, "when": local_time(m["created_at"], zone, lang)} for m in messages]
    return workshop_page(
        request,
        session,
        "outbox.html",
        page="outbox",
        title_key="outbox_title",
        lead_key="outbox_lead",
        columns=columns,
        messages=rows,
    )


def local_time(moment: datetime, zone: str, language: str | None = None) -> str:
    """'19/11/2025 10:30:05' in `zone` (a naive time is taken as UTC)."""
    return format_datetime(moment, zone, language, seconds=True)
