"""WhatsApp/SMS through Twilio: signed webhooks, the real twilio client, delivery.

The twilio 9 `Client` is the real one with an injected HTTP client that records each
request and answers like Twilio's REST API; inbound requests carry signatures computed by
Twilio's own `RequestValidator`; media downloads go through an httpx mock transport; Rasa
is a tiny local recording server. Nothing reaches the internet.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool
from twilio.http import HttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.request_validator import RequestValidator

from channels.whatsapp import whatsapp_from_settings
from core.models import Attachment, InboundReceipt, Message
from tests.integration.test_hub_handoff import FakeRasa, fake_rasa
from tests.integration.web_support import stored_messages, web_client

SID = "AC" + "0" * 32
TOKEN = "test-twilio-auth-token-0123"
PUBLIC = "https://pitlane.example"
CUSTOMER = "+33612345678"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00" + b"\x00" * 64
MENU = [
    {
        "recipient_id": "x",
        "text": "Que puis-je faire pour vous ?",
        "buttons": [
            {"title": "Vérifier l'entretien", "payload": "/check_maintenance"},
            {"title": "Nos coordonnées", "payload": "/contact_info"},
        ],
    }
]


@dataclass
class FakeTwilio(HttpClient):
    """Twilio's REST API as the real client sees it: records, then answers or fails."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    failures: list[tuple[int, int]] = field(default_factory=list)  # (HTTP status, code)

    def __post_init__(self) -> None:
        import logging

        super().__init__(logging.getLogger("fake-twilio"), is_async=False)

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
    ) -> TwilioResponse:
        self.requests.append({"method": method, "uri": uri, "data": dict(data or {}), "auth": auth})
        if self.failures:
            status, code = self.failures.pop(0)
            body = {"code": code, "message": "refused by the fake", "status": status}
            return TwilioResponse(status, json.dumps(body))
        sid = f"SM{len(self.requests):032d}"
        body = {
            "sid": sid,
            "account_sid": SID,
            "status": "queued",
            "to": data.get("To"),
            "from": data.get("From"),
            "body": data.get("Body"),
        }
        return TwilioResponse(201, json.dumps(body))

    @property
    def sent(self) -> list[dict[str, Any]]:
        return [r["data"] for r in self.requests if r["uri"].endswith("/Messages.json")]


def media_transport() -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"].startswith("Basic ")
        if request.url.path.endswith("/ME-png"):
            return httpx.Response(200, content=PNG, headers={"content-type": "image/png"})
        if request.url.path.endswith("/ME-exe"):
            return httpx.Response(200, content=EXE, headers={"content-type": "image/jpeg"})
        return httpx.Response(404)

    return httpx.MockTransport(answer)


@dataclass
class Twilio:
    client: Any
    api: FakeTwilio
    rasa: FakeRasa
    url: str

    def post(self, path: str, params: dict[str, str], signature: str | None = "valid"):
        headers = {}
        if signature == "valid":
            signature = RequestValidator(TOKEN).compute_signature(f"{PUBLIC}{path}", params)
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        return self.client.post(path, data=params, headers=headers)

    def message(self, body: str, sid: str, sender: str = f"whatsapp:{CUSTOMER}", **extra):
        params = {
            "MessageSid": sid,
            "AccountSid": SID,
            "From": sender,
            "To": "whatsapp:+14155238886",
            "Body": body,
            "NumMedia": "0",
            **extra,
        }
        return self.post("/webhooks/whatsapp", params)


@pytest.fixture
def twilio(seeded_sqlite_url, tmp_path) -> Iterator[Twilio]:
    with fake_rasa() as rasa:
        rasa.answers = {"Bonjour": MENU}
        settings = dict(
            twilio_account_sid=SID,
            twilio_auth_token=TOKEN,
            twilio_whatsapp_from="whatsapp:+14155238886",
            twilio_sms_from="+15005550006",
            public_base_url=PUBLIC,
            upload_dir=str(tmp_path / "uploads"),
        )
        with web_client(seeded_sqlite_url, rasa.url, **settings) as client:
            api = FakeTwilio()
            app = client.app
            channel = whatsapp_from_settings(
                app.state.settings, http_client=api, media_transport=media_transport()
            )
            app.state.whatsapp = channel
            app.state.hub.senders.update(channel.senders)
            app.state.hub = replace(app.state.hub, delivery_delays=(0.0, 0.0, 0.0))
            yield Twilio(client, api, rasa, seeded_sqlite_url)


def _rows(url: str, model) -> list[Any]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.execute(select(model.__table__)).all()
    finally:
        engine.dispose()


