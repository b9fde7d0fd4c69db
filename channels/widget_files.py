"""The widget's script for embedding: the stable `/widget.js`, the versioned built files and
the embed tag with their Subresource Integrity (channels/widget_package.py, docs/widget.md).

`/widget.js` is the current build (cached five minutes, so a new version reaches every site
within minutes) or, never built, the server's join (revalidated each time). The versioned
files never change under their name: cached for a year, immutable. Every one carries
`Access-Control-Allow-Origin: *`, which a `crossorigin="anonymous"` tag on a dealer's site
needs for the browser to check its integrity.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, PlainTextResponse, Response

from channels.http import CORS, http_error
from channels.script_bundle import widget_bundle
from channels.widget_package import BuiltWidget, built_widget, embed_tag

router = APIRouter(include_in_schema=False)

JS = "text/javascript; charset=utf-8"
MEDIA_TYPES = {".js": JS, ".css": "text/css; charset=utf-8", ".map": "application/json"}
STABLE_CACHE = "public, max-age=300"
VERSIONED_CACHE = "public, max-age=31536000, immutable"


def current_build(request: Request) -> BuiltWidget | None:
    return built_widget(request.app.state.settings.widget_dist)


@router.get("/widget.js")
@router.get("/static/widget.js")  # before the /static mount's raw file
async def get_widget_script(request: Request) -> Response:
    """The widget in one classic script: the built bundle, or the server's join."""
    built = current_build(request)
    if built is None:
        headers = {**CORS, "Cache-Control": "no-cache"}
        return Response(widget_bundle(), media_type=JS, headers=headers)
    headers = {**CORS, "Cache-Control": STABLE_CACHE}
    return FileResponse(built.directory / built.script, media_type=JS, headers=headers)


@router.get("/widget/dist/{name}")
async def get_built_file(request: Request, name: str) -> FileResponse:
    """A file of the current build by its versioned name (an older version's: 404)."""
    built = current_build(request)
    path = built.path(name) if built else None
    if path is None or not path.is_file():
        raise http_error(404, "not_found", "no such widget file")
    headers = {**CORS, "Cache-Control": VERSIONED_CACHE}
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=headers)


@router.get("/widget/embed")
async def get_embed_tag(request: Request) -> PlainTextResponse:
    """The tag to paste on a dealer's site: the versioned script with its integrity."""
    built = current_build(request)
    if built is None:
        raise http_error(404, "widget_not_built", "the widget is not built (make widget)")
    tag = embed_tag(public_origin(request), built)
    return PlainTextResponse(tag + "\n", headers={"Cache-Control": "no-cache"})


def public_origin(request: Request) -> str:
    """The server's public origin: PITLANE_PUBLIC_BASE_URL, else the request's."""
    base = getattr(request.app.state.settings, "public_base_url", None)
    return (base or str(request.base_url)).rstrip("/")
