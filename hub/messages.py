"""The hub's message shapes: what a provider adapter parses from its envelope
(`CustomerMessage`, with its `NewAttachment`s) and what it sends to the customer
(`OutgoingMessage`)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from core.unicode_text import INVALID_TEXT, encodable

MAX_MESSAGE_CHARS = 2000


def clean_text(text: str) -> str:
    """Strip surrounding blanks and control characters (newlines and tabs are kept)."""
    kept = (c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")
    return "".join(kept).strip()


def check_text(text: str) -> str | None:
    """Why a cleaned text cannot be processed ('invalid_text': a lone surrogate or other
    text UTF-8 cannot hold; 'empty_message', 'message_too_long') or None."""
    if not encodable(text):
        return INVALID_TEXT
    if not text:
        return "empty_message"
    if len(text) > MAX_MESSAGE_CHARS:
        return "message_too_long"
    return None


@dataclass(frozen=True)
class NewAttachment:
    """A file (already stored by core/files.py) or a place the customer's message carries;
    stored with the message, before the bot sees it."""

    kind: str  # core.models.ATTACHMENT_KINDS
    content_type: str | None = None
    filename: str | None = None
    storage_path: str | None = None
    size: int | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class CustomerMessage:
    """One customer message as a provider channel's adapter parsed it from its envelope:
    what it gives the hub (`hub.provider_turn.converse`)."""

    channel: str
    external_id: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    attachments: tuple[NewAttachment, ...] = ()


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Venue:
    """A place to show on a map (an agency): the bot sends it as the custom message
    `{"venue": {"latitude", "longitude", "title", "address"}}`; channels that cannot show a
    map (the widget, REST) pass it on or leave it out."""

    latitude: float
    longitude: float
    title: str
    address: str

    @classmethod
    def parse(cls, raw: object) -> Venue | None:
        """The venue of a custom message's `venue` value; None when it is not well-formed."""
        if not isinstance(raw, dict):
            return None
        lat, lon = raw.get("latitude"), raw.get("longitude")
        title, address = raw.get("title"), raw.get("address")
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lat, lon))
        if not (numbers and isinstance(title, str) and isinstance(address, str)):
            return None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return None
        return cls(float(lat), float(lon), title, address)


@dataclass(frozen=True)
class Link:
    """A document to open (a booking's calendar invite or PDF confirmation): the bot sends
    them as the custom message `{"links": [{"title", "url"}, ...]}` (actions/booking_links.py).
    The widget shows links; Telegram, WhatsApp and SMS show each title with its URL under
    it. A URL is absolute (http, https) or relative to the web app ("/documents/...")."""

    title: str
    url: str

    @classmethod
    def parse_all(cls, raw: object) -> list[Link]:
        """The well-formed links of a custom message's `links` value (others are skipped)."""
        if not isinstance(raw, list):
            return []
        links = []
        for item in raw:
            if not isinstance(item, dict):
                continue
            title, url = item.get("title"), item.get("url")
            if not (isinstance(title, str) and title and isinstance(url, str)):
                continue
            absolute = url.startswith(("https://", "http://"))
            if (absolute or (url.startswith("/") and not url.startswith("//"))) and all(
                c.isprintable() and not c.isspace() for c in url
            ):
                links.append(cls(title, url))
        return links


@dataclass(frozen=True)
class OutgoingMessage:
    """One bot, hub or advisor message for the customer, whatever the channel.

    `author` is set on an advisor's message only (their name); REST items then carry it as
    an `author` key, a Pitlane addition to Rasa's format.
    """

    text: str | None = None
    buttons: list[Button] = field(default_factory=list)
    image: str | None = None
    attachment: Any = None
    custom: Any = None
    author: str | None = None

    @property
    def venue(self) -> Venue | None:
        """The place this message shows, when it is the custom `{"venue": {...}}` message."""
        return Venue.parse(self.custom.get("venue")) if isinstance(self.custom, dict) else None

    @property
    def links(self) -> list[Link]:
        """The documents this message offers, when it is the custom `{"links": [...]}`."""
        return Link.parse_all(self.custom.get("links")) if isinstance(self.custom, dict) else []

    @classmethod
    def from_rasa(cls, data: dict[str, Any]) -> OutgoingMessage:
        """Build from one item of Rasa's REST channel answer; unknown keys are dropped."""
        text = data.get("text")
        image = data.get("image")
        author = data.get("author")
        return cls(
            text=text if isinstance(text, str) else None,
            buttons=parse_buttons(data.get("buttons")),
            image=image if isinstance(image, str) else None,
            attachment=data.get("attachment"),
            custom=data.get("custom"),
            author=author if isinstance(author, str) else None,
        )

    def to_rest(self, recipient_id: str) -> dict[str, Any]:
        """Rasa's REST channel item: keys without a value are left out, as Rasa does."""
        item: dict[str, Any] = {"recipient_id": recipient_id}
        if self.text is not None:
            item["text"] = self.text
        if self.image is not None:
            item["image"] = self.image
        if self.buttons:
            item["buttons"] = [{"title": b.title, "payload": b.payload} for b in self.buttons]
        if self.attachment is not None:
            item["attachment"] = self.attachment
        if self.custom is not None:
            item["custom"] = self.custom
        if self.author is not None:
            item["author"] = self.author
        return item

    def stored_payload(self) -> dict[str, Any] | None:
        """What is stored beside the text so a transcript can show the message again."""
        extra = self.to_rest("")
        extra.pop("recipient_id")
        extra.pop("text", None)
        return extra or None

    @classmethod
    def from_stored(cls, text: str | None, payload: dict[str, Any] | None) -> OutgoingMessage:
        """Rebuild a stored outbound message (inverse of `stored_payload`)."""
        return cls.from_rasa({**(payload or {}), "text": text})


def parse_buttons(raw: object) -> list[Button]:
    """Keep the well-formed {title, payload} buttons of a Rasa answer."""
    if not isinstance(raw, list):
        return []
    return [
        Button(title=item["title"], payload=item["payload"])
        for item in raw
        if isinstance(item, dict)
        and isinstance(item.get("title"), str)
        and isinstance(item.get("payload"), str)
    ]
