"""WhatsApp and SMS through Twilio: a sender for the delivery layer, and the webhooks.

Inbound: Twilio posts a signed form to `/webhooks/whatsapp` (WhatsApp and SMS alike: a
`From` of "whatsapp:+33..." is the WhatsApp channel, a plain "+33..." is SMS). The
signature is checked over the public URL before anything is read or stored, a retried
`MessageSid` is taken once (`claim_inbound`), the answer is an empty TwiML `<Response/>`
and the processing (media download, the hub, delivery) runs after it. Replies go out
through the REST API (`deliver`), never as TwiML. WhatsApp has no free buttons here: a
message's buttons become a numbered list, and a customer's "2" (or the choice's words) is
mapped back to the payload of the last list offered since their previous message.

Keywords are taken before the dialogue: STOP / START (every proactive message; STOP wins
over everything), then, on WhatsApp, OFFRES / OFFERS (commercial offers: yes) and
OFFRES STOP / OFFERS STOP (offers: no), answered in the keyword's language.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import anyio.to_thread
import httpx
import requests
from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import Response
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http import HttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from channels.http import http_error, read_capped
from core import conversations, files, i18n, notifications
from core.errors import InvalidValue
from core.parsing import match_choice, normalize
from hub import store
from hub.deps import HubDeps, StoreUnavailable
from hub.inbound import clean_text, valid_external_id
from hub.messages import Button, OutgoingMessage
from hub.ports import ChannelSender, PermanentSendError, TransientSendError
from hub.provider_turn import converse, send_new
from hub.texts import offers_text
from hub.work import off_loop

log = logging.getLogger(__name__)

MAX_FORM_BYTES = 64 * 1024
MAX_MEDIA = 5  # files taken from one message
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
STATUS_PATH = "/webhooks/twilio/status"
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

router = APIRouter(tags=["channels"])


# ------------------------------------------------------------------ sending


def numbered(message: OutgoingMessage) -> str:
    """The text a WhatsApp/SMS customer reads: buttons become a numbered list, a venue its
    address and a map link."""
    parts = [message.text or ""]
    if message.buttons:
        parts.append("\n".join(f"{i}. {b.title}" for i, b in enumerate(message.buttons, 1)))
    venue = message.venue
    if venue is not None:
        link = f"https://maps.google.com/?q={venue.latitude},{venue.longitude}"
        parts.append(f"{venue.title}\n{venue.address}\n{link}")
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


# ------------------------------------------------------------------ the channel


@dataclass
class WhatsAppChannel:
    """The configured Twilio channel: credentials, senders and where media goes."""

    account_sid: str
    auth_token: str
    senders: Mapping[str, ChannelSender]
    upload_dir: Path
    public_base_url: str | None = None
    media_transport: httpx.AsyncBaseTransport | None = None  # tests: httpx.MockTransport
    validator: RequestValidator = field(init=False)

    def __post_init__(self) -> None:
        self.validator = RequestValidator(self.auth_token)

    def signed_url(self, request: Request) -> str:
        if self.public_base_url:
            query = f"?{request.url.query}" if request.url.query else ""
            return f"{self.public_base_url}{request.url.path}{query}"
        return str(request.url)


def whatsapp_from_settings(
    settings: Any,
    http_client: HttpClient | None = None,
    media_transport: httpx.AsyncBaseTransport | None = None,
) -> WhatsAppChannel | None:
    """The channel from PITLANE_TWILIO_*, or None (off) when a credential is missing."""
    sid, token = settings.twilio_account_sid, settings.twilio_auth_token
    if not (sid and token and settings.twilio_whatsapp_from):
        return None
    secret = token.get_secret_value()
    client = Client(sid, secret, http_client=http_client)
    client.api.base_url = settings.twilio_api_url
    base = settings.public_base_url
    callback = f"{base}{STATUS_PATH}" if base else None
    senders: dict[str, ChannelSender] = {
        "whatsapp": TwilioSender("whatsapp", client, settings.twilio_whatsapp_from, callback)
    }
    if settings.twilio_sms_from:
        senders["sms"] = TwilioSender("sms", client, settings.twilio_sms_from, callback)
    return WhatsAppChannel(
        account_sid=sid,
        auth_token=secret,
        senders=senders,
        upload_dir=Path(settings.upload_dir),
        public_base_url=base,
        media_transport=media_transport,
    )


# ------------------------------------------------------------------ webhooks


async def _signed_form(request: Request) -> tuple[WhatsAppChannel, dict[str, str]]:
    """The form Twilio posted, once its signature is checked (else 403, nothing read)."""
    channel: WhatsAppChannel | None = getattr(request.app.state, "whatsapp", None)
    if channel is None:
        raise http_error(404, "channel_disabled", "the WhatsApp/SMS channel is not configured")
    body = await read_capped(request, MAX_FORM_BYTES)
    try:
        params = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        raise http_error(400, "invalid_form", "the body is not a UTF-8 form") from None
    signature = request.headers.get("x-twilio-signature", "")
    if not signature or not channel.validator.validate(
        channel.signed_url(request), params, signature
    ):
        log.warning("Twilio webhook refused: invalid signature")
        raise http_error(403, "invalid_signature", "the X-Twilio-Signature header is not valid")
    return channel, params


@router.post("/webhooks/whatsapp", summary="Twilio WhatsApp/SMS inbound webhook")
async def post_whatsapp_message(request: Request, background: BackgroundTasks) -> Response:
    """Take one signed inbound message; it is processed after the empty TwiML answer."""
    channel, params = await _signed_form(request)
    sid = params.get("MessageSid") or params.get("SmsMessageSid") or ""
    sender = params.get("From", "")
    whatsapp = sender.startswith("whatsapp:")
    kind, external_id = ("whatsapp", sender[9:]) if whatsapp else ("sms", sender)
    if not sid or not valid_external_id(sid) or not valid_external_id(external_id):
        raise http_error(422, "invalid_request", "MessageSid and From are required")
    if kind not in channel.senders:
        log.warning("inbound %s message ignored: no %s sender configured", kind, kind)
        return _twiml()
    hub: HubDeps = request.app.state.hub
    claimed = await off_loop(
        lambda: conversations.claim_inbound(hub.uow_factory(), kind, sid, hub.now())
    )
    if claimed:
        background.add_task(process_inbound, hub, channel, kind, external_id, params)
    else:
        log.info("duplicate %s message %s ignored", kind, sid)
    return _twiml()


@router.post(STATUS_PATH, summary="Twilio delivery status callback")
async def post_twilio_status(request: Request) -> Response:
    """Record a delivery status (queued, sent, delivered, read, failed, undelivered)."""
    _, params = await _signed_form(request)
    sid, status = params.get("MessageSid", ""), params.get("MessageStatus", "")
    if not sid or status not in {"queued", "sent", "delivered", "read", "failed", "undelivered"}:
        return _twiml()  # accepted, sending, ...: nothing to record
    code = params.get("ErrorCode")
    error = f"twilio error {code}" if code else None
    kind = "whatsapp" if params.get("To", "").startswith("whatsapp:") else None
    hub: HubDeps = request.app.state.hub

    def record() -> bool:
        channels = [kind] if kind else ["whatsapp", "sms"]
        return any(
            conversations.record_delivery_status(hub.uow_factory(), c, sid, status, error)
            for c in channels
        )

    if not await off_loop(record):
        log.info("status %s for unknown message %s", status, sid)
    return _twiml()


def _twiml() -> Response:
    return Response(EMPTY_TWIML, media_type="application/xml")


# ------------------------------------------------------------------ processing


async def process_inbound(
    hub: HubDeps, channel: WhatsAppChannel, kind: str, external_id: str, params: dict[str, str]
) -> None:
    """Opt-out words, media and location, numbered choices; then the hub and delivery."""
    try:
        await _process(hub, channel, kind, external_id, params)
    except StoreUnavailable:
        log.error("inbound %s message from %s lost: store unavailable", kind, external_id)
    except Exception:
        log.exception("inbound %s message from %s failed", kind, external_id)


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
        await _offers(hub, kind, external_id, body, *offers)
        return
    location = _location(params)
    media = await _download_media(channel, params)
    text = body or _placeholder(location, media)
    if not text:
        return
    conversation = await off_loop(
        conversations.get_or_create_conversation, hub.uow_factory(), kind, external_id
    )
    offer = await off_loop(store.pending_offer, hub.uow_factory, conversation.id)
    text = chosen_payload(text, offer) or text
    metadata: dict[str, Any] = {"language": None}
    if location is not None:
        metadata["location"] = location

    attachments = _attachments(location, media)
    await converse(hub, kind, external_id, text, metadata, attachments=attachments)


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
    await _answer_keyword(hub, kind, external_id, conversation.id, text, reply)


async def _offers(
    hub: HubDeps, kind: str, external_id: str, text: str, subscribed: bool, language: str
) -> None:
    """OFFRES / OFFRES STOP: the offers subscription, recorded in core; STOP stays in force."""
    profile = await off_loop(
        lambda: notifications.set_offers(
            hub.uow_factory(), kind, external_id, subscribed, hub.now(), language
        )
    )
    key = "offers_on" if subscribed else "offers_off"
    if subscribed and profile.opted_out:
        key = "offers_held_by_stop"
    reply = offers_text(key, kind, language) or ""
    await _answer_keyword(hub, kind, external_id, profile.conversation_id, text, reply)


async def _answer_keyword(
    hub: HubDeps, kind: str, external_id: str, conversation_id: int, text: str, reply: str
) -> None:
    """Store the customer's keyword as answered, then send the reply (not via the bot)."""
    await off_loop(
        lambda: conversations.record_message(
            hub.uow_factory(),
            conversation_id,
            direction="in",
            sender=store.CUSTOMER,
            text=text,
            status="answered",
        )
    )
    await send_new(hub, kind, external_id, conversation_id, OutgoingMessage(text=reply))


