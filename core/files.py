"""Uploaded files (pictures, documents, voice notes a customer sends): checked by their
first bytes, never by the type a client declares, and saved under a random key in the
configured store (core/file_store.py: a directory outside the web root, or the database)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import InvalidValue

if TYPE_CHECKING:
    from core.file_store import FileStore

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
DEFAULT_UPLOAD_DIR = Path("var/uploads")

# content type -> (file extension, attachment kind)
ALLOWED_TYPES = {
    "image/jpeg": (".jpg", "image"),
    "image/png": (".png", "image"),
    "image/webp": (".webp", "image"),
    "image/gif": (".gif", "image"),
    "application/pdf": (".pdf", "document"),
    "audio/ogg": (".ogg", "audio"),
}


def sniff_type(data: bytes) -> str | None:
    """The allowed content type the bytes really are, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"OggS"):
        return "audio/ogg"
    return None


def kind_of(content_type: str) -> str:
    """The attachment kind of an allowed content type."""
    return ALLOWED_TYPES[content_type][1]


def check_upload(data: bytes, content_type: str | None) -> str:
    """The allowed content type `data` really is.

    Refused (InvalidValue): empty, over 10 MiB, or bytes that are not one of the allowed
    types (`file_type_not_allowed`); a declared type that disagrees with the bytes
    (`file_type_mismatch`). The declared type may carry parameters (`audio/ogg; codecs=opus`).
    """
    if not data:
        raise InvalidValue("empty_file", "the file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidValue("file_too_large", f"the file is over {MAX_UPLOAD_BYTES} bytes")
    actual = sniff_type(data)
    if actual is None:
        raise InvalidValue("file_type_not_allowed", "only images, PDF and ogg audio are accepted")
    declared = (content_type or "").split(";")[0].strip().lower()
    declared = {"image/jpg": "image/jpeg", "application/octet-stream": ""}.get(declared, declared)
    if declared and declared != actual:
        raise InvalidValue("file_type_mismatch", f"declared {declared}, the file is {actual}")
    return actual


def store_upload(data: bytes, content_type: str | None, store: FileStore) -> tuple[str, int]:
    """Check `data` (`check_upload`) and save it in `store` under a new random key; returns
    (key, size). The key goes into the attachment's `storage_path`."""
    actual = check_upload(data, content_type)
    return store.save(data, actual), len(data)
