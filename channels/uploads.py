"""The widget's picture upload: `POST /api/chat/upload` (multipart/form-data).

The widget's token as `Authorization: Bearer` (channels/widget_auth.py); fields: one to
`MAX_FILES` parts named `file`, an optional `text` (a caption) and `lang`. Only images are
taken, checked by their first bytes (a renamed program is refused and nothing is stored);
the whole body is capped at 10 MiB (refused from its Content-Length, or while it streams in).
The files are saved in the upload store under random keys (core/file_store.py), recorded as
the attachments of one inbound message of the visitor's conversation, and the hub's turn runs
with them (`attachments` metadata to the bot); the answers come back in the response, as the
widget's socket frames: `{"messages": [{"type": "bot", "text", ...}]}`.
Only from the app's or a widget site's origin (403 `forbidden_origin`); rate-limited per
visitor and per IP (429 `rate_limited` + Retry-After; nothing stored).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from channels.http import CORS, check_origin, client_ip, http_error, over_limit_error, read_capped
from channels.web import widget_frame
from channels.widget_auth import WidgetCustomer
from core import conversations, i18n
from core.attachments import PHOTO_TEXT
from core.file_store import FileStore
from core.files import MAX_UPLOAD_BYTES, kind_of, sniff_type, store_upload
from hub.deps import HubDeps
from hub.inbound import check_text, clean_text, handle_customer_message
from hub.limits import CustomerOverLimit, count_customer_action
from hub.store import NewAttachment
from hub.texts import normalise_language, say
from hub.work import off_loop

log = logging.getLogger(__name__)

router = APIRouter(tags=["channels"])

CHANNEL = "web"
MAX_FILES = 5
MAX_BODY_BYTES = MAX_UPLOAD_BYTES  # every file of one upload together
MAX_FIELD_BYTES = 8 * 1024  # text, lang
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
PLACEHOLDER = PHOTO_TEXT  # the text the bot gets for pictures sent without a caption
_BOUNDARY = re.compile(r'boundary="?([0-9A-Za-z\'()+_,\-./:=? ]{1,70})"?', re.I)
_PARAM = re.compile(r';\s*([a-z*]+)="((?:[^"\\]|\\.)*)"', re.I)


# The refusals a visitor can meet are said in their language (the widget shows them); those
# of a request no widget sends (no multipart, no token) stay English, for developers.
def _text(key: str, language: str | None) -> str:
    """A refusal the widget shows the visitor (the `uploads` context of the catalogues)."""
    return i18n.text("uploads", key, language, count=MAX_FILES)


@dataclass(frozen=True)
class Part:
    """One part of a multipart/form-data body."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes


@router.post(
    "/api/chat/upload",
    summary="The widget's picture upload",
    description=(
        "`Authorization: Bearer <widget token>`; multipart/form-data: 1-5 `file` parts "
        "(JPEG, PNG, WebP or GIF, checked by content; 10 MiB in all), optional `text` and "
        '`lang`. Answers `{"messages": [...]}`: the bot\'s answers as widget frames.'
    ),
)
async def post_chat_upload(request: Request, customer_key: WidgetCustomer) -> JSONResponse:
    language = normalise_language(request.query_params.get("lang"))
    check_origin(request, language)
    content_type = request.headers.get("content-type", "")
    boundary = _BOUNDARY.search(content_type)
    if not content_type.lower().startswith("multipart/form-data") or boundary is None:
        raise _reject(415, "multipart_expected", "send multipart/form-data with a boundary")
    try:
        body = await read_capped(request, MAX_BODY_BYTES + MAX_FIELD_BYTES)
    except HTTPException as exc:  # too large: said in the visitor's language
        if exc.status_code == 413:
            raise _reject(413, "file_too_large", _text("too_large", language)) from None
        raise
    parts = parse_multipart(body, boundary.group(1).encode("latin-1"))
    fields = {p.name: p.data for p in parts if p.filename is None}
    language = normalise_language(_field(fields, "lang")) or language
    files = [p for p in parts if p.name == "file" and p.filename is not None]
    if not files:
        raise _reject(422, "missing_file", "send at least one part named 'file'")
    if len(files) > MAX_FILES:
        raise _reject(422, "too_many_files", _text("too_many_files", language))
    text = clean_text(_field(fields, "text") or "") or PLACEHOLDER
    problem = check_text(text)
    if problem is not None:
        raise _reject(422, problem, say(problem, language))
    for part in files:  # every file is checked before any is stored
        _check_image(part, language)

    hub: HubDeps = request.app.state.hub
    known = await off_loop(
        lambda: conversations.find_conversation(hub.uow_factory(), CHANNEL, customer_key)
    )
    if known is None:  # the widget opens its conversation over the socket first
        raise _reject(404, "unknown_visitor", _text("unknown_visitor", language))
    try:  # over the limit: nothing is saved, stored or sent to the bot
        await count_customer_action(hub, "upload", CHANNEL, customer_key, client_ip(request))
    except CustomerOverLimit as over:
        raise over_limit_error(over, language) from None
    stored = await off_loop(_store_all, files, hub.files)
    try:
        answers = await handle_customer_message(
            hub,
            CHANNEL,
            customer_key,
            text,
            {"language": language, "client_ip": client_ip(request)},
            attachments=stored,
        )
    except Exception:
        await off_loop(_remove, stored, hub.files)  # not recorded: nothing stays stored for it
        raise
    log.info("web upload: %d picture(s)", len(stored))
    frames = [widget_frame("advisor" if a.author else "bot", a) for a in answers]
    return JSONResponse({"messages": frames}, headers=CORS)


