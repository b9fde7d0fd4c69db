"""Reading a stored attachment for staff: the file a customer sent, found by its id only;
and which attachment ids really are images a conversation's customer sent.

The file's key comes from the database (written through core/file_store.py), never from a
request; the filesystem store still reads only inside its upload directory, so a tampered
row cannot make the app serve another file.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core.errors import NotFound
from core.file_store import FileStore
from core.files import ALLOWED_TYPES
from core.models import Attachment, Conversation, Message
from core.uow import UnitOfWork

# The text of a message that is only a file or a place (the bot needs a text): the channels
# write it, and staff see the attachment instead.
PHOTO_TEXT, DOCUMENT_TEXT, LOCATION_TEXT = "[photo]", "[document]", "[location]"
PLACEHOLDER_TEXTS = frozenset({PHOTO_TEXT, DOCUMENT_TEXT, LOCATION_TEXT})


@dataclass(frozen=True)
class StoredFile:
    data: bytes
    content_type: str  # an allowed type, else application/octet-stream
    inline: bool  # images and PDF may be shown in the browser


def stored_file(uow: UnitOfWork, attachment_id: int, store: FileStore) -> StoredFile:
    """The attachment's file; NotFound("unknown_attachment") when there is no such
    attachment, no stored file, or the store does not have it (a path outside the upload
    directory, a missing file)."""
    with uow:
        row = uow.session.get(Attachment, attachment_id)
        if row is None or not row.storage_path:
            raise NotFound("unknown_attachment", f"no stored file for attachment {attachment_id}")
        key, declared = row.storage_path, (row.content_type or "").lower()
    data = store.read(key)
    if data is None:
        raise NotFound("unknown_attachment", f"no stored file for attachment {attachment_id}")
    known = declared in ALLOWED_TYPES
    inline = known and (declared.startswith("image/") or declared == "application/pdf")
    return StoredFile(data, declared if known else "application/octet-stream", inline)


def images_sent_in(
    uow: UnitOfWork, channel: str, external_id: str, attachment_ids: list[int]
) -> list[int]:
    """The ids among `attachment_ids` that are images the customer sent in the conversation
    (`channel`, `external_id`), in the order given: an id from another conversation, or not
    an image, is left out (the actions get ids from message metadata: docs/security.md)."""
    if not attachment_ids:
        return []
    with uow:
        owned = set(
            uow.session.scalars(
                select(Attachment.id)
                .join(Message, Message.id == Attachment.message_id)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(
                    Attachment.id.in_(set(attachment_ids)),
                    Attachment.kind == "image",
                    Message.direction == "in",
                    Conversation.channel == channel,
                    Conversation.external_id == external_id,
                )
            )
        )
    return [i for i in dict.fromkeys(attachment_ids) if i in owned]
