"""`GET /`: the demo page of the fictional dealer network, with the widget embedded."""

from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

TEMPLATES_DIR = Path(__file__).parent / "templates"
router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=8)
def _template(name: str) -> str:
    return (TEMPLATES_DIR / name).read_text(encoding="utf-8")


@router.get("/", response_class=HTMLResponse)
async def get_demo_page(request: Request) -> HTMLResponse:
    """The demo page; the embed snippet shown on it points at this server."""
    origin = str(request.base_url).rstrip("/")
    page = _template("index.html").replace("{{ origin }}", html.escape(origin, quote=True))
    return HTMLResponse(page, headers={"Cache-Control": "no-cache"})
