"""E-mail through SMTP."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage


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
