"""How one-time codes leave: SMS through Twilio, e-mail through SMTP, or the development
outbox when a provider is not configured. The code is never logged: only that a code went
to a masked destination."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any, Protocol

from core.models import OutboxMessage, utcnow
from core.otp import ChallengeView, mask_destination
from core.uow import UnitOfWork

log = logging.getLogger(__name__)

SUBJECTS = {"fr": "Votre code Pitlane", "en": "Your Pitlane code"}
BODIES = {
    "fr": "Votre code Pitlane : {code} (valable {minutes} minutes). Ne le communiquez à personne.",
    "en": "Your Pitlane code: {code} (valid for {minutes} minutes). Do not share it.",
}


class Transport(Protocol):
    def send(self, destination: str, subject: str | None, body: str) -> None: ...


class OutboxTransport:
    """Development transport: the message is stored and shown at /staff/outbox."""

    def __init__(self, kind: str, uow_factory: Callable[[], UnitOfWork]) -> None:
        self.kind = kind
        self._uow_factory = uow_factory

    def send(self, destination: str, subject: str | None, body: str) -> None:
        with self._uow_factory() as uow:
            uow.session.add(
                OutboxMessage(
                    transport=self.kind,
                    destination=destination,
                    subject=subject,
                    body=body,
                    created_at=utcnow(),
                )
            )
            uow.commit()


class TwilioSmsTransport:
    """SMS through the Twilio REST API (a twilio `Client`, its HTTP client injectable)."""

    def __init__(self, client: Any, from_number: str) -> None:
        self._client = client
        self._from = from_number

    def send(self, destination: str, subject: str | None, body: str) -> None:
        self._client.messages.create(to=destination, from_=self._from, body=body)


class SmtpEmailTransport:
    """E-mail through SMTP; STARTTLS before the login when `starttls`."""

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        user: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self._user, self._password = user, password
        self.starttls, self.timeout = starttls, timeout

    def send(self, destination: str, subject: str | None, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = destination
        message["Subject"] = subject or ""
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self._user and self._password:
                smtp.login(self._user, self._password)
            smtp.send_message(message)


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


def code_message(code: str, language: str) -> tuple[str, str]:
    """(subject, body) of a code message in "fr" (default) or "en"."""
    lang = language if language in BODIES else "fr"
    return SUBJECTS[lang], BODIES[lang].format(code=code, minutes=5)


def send_code(
    transports: dict[str, Transport],
    challenge: ChallengeView,
    destination: str,
    code: str,
    language: str,
) -> None:
    """Send the code by the challenge's transport; logs the masked destination only."""
    subject, body = code_message(code, language)
    transport = transports[challenge.transport]
    transport.send(destination, subject if challenge.transport == "email" else None, body)
    log.info(
        "code sent to %s by %s (challenge %s)",
        mask_destination(challenge.transport, destination),
        challenge.transport,
        challenge.id,
    )


CONFIRMATIONS = {
    "fr": "Pitlane : votre véhicule est identifié. Si vous n'êtes pas à l'origine de cette "
    "demande, contactez votre concession.",
    "en": "Pitlane: your vehicle is identified. If you did not ask for this, contact your "
    "dealership.",
}


def send_confirmation(
    transports: dict[str, Transport], transport: str, destination: str, language: str
) -> None:
    """The "vehicle identified" notice, by the same means as the code."""
    lang = language if language in CONFIRMATIONS else "fr"
    subject = "Pitlane" if transport == "email" else None
    transports[transport].send(destination, subject, CONFIRMATIONS[lang])
    log.info("confirmation sent to %s", mask_destination(transport, destination))


def outbox_messages(uow: UnitOfWork, limit: int = 200) -> list[dict[str, Any]]:
    """The development outbox, newest first (for /staff/outbox)."""
    from sqlalchemy import select

    with uow:
        rows = uow.session.scalars(
            select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
        )
        return [
            {
                "transport": row.transport,
                "destination": row.destination,
                "subject": row.subject or "",
                "body": row.body,
                "created_at": row.created_at,
            }
            for row in rows
        ]
