"""The configured Twilio channel (credentials, senders), from settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import Request
from twilio.http import HttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from channels.whatsapp.send import TwilioSender
from hub.ports import ChannelSender

STATUS_PATH = "/webhooks/twilio/status"


@dataclass
class WhatsAppChannel:
    """The configured Twilio channel: credentials and senders (media go to the hub's upload
    store)."""

    account_sid: str
    auth_token: str
    senders: Mapping[str, ChannelSender]
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
        public_base_url=base,
        media_transport=media_transport,
    )
