"""SMS through the Twilio REST API."""

from __future__ import annotations

from typing import Any


class TwilioSmsTransport:
    """SMS through the Twilio REST API (a twilio `Client`, its HTTP client injectable)."""

    def __init__(self, client: Any, from_number: str) -> None:
        self._client = client
        self._from = from_number

    def send(self, destination: str, subject: str | None, body: str) -> None:
        self._client.messages.create(to=destination, from_=self._from, body=body)
