"""Security headers on every answer; staff pages and the API docs are never framed; staff
answers never cached; HSTS in production."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Swagger UI and ReDoc (served only when PITLANE_API_DOCS=1, never in production) load their
# scripts from a CDN and run an inline one: their own policy allows that CDN, nothing else.
_DOCS_PATHS = ("/docs", "/redoc")
_DOCS_CDN = "https://cdn.jsdelivr.net"
DOCS_POLICY = "; ".join(
    [
        "default-src 'none'",
        f"script-src 'self' 'unsafe-inline' {_DOCS_CDN}",
        f"style-src 'self' 'unsafe-inline' {_DOCS_CDN} https://fonts.googleapis.com",
        "font-src https://fonts.gstatic.com",
        "img-src 'self' data: https://fastapi.tiangolo.com",
        "connect-src 'self'",
        "worker-src blob:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
HSTS = b"max-age=31536000; includeSubDomains"
# Staff pages (console, login, admin) and the API docs may not be framed (clickjacking).
_UNFRAMED_PATHS = ("/staff", *_DOCS_PATHS)
# Answers that carry staff data or secrets: never stored by a browser or a proxy.
_PRIVATE_PATHS = ("/staff", "/api/")


def tile_sources(tiles_url: str) -> tuple[str, ...]:
    """The CSP source of the widget map's tile server (`https://*.tile.example` for a
    `{s}.tile.example` template); none when the URL is not a plain http(s) one."""
    parts = urlsplit(tiles_url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not re.fullmatch(r"[a-z0-9.{}\-]+", host):
        return ()
    host = re.sub(r"^\{[a-z]\}\.", "*.", host)
    if "{" in host or "}" in host:
        return ()
    port = f":{parts.port}" if parts.port else ""
    return (f"{parts.scheme}://{host}{port}",)


def content_security_policy(
    host: str, frame_ancestors: str = "'self'", img_sources: tuple[str, ...] = ()
) -> str:
    """Same-origin everything (images also from `img_sources`: the map's tiles); WebSocket
    back to this host; framed by `frame_ancestors`."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            " ".join(["img-src 'self' data:", *img_sources]),
            "font-src 'self'",
            f"connect-src 'self' ws://{host} wss://{host}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors}",
        ]
    )


class SecurityHeaders:
    """ASGI middleware adding CSP, nosniff, referrer and permissions policies (and HSTS)."""

    def __init__(self, app: ASGIApp, img_sources: tuple[str, ...] = (), hsts: bool = False) -> None:
        self.app = app
        self.img_sources = img_sources
        self.hsts = hsts  # production: browsers keep to HTTPS for a year

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = _host(scope)
        path = scope["path"]
        docs = path.startswith(_DOCS_PATHS)
        unframed = path.startswith(_UNFRAMED_PATHS)
        private = path.startswith(_PRIVATE_PATHS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name == b"referrer-policy" for name, _ in headers):  # a page's own
                    headers.append((b"referrer-policy", b"strict-origin-when-cross-origin"))
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(self)"),
                ]
                if docs:
                    csp = DOCS_POLICY
                else:
                    ancestors = "'none'" if unframed else "'self'"
                    csp = content_security_policy(host, ancestors, self.img_sources)
                headers.append((b"content-security-policy", csp.encode("latin-1")))
                if self.hsts:
                    headers.append((b"strict-transport-security", HSTS))
                if unframed:
                    headers.append((b"x-frame-options", b"DENY"))
                if private and not any(name == b"cache-control" for name, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _host(scope: Scope) -> str:
    """This request's Host header if it is a plain host[:port], else 'localhost'."""
    for name, value in scope.get("headers", []):
        if name == b"host":
            host = value.decode("latin-1")
            if host and all(c.isalnum() or c in ".-:[]" for c in host):
                return host
    return "localhost"
