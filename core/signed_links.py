"""Signed, expiring links to a customer's documents, and the registry of document kinds.

A token is `<kind>.<object id>.<expiry, unix seconds>.<signature>`, the signature an
HMAC-SHA256 of the first three parts with the secret PITLANE_DOCUMENT_LINK_SECRET, in
base64url. Nothing is stored: a token is valid while its signature matches and its expiry
has not passed. The public route GET /documents/{token} (webapp/documents.py) reads it and
asks the kind's renderer for the document.

Kinds register a renderer: `register_kind("invoice", render)` where
`render(uow, object_id) -> Document`. Another kind (a booking's .ics, a confirmation PDF) is
one more `register_kind` call at start-up.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.errors import InvalidLink, NotFound
from core.uow import UnitOfWork

KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
DEFAULT_TTL = timedelta(days=7)
MAX_TOKEN = 200


@dataclass(frozen=True)
class Document:
    filename: str
    media_type: str
    data: bytes


Renderer = Callable[[UnitOfWork, int], Document]
_renderers: dict[str, Renderer] = {}


def register_kind(kind: str, renderer: Renderer) -> None:
    """Serve documents of `kind` through `renderer` (registering a kind again replaces it)."""
    if not KIND_PATTERN.match(kind):
        raise ValueError(f"bad document kind {kind!r}")
    _renderers[kind] = renderer


def registered_kinds() -> tuple[str, ...]:
    return tuple(sorted(_renderers))


def make_token(
    secret: str, kind: str, object_id: int, now: datetime, ttl: timedelta = DEFAULT_TTL
) -> str:
    """A token opening the document `kind` #`object_id` until now + ttl."""
    if not KIND_PATTERN.match(kind) or object_id <= 0:
        raise ValueError("a document kind and a positive id")
    payload = f"{kind}.{object_id}.{int((now + ttl).timestamp())}"
    return f"{payload}.{_sign(secret, payload)}"


def read_token(secret: str, token: str, now: datetime, kind: str | None = None) -> tuple[str, int]:
    """(kind, object id) of a valid token; InvalidLink `invalid_link` when it is malformed,
    forged or of another kind than `kind`, `link_expired` when its time has passed."""
    parts = token.split(".") if len(token) <= MAX_TOKEN else []
    if len(parts) != 4 or not parts[1].isdigit() or not parts[2].isdigit():
        raise InvalidLink("invalid_link", "this link is not valid")
    payload = ".".join(parts[:3])
    if not hmac.compare_digest(_sign(secret, payload), parts[3]):
        raise InvalidLink("invalid_link", "this link is not valid")
    found_kind, object_id, expiry = parts[0], int(parts[1]), int(parts[2])
    if kind is not None and found_kind != kind:
        raise InvalidLink("invalid_link", "this link is not valid")
    if now.timestamp() >= expiry:
        raise InvalidLink("link_expired", "this link has expired: ask for a new one")
    return found_kind, object_id


def render(uow: UnitOfWork, secret: str, token: str, now: datetime) -> Document:
    """The document a valid token opens; InvalidLink, or NotFound for an unknown kind or
    object."""
    kind, object_id = read_token(secret, token, now)
    renderer = _renderers.get(kind)
    if renderer is None:
        raise NotFound("unknown_document_kind", f"no document of kind {kind}")
    return renderer(uow, object_id)


def _sign(secret: str, payload: str) -> str:
    if not secret:
        raise ValueError("no document link secret")
    digest = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
