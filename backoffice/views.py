"""The Jinja2 environment of the web pages: every staff page, and the demo page, is a
template of backoffice/templates/ rendered with autoescape on, so nothing a customer or a
staff user typed becomes markup.

Values are escaped as `html.escape` does (`&quot;`, `&#x27;`), the entities the pages always
had; a template that names a value it was not given is an error, never an empty string.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from backoffice.auth import StaffSession
from backoffice.nav import staff_bar
from backoffice.texts import page_language, texts

TEMPLATES_DIR = Path(__file__).parent / "templates"
LOGIN_PATH = "/staff/login"
TOTP_PATH = "/staff/account/totp"


@dataclass(frozen=True)
class Alert:
    """One alert box of a page: its text and kind (error, success, info)."""

    text: str
    kind: str = "error"


def _escaped(value: object) -> Markup:
    """Every `{{ value }}`: markup as is, anything else escaped like `html.escape`."""
    if isinstance(value, Markup):
        return value
    return Markup(escape(str(value), quote=True))


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The one environment, created on first use (no file is read at import)."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_escaped,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(name: str, **context: Any) -> str:
    """The template `name` filled with `context`."""
    return environment().get_template(name).render(**context)


def html(
    name: str, status: int = 200, headers: dict[str, str] | None = None, **context: Any
) -> HTMLResponse:
    """The template `name` as an HTML answer."""
    return HTMLResponse(render(name, **context), status, headers=headers)


def staff_page(
    request: Request,
    session: StaffSession,
    template: str,
    *,
    current: str,
    title: str,
    t: dict[str, str],
    alerts: Iterable[Alert | None] = (),
    status: int = 200,
    connecting: str = "",
    **values: Any,
) -> HTMLResponse:
    """A signed-in staff page: `template` with the frame every such page shares (`lang`,
    the texts `t`, `title`, `csrf_token`, the top bar showing `title` with `current` marked
    in the menu, the `alerts` that are not None), then the page's own `values`."""
    return html(
        template,
        status,
        lang=page_language(request.headers.get("accept-language")),
        t=t,
        title=title,
        csrf_token=session.csrf_token,
        bar=staff_bar(request, session, current=current, title=title, connecting=connecting),
        alerts=[alert for alert in alerts if alert is not None],
        **values,
    )


class PageDenied(Exception):
    """A staff page refused: `reason` is "login", "totp_enrolment", "error_csrf" or
    "error_forbidden"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def error_page(request: Request, status: int, message_key: str, **fields: str) -> Response:
    """The staff error page with the text `message_key`, in the browser's language."""
    lang = page_language(request.headers.get("accept-language"))
    t = texts(lang)
    message = t[message_key].format(**fields)
    return html("error.html", status, lang=lang, t=t, title=t["error_title"], message=message)


async def page_denied_answer(request: Request, exc: Exception) -> Response:
    """The sign-in redirect, or the 403 page saying why."""
    assert isinstance(exc, PageDenied)
    if exc.reason == "login":
        return RedirectResponse(LOGIN_PATH, status_code=303)
    if exc.reason == "totp_enrolment":
        return RedirectResponse(TOTP_PATH, status_code=303)
    return error_page(request, 403, exc.reason)