def _location(params: dict[str, str]) -> dict[str, Any] | None:
    try:
        latitude, longitude = float(params["Latitude"]), float(params["Longitude"])
    except (KeyError, ValueError):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    label = (params.get("Address") or params.get("Label") or "").strip()[:255] or None
    return {"latitude": latitude, "longitude": longitude, "label": label}


@dataclass(frozen=True)
class _Media:
    content_type: str
    path: str
    size: int


async def _download_media(channel: WhatsAppChannel, params: dict[str, str]) -> list[_Media]:
    """The message's files, fetched with the account's credentials; refused ones skipped."""
    try:
        count = min(int(params.get("NumMedia", "0") or 0), MAX_MEDIA)
    except ValueError:
        return []
    found: list[_Media] = []
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
                data = await _fetch_capped(client, url, auth)
                declared = params.get(f"MediaContentType{i}")
                path, size = await anyio.to_thread.run_sync(
                    files.store_upload, data, declared, channel.upload_dir
                )
            except (httpx.HTTPError, InvalidValue) as exc:
                log.warning("media %s refused: %s", i, exc)
                continue
            found.append(_Media(files.sniff_type(data) or "", path, size))
    return found


async def _fetch_capped(client: httpx.AsyncClient, url: str, auth: tuple[str, str]) -> bytes:
    data = bytearray()
    async with client.stream("GET", url, auth=auth) as response:
        response.raise_for_status()
        async for chunk in response.aiter_bytes():
            data += chunk
            if len(data) > files.MAX_UPLOAD_BYTES:
                raise InvalidValue("file_too_large", "the file is over 10 MiB")
    return bytes(data)


def _placeholder(location: dict[str, Any] | None, media: list[_Media]) -> str:
    """The text standing for a message without one (a location, a picture)."""
    if location is not None:
        return location["label"] or f"{location['latitude']}, {location['longitude']}"
    if media:
        return " ".join(f"[{files.kind_of(m.content_type)}]" for m in media)
    return ""


def _attachments(location: dict[str, Any] | None, media: list[_Media]) -> list[store.NewAttachment]:
    """What the inbound message carries, stored with it by the hub."""
    found = [
        store.NewAttachment(
            kind=files.kind_of(item.content_type),
            content_type=item.content_type,
            filename=Path(item.path).name,
            storage_path=item.path,
            size=item.size,
        )
        for item in media
    ]
    if location is not None:
        found.append(
            store.NewAttachment(
                kind="location",
                filename=location["label"],
                latitude=location["latitude"],
                longitude=location["longitude"],
            )
        )
    return found
