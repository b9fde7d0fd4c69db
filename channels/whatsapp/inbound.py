"""One inbound WhatsApp/SMS form as one customer message: the keywords first (STOP / START
for every proactive message, STOP winning over everything; then, on WhatsApp, OFFRES /
OFFERS and OFFRES STOP / OFFERS STOP for commercial offers, answered in the keyword's
language), else the shared place, the files and a numbered choice, then the hub."""

from __future__ import annotations

import logging
import re
from typing import Any

from channels.whatsapp.channel import WhatsAppChannel
from channels.whatsapp.media import Media, attachments, download_media
from core import conversations, files, i18n
from core.errors import InvalidValue
from core.parsing import match_choice, normalize
from hub import store
from hub.deps import HubDeps, StoreUnavailable
from hub.inbound import clean_text
from hub.messages import Button, CustomerMessage, OutgoingMessage
from hub.offers import answer_offers
from hub.provider_turn import answer_directly, converse
from hub.work import off_loop

log = logging.getLogger(__name__)

STOP_WORDS = frozenset({"STOP", "STOPALL", "ARRET", "UNSUBSCRIBE"})
START_WORDS = frozenset({"START", "UNSTOP"})
# commercial offers: the keyword -> (subscribed, the language to answer in)
OFFERS_WORDS = {
    "OFFRES": (True, "fr"),
    "OFFRE": (True, "fr"),
    "OFFERS": (True, "en"),
    "OFFER": (True, "en"),
    "OFFRES STOP": (False, "fr"),
    "OFFRE STOP": (False, "fr"),
    "STOP OFFRES": (False, "fr"),
    "OFFERS STOP": (False, "en"),
    "OFFER STOP": (False, "en"),
    "STOP OFFERS": (False, "en"),
}
_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")


async def process_inbound(
    hub: HubDeps, channel: WhatsAppChannel, kind: str, external_id: str, params: dict[str, str]
) -> None:
    """Opt-out words, media and location, numbered choices; then the hub and delivery."""
    try:
        await _process(hub, channel, kind, external_id, params)
    except StoreUnavailable:
        log.error("inbound %s message lost: store unavailable", kind)
    except Exception:
        log.exception("inbound %s message failed", kind)


async def _process(
    hub: HubDeps, channel: WhatsAppChannel, kind: str, external_id: str, params: dict[str, str]
) -> None:
    body = clean_text(params.get("Body", ""))
    word = normalize(body).upper()
    if word in STOP_WORDS or word in START_WORDS:
        await _opt(hub, kind, external_id, body, opted_out=word in STOP_WORDS)
        return
    offers = OFFERS_WORDS.get(word.strip(" .!")) if kind == "whatsapp" else None
    if offers is not None:
        subscribed, language = offers
        await answer_offers(
            hub, kind, external_id, body, subscribed, language, reply_language=language
        )
        return
    message = await customer_message(hub, channel, kind, external_id, body, params)
    if message is not None:
        await converse(hub, message)


async def customer_message(
    hub: HubDeps,
    channel: WhatsAppChannel,
    kind: str,
    external_id: str,
    body: str,
    params: dict[str, str],
) -> CustomerMessage | None:
    """The form as the hub's customer message: its text (or what stands for a place or a
    file), a numbered choice turned into its payload, the place and the files; None when it
    carries nothing."""
    location = _location(params)
    media = await download_media(channel, params, hub.files)
    text = body or _placeholder(location, media)
    if not text:
        return None
    conversation = await off_loop(
        conversations.get_or_create_conversation, hub.uow_factory(), kind, external_id
    )
    offer = await off_loop(store.pending_offer, hub.uow_factory, conversation.id)
    text = chosen_payload(text, offer) or text
    metadata: dict[str, Any] = {"language": None}
    if location is not None:
        metadata["location"] = location
    found = tuple(attachments(location, media))
    return CustomerMessage(kind, external_id, text, metadata, found)


def chosen_payload(text: str, offer: list[Button]) -> str | None:
    """The payload of the offered choice a customer named by its number or its words."""
    if not offer:
        return None
    number = _NUMBER.match(text)
    if number is not None:
        index = int(number.group(1))
        return offer[index - 1].payload if 1 <= index <= len(offer) else None
    try:
        return match_choice(text, {b.payload: [b.title] for b in offer})
    except InvalidValue:
        return None


async def _opt(hub: HubDeps, kind: str, external_id: str, text: str, *, opted_out: bool) -> None:
    await off_loop(
        lambda: conversations.set_opt_out(
            hub.uow_factory(), kind, external_id, opted_out, hub.now()
        )
    )
    conversation = await off_loop(
        conversations.get_or_create_conversation, hub.uow_factory(), kind, external_id
    )
    language = "en" if (conversation.language or "").startswith("en") else "fr"
    reply = i18n.text("whatsapp", "opted_out" if opted_out else "opted_in", language)
    message = OutgoingMessage(text=reply)
    await answer_directly(hub, kind, external_id, conversation.id, text, message)


def _location(params: dict[str, str]) -> dict[str, Any] | None:
    try:
        latitude, longitude = float(params["Latitude"]), float(params["Longitude"])
    except (KeyError, ValueError):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    label = (params.get("Address") or params.get("Label") or "").strip()[:255] or None
    return {"latitude": latitude, "longitude": longitude, "label": label}


def _placeholder(location: dict[str, Any] | None, media: list[Media]) -> str:
    """The text standing for a message without one (a location, a picture)."""
    if location is not None:
        return location["label"] or f"{location['latitude']}, {location['longitude']}"
    if media:
        return " ".join(f"[{files.kind_of(m.content_type)}]" for m in media)
    return ""
