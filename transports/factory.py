"""Which transport carries "sms" and "email": the real one when its provider is configured,
else core's development outbox (/staff/outbox)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.notify import OutboxTransport, Transport
from core.uow import UnitOfWork
from transports.smtp import SmtpEmailTransport
from transports.twilio_sms import TwilioSmsTransport


def transports_from_settings(
    settings: Any, uow_factory: Callable[[], UnitOfWork], http_client: Any = None
) -> dict[str, Transport]:
    """ "sms" and "email": the real transport when configured, else the outbox.

    Works with any settings object: Twilio fields (PITLANE_TWILIO_*) are read when present.
    """
    transports: dict[str, Transport] = {
        "sms": OutboxTransport("sms", uow_factory),
        "email": OutboxTransport("email", uow_factory),
    }
    sid = getattr(settings, "twilio_account_sid", None)
    token = getattr(settings, "twilio_auth_token", None)
    sms_from = getattr(settings, "twilio_sms_from", None)
    if sid and token and sms_from:
        from twilio.rest import Client  # the SDK is only loaded when SMS is configured

        client = Client(sid, token.get_secret_value(), http_client=http_client)
        api_url = getattr(settings, "twilio_api_url", None)
        if api_url:
            client.api.base_url = api_url
        transports["sms"] = TwilioSmsTransport(client, sms_from)
    if getattr(settings, "smtp_host", None):
        password = settings.smtp_password
        transports["email"] = SmtpEmailTransport(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_from,
            user=settings.smtp_user,
            password=password.get_secret_value() if password else None,
            starttls=settings.smtp_starttls,
        )
    return transports