def test_a_signed_message_is_answered_through_the_rest_api(twilio: Twilio) -> None:
    response = twilio.message("Bonjour", "SM-in-1")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert "<Response/>" in response.text
    assert twilio.rasa.messages == ["Bonjour"]
    [sent] = twilio.api.sent
    assert twilio.api.requests[0]["uri"] == (
        f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"
    )
    assert twilio.api.requests[0]["auth"] == (SID, TOKEN)
    assert sent["To"] == f"whatsapp:{CUSTOMER}"
    assert sent["From"] == "whatsapp:+14155238886"
    assert sent["Body"] == (
        "Que puis-je faire pour vous ?\n\n1. Vérifier l'entretien\n2. Nos coordonnées"
    )
    assert sent["StatusCallback"] == f"{PUBLIC}/webhooks/twilio/status"
    answer = [m for m in _rows(twilio.url, Message) if m.direction == "out"][-1]
    assert (answer.status, answer.external_id) == ("sent", f"SM{1:032d}")
    assert [(m.channel, m.external_id) for m in stored_messages(twilio.url)][0] == (
        "whatsapp",
        CUSTOMER,
    )


def test_numbered_choices_and_their_words_map_back_to_the_payloads(twilio: Twilio) -> None:
    twilio.message("Bonjour", "SM-a")
    twilio.message("1", "SM-b")
    twilio.message("Bonjour", "SM-c")
    twilio.message("nos coordonnees", "SM-d")
    twilio.message("2", "SM-e")  # the bot's echo offered no list: "2" stays "2"

    assert twilio.rasa.messages == [
        "Bonjour",
        "/check_maintenance",
        "Bonjour",
        "/contact_info",
        "2",
    ]
    shown = [m.payload for m in stored_messages(twilio.url) if m.text == "/check_maintenance"]
    assert shown == [{"title": "Vérifier l'entretien"}]


@pytest.mark.parametrize("signature", [None, "", "bm90IGEgc2lnbmF0dXJl", "other-url"])
def test_a_badly_signed_message_is_refused_and_nothing_is_stored(twilio: Twilio, signature) -> None:
    params = {"MessageSid": "SM-bad", "From": f"whatsapp:{CUSTOMER}", "Body": "Bonjour"}
    if signature == "other-url":  # signed for the request URL, not the public one
        signature = RequestValidator(TOKEN).compute_signature(
            "http://testserver/webhooks/whatsapp", params
        )
    response = twilio.post("/webhooks/whatsapp", params, signature)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "invalid_signature"
    assert stored_messages(twilio.url) == []
    assert _rows(twilio.url, InboundReceipt) == []
    assert twilio.rasa.requests == [] and twilio.api.requests == []


def test_a_tampered_body_is_refused(twilio: Twilio) -> None:
    params = {"MessageSid": "SM-t", "From": f"whatsapp:{CUSTOMER}", "Body": "Bonjour"}
    good = RequestValidator(TOKEN).compute_signature(f"{PUBLIC}/webhooks/whatsapp", params)
    response = twilio.post("/webhooks/whatsapp", {**params, "Body": "STOP"}, good)
    assert response.status_code == 403
    assert stored_messages(twilio.url) == []


def test_an_oversized_body_is_refused(twilio: Twilio) -> None:
    response = twilio.message("x" * 70_000, "SM-big")
    assert response.status_code == 413
    assert stored_messages(twilio.url) == []


def test_a_percent_encoded_surrogate_arrives_replaced_never_as_a_lone_surrogate(
    twilio: Twilio,
) -> None:
    params = {
        "MessageSid": "SM-surrogate",
        "AccountSid": SID,
        "From": f"whatsapp:{CUSTOMER}",
        "To": "whatsapp:+14155238886",
        "Body": "a\ufffd\ufffd\ufffdb",  # what the form's %ED%A0%80 decodes to
        "NumMedia": "0",
    }
    path = "/webhooks/whatsapp"
    signature = RequestValidator(TOKEN).compute_signature(f"{PUBLIC}{path}", params)
    content = urlencode(params).replace("%EF%BF%BD%EF%BF%BD%EF%BF%BD", "%ED%A0%80")
    assert "%ED%A0%80" in content
    response = twilio.client.post(
        path,
        content=content.encode(),
        headers={
            "X-Twilio-Signature": signature,
            "content-type": "application/x-www-form-urlencoded",
        },
    )

    assert response.status_code == 200
    inbound = [m for m in stored_messages(twilio.url) if m.direction == "in"]
    assert [m.text for m in inbound] == ["a\ufffd\ufffd\ufffdb"]
    assert all(m.text.encode("utf-8") for m in stored_messages(twilio.url))


def test_a_retried_message_is_processed_once(twilio: Twilio) -> None:
    first = twilio.message("Bonjour", "SM-dup")
    again = twilio.message("Bonjour", "SM-dup")

    assert first.status_code == again.status_code == 200
    assert "<Response/>" in again.text
    assert twilio.rasa.messages == ["Bonjour"]
    assert len(twilio.api.sent) == 1
    assert [m.direction for m in stored_messages(twilio.url)] == ["in", "out"]


def test_a_plain_sms_is_the_sms_channel_and_answered_from_the_sms_number(twilio: Twilio) -> None:
    twilio.message("Bonjour", "SM-sms", sender=CUSTOMER, To="+15005550006")

    [sent] = twilio.api.sent
    assert (sent["To"], sent["From"]) == (CUSTOMER, "+15005550006")
    assert {m.channel for m in stored_messages(twilio.url)} == {"sms"}


