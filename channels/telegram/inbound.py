"""A Telegram message as the hub's `CustomerMessage`: its text, the file it carries (stored
with core `store_upload`) or the place it shares, built in one place (`customer_message`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from telegram import Document, Message, PhotoSize, User

from channels.telegram.send import CHANNEL
from core.attachments import DOCUMENT_TEXT, LOCATION_TEXT, PHOTO_TEXT
from core.errors import InvalidValue
from core.file_store import FileStore
from core.files import MAX_UPLOAD_BYTES, kind_of, sniff_type, store_upload
from hub.inbound import clean_text
from hub.messages import CustomerMessage, NewAttachment
from hub.work import off_loop

log = logging.getLogger(__name__)

# The text given to the hub for a file or a place sent without a caption.
PLACEHOLDERS = {"photo": PHOTO_TEXT, "document": DOCUMENT_TEXT, "location": LOCATION_TEXT}


def telegram_language(user: User | None) -> str | None:
    """'fr' or 'en' from the user's Telegram `language_code` ('fr-FR', 'en-GB'...), else None."""
    code = ((user.language_code if user else None) or "").lower()
    return next((lang for lang in ("fr", "en") if code.startswith(lang)), None)


def customer_message(
    user: User,
    text: str,
    attachment: NewAttachment | None = None,
    location: dict[str, float] | None = None,
) -> CustomerMessage:
    """What the user sent, as the hub takes it: cleaned text, their language, the place."""
    external_id = str(user.id)
    metadata: dict[str, Any] = {
        "channel": CHANNEL,
        "external_id": external_id,
        "language": telegram_language(user),
    }
    if location is not None:
        metadata["location"] = location
    attachments = (attachment,) if attachment is not None else ()
    return CustomerMessage(CHANNEL, external_id, clean_text(text), metadata, attachments)


@dataclass(frozen=True)
class TelegramFile:
    """A photo (its largest size) or a document a message carries, not yet downloaded."""

    kind: str  # "photo" or "document"
    source: PhotoSize | Document
    content_type: str | None
    filename: str | None


def file_of(message: Message) -> TelegramFile | None:
    """The photo or the document of `message`, None when it has neither."""
    if message.photo:
        return TelegramFile("photo", message.photo[-1], "image/jpeg", None)
    if message.document is not None:
        document = message.document
        return TelegramFile("document", document, document.mime_type, _readable(document.file_name))
    return None


def _readable(name: str | None) -> str | None:
    """A file name with any lone surrogate replaced (U+FFFD), as forms decode one: the file is
    kept, and the database can store its name (docs/security.md, "Bad text")."""
    if name is None:
        return None
    return name.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


async def stored_file(file: TelegramFile, store: FileStore) -> NewAttachment | None:
    """Download the file and store it (core checks its size and type); None when refused."""
    if (file.source.file_size or 0) > MAX_UPLOAD_BYTES:
        return None
    data = bytes(await (await file.source.get_file()).download_as_bytearray())
    try:
        path, size = await off_loop(store_upload, data, file.content_type, store)
    except InvalidValue as exc:
        log.info("telegram %s refused: %s", file.kind, exc.code)
        return None
    actual = sniff_type(data) or "application/octet-stream"  # store_upload checked it
    return NewAttachment(
        kind_of(actual),
        content_type=actual,
        filename=file.filename,
        storage_path=path,
        size=size,
    )


def place_of(message: Message) -> tuple[dict[str, float], NewAttachment] | None:
    """The place `message` shares: as the bot's `location` metadata and as an attachment."""
    if message.location is None:
        return None
    where = {"latitude": message.location.latitude, "longitude": message.location.longitude}
    return where, NewAttachment("location", **where)
