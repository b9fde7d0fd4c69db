"""Sending on WhatsApp and SMS through Twilio's Messages API; buttons become a numbered list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import anyio.to_thread
import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from hub.messages import OutgoingMessage
from hub.ports import PermanentSendError, TransientSendError


def numbered(message: OutgoingMessage) -> str:
    """The text a WhatsApp/SMS customer reads: buttons become a numbered list, a venue its
    address and a map link, a document link its title and URL."""
    parts = [message.text or ""]
    if message.buttons:
        parts.append("\n".join(f"{i}. {b.title}" for i, b in enumerate(message.buttons, 1)))
    venue = message.venue
    if venue is not None:
        link = f"https://maps.google.com/?q={venue.latitude},{venue.longitude}"
        parts.append(f"{venue.title}\n{venue.address}\n{link}")
    parts.extend(f"{link.title}\n{link.url}" for link in message.links)
    return "\n\n".join(part for part in parts if part).strip()


@dataclass
class TwilioSender:
    """Sends through Twilio's Messages API with the official client (in a worker thread)."""

    channel: str
    client: Client
    from_: str
    status_callback: str | None = None

    async def send(self, external_id: str, message: OutgoingMessage) -> str | None:
        body = numbered(message)
        media = [message.image] if message.image else []
        if not body and not media:
            return None  # nothing a customer can read (a bot's internal custom message)
        to = f"whatsapp:{external_id}" if self.channel == "whatsapp" else external_id
        values: dict[str, Any] = {"to": to, "from_": self.from_, "body": body}
        if media:
            values["media_url"] = media
        if self.status_callback:
            values["status_callback"] = self.status_callback
        try:
            created = await anyio.to_thread.run_sync(lambda: self.client.messages.create(**values))
        except TwilioRestException as exc:
            reason = f"{exc.status} {exc.code}: {exc.msg}"
            if exc.status == 429 or exc.status >= 500:
                raise TransientSendError(reason) from exc
            raise PermanentSendError(reason) from exc
        except (requests.RequestException, OSError, TwilioException) as exc:
            raise TransientSendError(f"{type(exc).__name__}: {exc}") from exc
        return created.sid
