"""The development outbox: SMS and e-mails (one-time codes) kept instead of sent, shown to
staff so the whole flow works without a provider. Not found outside development."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from backoffice.api.deps import CoreDep
from backoffice.staff_pages import html_page, page_lang, page_session
from backoffice.templating import Safe, render, tag
from backoffice.texts import texts
from core.notify import outbox_messages

router = APIRouter(prefix="/staff", include_in_schema=False)


@router.get("/outbox")
async def get_outbox(request: Request, core: CoreDep) -> Response:
    """The outbox, newest first (PITLANE_ENV=development only)."""
    # The session first: anonymous callers get the sign-in redirect like on every page.
    session = await page_session(request, core)
    if isinstance(session, Response):
        return session
    if request.app.state.settings.env != "development":
        raise HTTPException(status_code=404)
    messages = await core.run(outbox_messages)
    lang = page_lang(request)
    t = texts(lang)
    rows = Safe(
        "".join(
            tag(
                "tr",
                Safe(
                    tag("td", m["created_at"].strftime("%Y-%m-%d %H:%M:%S"))
                    + tag("td", m["transport"])
                    + tag("td", m["destination"])
                    + tag("td", m["subject"])
                    + tag("td", m["body"])
                ),
            )
            for m in messages
        )
        or tag("tr", tag("td", t["outbox_empty"], colspan=5))
    )
    return html_page(render("staff_outbox.html", {"lang": lang, "rows": rows}, t))
