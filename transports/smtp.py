"""E-mail through SMTP."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from email.message import EmailMessage, Message

from core.notify import Attachment


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

    def send(
        self,
        destination: str,
        subject: str | None,
        body: str,
        attachments: Sequence[Attachment] = (),
    ) -> None:
        """One e-mail: plain text, or multipart/mixed with the text first and each
        attachment after it (a calendar invite keeps its `method=` parameter)."""
        message = self.message(destination, subject, body, attachments)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self._user and self._password:
                smtp.login(self._user, self._password)
            smtp.send_message(message)

    def message(
        self,
        destination: str,
        subject: str | None,
        body: str,
        attachments: Sequence[Attachment] = (),
    ) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = destination
        message["Subject"] = subject or ""
        message.set_content(body)
        for attachment in attachments:
            content_type = Message()
            content_type["Content-Type"] = attachment.media_type
            maintype, subtype = content_type.get_content_type().split("/", 1)
            params = dict(content_type.get_params()[1:])
            message.add_attachment(
                attachment.data,
                maintype=maintype,
                subtype=subtype,
                filename=attachment.filename,
                params=params,
            )
        return message
