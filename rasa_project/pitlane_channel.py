"""Rasa's REST channel for the hub only (credentials.yml: `pitlane_channel.HubInput`).

Rasa's `--auth-token` protects its HTTP API, not the input channels' webhooks: the plain
REST channel talks to whoever reaches it, under any sender id. This one keeps the REST
channel's URL and body (`POST /webhooks/rest/webhook` {"sender", "message", "metadata"})
and refuses every request without the hub's shared secret in the X-Pitlane-Rasa-Token
header: 401 when missing, 403 when wrong. Only the hub knows it, so only the hub chooses
sender ids, and the actions take the customer from the sender id (actions/base.py).
Loaded by Rasa, not by the web app: Rasa's Python, no Pitlane import.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

TOKEN_HEADER = "X-Pitlane-Rasa-Token"

log = logging.getLogger(__name__)


def refusal(given: Optional[Text], token: Text) -> Optional[tuple]:
    """(status, error) when a request carrying `given` in TOKEN_HEADER is refused."""
    if not given:
        return 401, "missing_rasa_token"
    if not hmac.compare_digest(given.encode(), token.encode()):
        return 403, "wrong_rasa_token"
    return None


class HubInput(RestInput):
    """The REST channel, behind the hub's shared secret."""

    @classmethod
    def name(cls) -> Text:
        return "rest"  # same URL and input channel name as Rasa's own REST channel

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> HubInput:
        token = str((credentials or {}).get("token") or "").strip()
        if not token:
            raise ValueError(
                "pitlane_channel.HubInput needs a token in credentials.yml (PITLANE_RASA_TOKEN)"
            )
        return cls(token)

    def __init__(self, token: Text) -> None:
        self.token = token

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)

        @webhook.middleware("request")
        async def guard(request: Request) -> Any:
            if request.method == "GET" and request.path.rstrip("/").endswith("/rest"):
                return None  # the channel's health route says nothing
            refused = refusal(request.headers.get(TOKEN_HEADER), self.token)
            if refused is None:
                return None
            status, error = refused
            log.warning("refused %s %s: %s", request.method, request.path, error)
            return response.json({"error": error}, status=status)

        return webhook