def _reject(status: int, code: str, message: str) -> HTTPException:
    """A refused upload the widget can read from another site (CORS)."""
    return http_error(status, code, message, headers=CORS)


def _check_image(part: Part, language: str | None) -> None:
    if not part.data:
        raise _reject(422, "empty_file", _text("empty_file", language))
    if len(part.data) > MAX_UPLOAD_BYTES:
        raise _reject(413, "file_too_large", _text("too_large", language))
    if sniff_type(part.data) not in IMAGE_TYPES:
        log.info("web upload refused: not an image")
        raise _reject(415, "file_type_not_allowed", _text("not_an_image", language))


def _store_all(files: list[Part], store: FileStore) -> list[NewAttachment]:
    """Save every file in the upload store (random keys); all or none stay."""
    stored: list[NewAttachment] = []
    try:
        for part in files:
            actual = sniff_type(part.data) or ""
            # The declared type is not trusted (a browser may say octet-stream): the bytes say.
            path, size = store_upload(part.data, actual, store)
            stored.append(
                NewAttachment(
                    kind=kind_of(actual),
                    content_type=actual,
                    filename=_safe_name(part.filename),
                    storage_path=path,
                    size=size,
                )
            )
    except Exception:
        _remove(stored, store)
        raise
    return stored


def _remove(stored: list[NewAttachment], store: FileStore) -> None:
    keys = [item.storage_path for item in stored if item.storage_path]
    try:
        store.remove(keys)
    except Exception:  # an orphan file harms no one: the error that brought us here matters
        log.warning("could not remove %d stored upload(s)", len(keys), exc_info=True)


def _safe_name(filename: str | None) -> str | None:
    """The name the visitor's file had, for staff to read (never used as a path)."""
    if not filename:
        return None
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip()
    return name[:255] or None


def _field(fields: dict[str, bytes], name: str) -> str | None:
    value = fields.get(name)
    if value is None or len(value) > MAX_FIELD_BYTES:
        return None
    return value.decode("utf-8", errors="replace")


def parse_multipart(body: bytes, boundary: bytes) -> list[Part]:
    """The parts of a multipart/form-data body (RFC 7578); malformed parts are skipped."""
    parts: list[Part] = []
    delimiter = b"--" + boundary
    chunks = body.split(delimiter)
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):  # the closing delimiter
            break
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk
        head, separator, data = chunk.partition(b"\r\n\r\n")
        if not separator:
            continue
        if data.endswith(b"\r\n"):
            data = data[:-2]
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", errors="replace").split("\r\n"):
            key, colon, value = line.partition(":")
            if colon:
                headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        if not disposition.lower().startswith("form-data"):
            continue
        params = {k.lower(): v.replace('\\"', '"') for k, v in _PARAM.findall(disposition)}
        if "name" not in params:
            continue
        parts.append(
            Part(params["name"], params.get("filename"), headers.get("content-type"), data)
        )
    return parts
