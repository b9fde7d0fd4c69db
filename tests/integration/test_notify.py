"""Codes leave by the real Twilio client (HTTP recorded), a local SMTP server, or the
outbox; the code itself never reaches the log."""

from __future__ import annotations

import json
import logging
from email import message_from_bytes
from typing import Any

from pydantic import SecretStr
from sqlalchemy import select
from twilio.http import HttpClient
from twilio.http.response import Response as TwilioResponse

from core.config import CoreSettings
from core.models import OutboxMessage
from core.notify import OutboxTransport, send_code, send_confirmation
from core.otp import ChallengeView
from transports import SmtpEmailTransport, TwilioSmsTransport, transports_from_settings

SID = "AC" + "0" * 32
CODE = "493817"


class RecordingTwilio(HttpClient):
    """Twilio's REST API as the real client sees it: records every request."""

    def __init__(self) -> None:
        super().__init__(logging.getLogger("fake-twilio"), is_async=False)
        self.requests: list[dict[str, Any]] = []

    def request(
        self,
        method,
        uri,
        params=None,
        data=None,
        headers=None,
        auth=None,
        timeout=None,
        allow_redirects=False,
    ):
        self.requests.append({"method": method, "uri": uri, "data": dict(data or {})})
        body = {
            "sid": "SM" + "1" * 32,
            "account_sid": SID,
            "status": "queued",
            "to": data.get("To"),
        }
        return TwilioResponse(201, json.dumps(body))


class SmsSettings(CoreSettings):
    twilio_account_sid: str | None = SID
    twilio_auth_token: SecretStr | None = SecretStr("t" * 32)
    twilio_sms_from: str | None = "+33700000000"
    twilio_api_url: str = "https://twilio.test"


def challenge(transport: str) -> ChallengeView:
    from datetime import datetime, timezone

    masked = "06 •• •• •• 42" if transport == "sms" else "j•••@gmail.com"
    return ChallengeView(7, "identify", transport, masked, datetime.now(timezone.utc), 5)


def test_an_sms_code_goes_through_the_real_twilio_client(uow_factory, caplog) -> None:
    http = RecordingTwilio()
    transports = transports_from_settings(
        SmsSettings(_env_file=None), uow_factory, http_client=http
    )
    assert isinstance(transports["sms"], TwilioSmsTransport)
    assert isinstance(transports["email"], OutboxTransport)
    with caplog.at_level(logging.DEBUG):
        send_code(transports, challenge("sms"), "+33612345642", CODE, "fr")
    [request] = http.requests
    assert request["method"] == "POST"
    assert request["uri"] == f"https://twilio.test/2010-04-01/Accounts/{SID}/Messages.json"
    assert request["data"]["To"] == "+33612345642" and request["data"]["From"] == "+33700000000"
    assert (
        request["data"]["Body"]
        == "Votre code Pitlane : 493817 (valable 5 minutes). Ne le communiquez à personne."
    )
    logged = [r for r in caplog.records if r.name.startswith("core")]
    assert any("06 •• •• •• 42" in r.getMessage() for r in logged)
    assert all(CODE not in r.getMessage() and "+33612345642" not in r.getMessage() for r in logged)


def test_an_email_code_goes_through_smtp(uow_factory, smtp_server, caplog) -> None:
    inbox, port = smtp_server
    settings = CoreSettings(
        _env_file=None, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False
    )
    transports = transports_from_settings(settings, uow_factory)
    assert isinstance(transports["email"], SmtpEmailTransport)
    with caplog.at_level(logging.DEBUG):
        send_code(transports, challenge("email"), "jean@gmail.com", CODE, "en")
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["jean@gmail.com"]
    message = message_from_bytes(envelope.content)
    assert message["Subject"] == "Your Pitlane code"
    assert (
        "Your Pitlane code: 493817 (valid for 5 minutes)"
        in message.get_payload(decode=True).decode()
    )
    # Everything but the test SMTP server's own wire log (it is the recipient).
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name != "mail.log")
    assert "j•••@gmail.com" in ours and CODE not in ours


def test_without_providers_codes_are_kept_in_the_outbox(uow_factory, caplog) -> None:
    transports = transports_from_settings(CoreSettings(_env_file=None), uow_factory)
    with caplog.at_level(logging.DEBUG):
        send_code(transports, challenge("email"), "jean@gmail.com", CODE, "fr")
        send_code(transports, challenge("sms"), "+33612345642", CODE, "fr")
        send_confirmation(transports, "sms", "+33612345642", "fr")
    with uow_factory() as uow:
        rows = [
            (r.transport, r.destination, r.subject, r.body)
            for r in uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]
    assert [row[:3] for row in rows] == [
        ("email", "jean@gmail.com", "Votre code Pitlane"),
        ("sms", "+33612345642", None),
        ("sms", "+33612345642", None),
    ]
    assert CODE in rows[0][3] and "identifié" in rows[2][3]
    assert "code sent to" in caplog.text and CODE not in caplog.text


def test_the_action_server_sends_sms_codes_with_twilio_from_its_environment(
    uow_factory, monkeypatch
) -> None:
    # The action server sends one-time codes; docker-compose and Kubernetes give it the
    # PITLANE_TWILIO_* variables, which CoreSettings alone does not read.
    from actions.base import ActionContext, WithContext
    from actions.identity import WithTransports

    class CodeSender(WithTransports, WithContext):
        pass

    monkeypatch.setenv("PITLANE_TWILIO_ACCOUNT_SID", SID)
    monkeypatch.setenv("PITLANE_TWILIO_AUTH_TOKEN", "t" * 32)
    monkeypatch.setenv("PITLANE_TWILIO_SMS_FROM", "+33700000000")
    monkeypatch.setenv("PITLANE_SMTP_HOST", "smtp.pitlane.test")
    transports = CodeSender(ActionContext(uow=uow_factory)).transports
    assert isinstance(transports["sms"], TwilioSmsTransport)
    assert isinstance(transports["email"], SmtpEmailTransport)
    monkeypatch.setenv("PITLANE_TWILIO_SMS_FROM", " ")
    monkeypatch.delenv("PITLANE_SMTP_HOST")
    transports = CodeSender(ActionContext(uow=uow_factory)).transports
    assert isinstance(transports["sms"], OutboxTransport)
    assert isinstance(transports["email"], OutboxTransport)
