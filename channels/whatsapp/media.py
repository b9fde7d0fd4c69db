"""The files a Twilio message carries (fetched with the account's credentials, capped, stored
by core/files.py) and what the hub stores with the message: those files and the place."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx

from channels.whatsapp.channel import WhatsAppChannel
from core import files
from core.errors import InvalidValue
from core.file_store import FileStore, in_database
from hub.messages import NewAttachment

log = logging.getLogger(__name__)

MAX_MEDIA = 5  # files taken from one message


@dataclass(frozen=True)
class Media:
    content_type: str
    path: str
    size: int


async def download_media(
    channel: WhatsAppChannel, params: dict[str, str], store: FileStore
) -> list[Media]:
    """The message's files, fetched with the account's credentials and saved in `store`;
    refused ones skipped."""
    try:
        count = min(int(params.get("NumMedia", "0") or 0), MAX_MEDIA)
    except ValueError:
        return []
    found: list[Media] = []
    if count <= 0:
        return found
    auth = (channel.account_sid, channel.auth_token)
    async with httpx.AsyncClient(
        transport=channel.media_transport, timeout=20.0, follow_redirects=True
    ) as client:
        for i in range(count):
            url = params.get(f"MediaUrl{i}", "")
            if not url.startswith("https://") and channel.media_transport is None:
                continue
            try:
                data = await fetch_capped(client, url, auth)
                declared = params.get(f"MediaContentType{i}")
                path, size = await anyio.to_thread.run_sync(
                    files.store_upload, data, declared, store
                )
            except (httpx.HTTPError, InvalidValue) as exc:
                log.warning("media %s refused: %s", i, exc)
                continue
            found.append(Media(files.sniff_type(data) or "", path, size))
    return found


async def fetch_capped(client: httpx.AsyncClient, url: str, auth: tuple[str, str]) -> bytes:
    """The file at `url`, refused once it grows over core's upload limit."""
    data = bytearray()
    async with client.stream("GET", url, auth=auth) as response:
        response.raise_for_status()
        async for chunk in response.aiter_bytes():
            data += chunk
            if len(data) > files.MAX_UPLOAD_BYTES:
                raise InvalidValue("file_too_large", "the file is over 10 MiB")
    return bytes(data)


def attachments(location: dict[str, Any] | None, media: list[Media]) -> list[NewAttachment]:
    """What the inbound message carries, stored with it by the hub."""
    found = [
        NewAttachment(
            kind=files.kind_of(item.content_type),
            content_type=item.content_type,
            filename=_file_name(item),
            storage_path=item.path,
            size=item.size,
        )
        for item in media
    ]
    if location is not None:
        found.append(
            NewAttachment(
                kind="location",
                filename=location["label"],
                latitude=location["latitude"],
                longitude=location["longitude"],
            )
        )
    return found


def _file_name(item: Media) -> str:
    """A name for staff to read: the stored file's random one (Twilio sends none)."""
    if in_database(item.path):
        return item.path.split(":", 1)[1] + files.ALLOWED_TYPES[item.content_type][0]
    return Path(item.path).name
