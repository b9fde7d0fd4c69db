"""Twilio's webhooks: the signed inbound form (checked, claimed once, answered with an empty
TwiML `<Response/>`, processed after it) and the delivery status callback. Only the envelope
is read here; channels/whatsapp/inbound.py turns the form into a customer message."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import Response

from channels.http import http_error, read_capped
from channels.whatsapp.channel import STATUS_PATH, WhatsAppChannel
from channels.whatsapp.inbound import process_inbound
from core import conversations
from hub.deps import HubDeps
from hub.inbound import valid_external_id
from hub.work import off_loop

log = logging.getLogger(__name__)

MAX_FORM_BYTES = 64 * 1024
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'

router = APIRouter(tags=["channels"])


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
