"""How one-time codes and notices leave: their texts (the `notify` context of the gettext
catalogues, core/i18n.py), the `Transport` port they go through and the development outbox.
The real transports (Twilio SMS, SMTP e-mail) live outside core/, in transports/. The code is
never logged: only that a code went to a masked destination."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from core import i18n
from core.models import OutboxMessage, utcnow
from core.otp import ChallengeView, mask_destination
from core.uow import UnitOfWork

log = logging.getLogger(__name__)
ATTACHMENTS_LABEL = "attachments"  # the outbox is a development tool: not translated


class Transport(Protocol):
    """Sends one message to a destination (a phone number or an e-mail address); the
    subject is None for SMS."""

    def send(self, destination: str, subject: str | None, body: str) -> None: ...


@dataclass(frozen=True)
class Attachment:
    """A file an e-mail carries (the e-mail transports take `attachments=`: SMTP sends
    them as parts of a multipart/mixed message, the outbox names them under the body)."""

    filename: str
    media_type: str  # with its parameters: "text/calendar; method=REQUEST; charset=utf-8"
    data: bytes


class OutboxTransport:
    """Development transport: the message is stored and shown at /staff/outbox."""

    def __init__(self, kind: str, uow_factory: Callable[[], UnitOfWork]) -> None:
        self.kind = kind
        self._uow_factory = uow_factory

    def send(
        self,
        destination: str,
        subject: str | None,
        body: str,
        attachments: Sequence[Attachment] = (),
    ) -> None:
        """Kept; attachments are named under the body (the outbox keeps text only)."""
        if attachments:
            names = ", ".join(f"{a.filename} ({a.media_type.split(';')[0]})" for a in attachments)
            body = f"{body}\n\n[{ATTACHMENTS_LABEL}: {names}]"
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


def code_message(code: str, language: str) -> tuple[str, str]:
    """(subject, body) of a code message in "fr" (default) or "en"."""
    return (
        i18n.text("notify", "code_subject", language),
        i18n.text("notify", "code_body", language, code=code, minutes=5),
    )


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


def send_confirmation(
    transports: dict[str, Transport], transport: str, destination: str, language: str
) -> None:
    """The "vehicle identified" notice, by the same means as the code."""
    subject = "Pitlane" if transport == "email" else None
    transports[transport].send(destination, subject, i18n.text("notify", "identified", language))
    log.info("confirmation sent to %s", mask_destination(transport, destination))


def send_owner_alert(
    transports: dict[str, Transport], transport: str, destination: str, language: str
) -> None:
    """Tell a contact that wrong codes were typed for it (core/otp_checks.py: once an hour)."""
    subject = i18n.text("notify", "owner_alert_subject", language) if transport == "email" else None
    transports[transport].send(destination, subject, i18n.text("notify", "owner_alert", language))
    log.info("code alert sent to %s", mask_destination(transport, destination))


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