def test_pictures_are_stored_and_refused_files_skipped(twilio: Twilio, tmp_path) -> None:
    media = {
        "NumMedia": "2",
        "MediaUrl0": f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages/MM1/Media/ME-png",
        "MediaContentType0": "image/png",
        "MediaUrl1": f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages/MM1/Media/ME-exe",
        "MediaContentType1": "image/jpeg",
    }
    twilio.message("Voici ma moto", "SM-media", **media)

    [attachment] = _rows(twilio.url, Attachment)
    assert (attachment.kind, attachment.content_type, attachment.size) == (
        "image",
        "image/png",
        len(PNG),
    )
    stored = [p for p in (tmp_path / "uploads").iterdir()]
    assert [p.read_bytes() for p in stored] == [PNG]
    inbound = next(m for m in _rows(twilio.url, Message) if m.direction == "in")
    assert (attachment.message_id, inbound.text) == (inbound.id, "Voici ma moto")
    assert twilio.rasa.messages == ["Voici ma moto"]


def test_a_picture_without_text_reaches_the_bot_as_a_placeholder(twilio: Twilio) -> None:
    twilio.message(
        "",
        "SM-pic",
        NumMedia="1",
        MediaUrl0="https://api.twilio.com/Media/ME-png",
        MediaContentType0="image/png",
    )
    assert twilio.rasa.messages == ["[image]"]
    assert len(_rows(twilio.url, Attachment)) == 1


def test_a_location_is_stored_as_an_attachment(twilio: Twilio) -> None:
    twilio.message(
        "",
        "SM-loc",
        Latitude="48.8566",
        Longitude="2.3522",
        Address="1 place de l'Hôtel de Ville, Paris",
    )

    [place] = _rows(twilio.url, Attachment)
    assert (place.kind, place.latitude, place.longitude) == ("location", 48.8566, 2.3522)
    assert place.filename == "1 place de l'Hôtel de Ville, Paris"
    assert twilio.rasa.messages == ["1 place de l'Hôtel de Ville, Paris"]


def test_stop_opts_out_and_start_opts_back_in(twilio: Twilio) -> None:
    from core import conversations
    from tests.integration.staff_web_support import units_of_work

    twilio.message("ARRÊT", "SM-stop")
    with units_of_work(twilio.url) as new_uow:
        assert conversations.is_opted_out(new_uow(), "whatsapp", CUSTOMER)
    assert twilio.rasa.requests == []
    assert "ne recevrez plus" in twilio.api.sent[-1]["Body"]

    twilio.message("start", "SM-start")
    with units_of_work(twilio.url) as new_uow:
        assert not conversations.is_opted_out(new_uow(), "whatsapp", CUSTOMER)
    assert "à nouveau" in twilio.api.sent[-1]["Body"]
    assert [m.text for m in stored_messages(twilio.url) if m.direction == "in"] == [
        "ARRÊT",
        "start",
    ]


def test_status_callbacks_are_recorded_when_signed(twilio: Twilio) -> None:
    twilio.message("Bonjour", "SM-s1")
    provider_id = twilio.api.sent[0] and f"SM{1:032d}"
    callback = {
        "MessageSid": provider_id,
        "MessageStatus": "delivered",
        "To": f"whatsapp:{CUSTOMER}",
        "AccountSid": SID,
    }

    refused = twilio.post(
        "/webhooks/twilio/status", {**callback, "MessageStatus": "failed"}, signature="forged"
    )
    assert refused.status_code == 403
    assert twilio.post("/webhooks/twilio/status", callback).status_code == 200
    answer = [m for m in _rows(twilio.url, Message) if m.direction == "out"][-1]
    assert answer.status == "delivered"

    failed = {**callback, "MessageStatus": "undelivered", "ErrorCode": "63016"}
    assert twilio.post("/webhooks/twilio/status", failed).status_code == 200
    answer = [m for m in _rows(twilio.url, Message) if m.direction == "out"][-1]
    assert (answer.status, answer.error) == ("failed", "twilio error 63016")


def test_twilio_errors_are_retried_or_marked_failed(twilio: Twilio) -> None:
    twilio.api.failures = [(429, 20429), (503, 20500)]
    twilio.message("Bonjour", "SM-r1")
    answer = [m for m in _rows(twilio.url, Message) if m.direction == "out"][-1]
    assert answer.status == "sent" and len(twilio.api.sent) == 3

    twilio.api.failures = [(400, 21211)]
    twilio.message("Bonjour", "SM-r2")
    answer = [m for m in _rows(twilio.url, Message) if m.direction == "out"][-1]
    assert answer.status == "failed" and "21211" in answer.error
    assert len(twilio.api.sent) == 4  # not retried


def test_the_channel_is_off_without_credentials(seeded_sqlite_url) -> None:
    with web_client(seeded_sqlite_url) as client:
        assert client.app.state.whatsapp is None
        response = client.post("/webhooks/whatsapp", data={"MessageSid": "SM1"})
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "channel_disabled"
        assert client.post("/webhooks/twilio/status", data={}).status_code == 404
