"""A maintenance booking over WhatsApp, end to end: signed Twilio webhooks into the real web
app, the real Rasa and action servers, answers sent through a fake Twilio REST API that
runs here on 127.0.0.1 (nothing reaches the internet)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from urllib.parse import parse_qsl

import httpx
import pytest
from twilio.request_validator import RequestValidator

from core import conversations
from core.config import CoreSettings
from core.uow import uow_from_settings
from hub import store
from scripts.stack import ROOT, Stack, StackConfig
from tests.e2e.chat import REFERENCE, booking
from tests.e2e.conftest import API_TOKEN, free_port, require_model
from tests.http_stub import StubHandler, serving

pytestmark = pytest.mark.e2e

SID = "AC" + "e" * 32
TOKEN = "e2e-twilio-auth-token-0123456"
PUBLIC = "https://pitlane.example"
FROM = "whatsapp:+14155238886"


class FakeTwilio:
    """Twilio's Messages API: records each form posted and answers a message resource."""

    def __init__(self) -> None:
        self.posts: list[dict[str, str]] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(StubHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("content-length", "0"))
                form = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                if self.path != f"/2010-04-01/Accounts/{SID}/Messages.json":
                    self.answer(404)
                    return
                with fake.lock:
                    fake.posts.append(form)
                    sid = f"SM{len(fake.posts):032d}"
                body = (
                    f'{{"sid": "{sid}", "account_sid": "{SID}", "status": "queued", '
                    f'"to": "{form.get("To", "")}", "from": "{form.get("From", "")}"}}'
                ).encode()
                self.answer(201, body, "application/json")

        self._serving = ExitStack()
        self.url = self._serving.enter_context(serving(Handler))

    def to(self, number: str) -> list[str]:
        with self.lock:
            return [p.get("Body", "") for p in self.posts if p.get("To") == f"whatsapp:{number}"]

    def close(self) -> None:
        self._serving.close()


@pytest.fixture(scope="module")
def twilio_stack(tmp_path_factory) -> Iterator[tuple[Stack, FakeTwilio]]:
    require_model()
    fake = FakeTwilio()
    workdir = tmp_path_factory.mktemp("whatsapp-stack")
    env = {
        "PITLANE_DATABASE_URL": f"sqlite:///{workdir / 'e2e.db'}",
        "PITLANE_API_TOKEN": API_TOKEN,
        "PITLANE_ENV": "development",
        "PITLANE_TWILIO_ACCOUNT_SID": SID,
        "PITLANE_TWILIO_AUTH_TOKEN": TOKEN,
        "PITLANE_TWILIO_WHATSAPP_FROM": FROM,
        "PITLANE_TWILIO_API_URL": fake.url,
        "PITLANE_PUBLIC_BASE_URL": PUBLIC,
        "PITLANE_UPLOAD_DIR": str(workdir / "uploads"),
    }
    subprocess.run(
        [sys.executable, "-m", "core.manage", "init"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
    )
    config = StackConfig(
        rasa_port=free_port(),
        actions_port=free_port(),
        web_port=free_port(),
        log_dir=workdir / "log",
        env=env,
    )
    running = Stack(config)
    running.start(announce=lambda line: print(line, file=sys.stderr))
    try:
        yield running, fake
    finally:
        running.stop()
        fake.close()


class WhatsAppCustomer:
    """A customer writing on WhatsApp: each message a signed Twilio webhook."""

    def __init__(self, stack: Stack, fake: FakeTwilio) -> None:
        self.web_url = stack.config.web_url
        self.database_url = stack.config.env["PITLANE_DATABASE_URL"]
        self.fake = fake
        self.number = "+336" + str(uuid.uuid4().int)[:8]
        self.replies: list[str] = []

    def say(self, text: str) -> str:
        """Send one message and wait for the answers Twilio is asked to send; their text."""
        before = len(self.fake.to(self.number))
        params = {
            "MessageSid": f"SM{uuid.uuid4().hex}",
            "AccountSid": SID,
            "From": f"whatsapp:{self.number}",
            "To": FROM,
            "Body": text,
            "NumMedia": "0",
        }
        path = "/webhooks/whatsapp"
        signature = RequestValidator(TOKEN).compute_signature(f"{PUBLIC}{path}", params)
        response = httpx.post(
            f"{self.web_url}{path}",
            data=params,
            headers={"X-Twilio-Signature": signature},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        assert "<Response/>" in response.text
        self.replies = self._wait_for_answers(before)
        return self.text

    def _wait_for_answers(self, before: int) -> list[str]:
        deadline = time.monotonic() + 60
        seen, quiet_since = before, time.monotonic()
        while time.monotonic() < deadline:
            count = len(self.fake.to(self.number))
            if count != seen:
                seen, quiet_since = count, time.monotonic()
            elif count > before and time.monotonic() - quiet_since > 1.0:
                return self.fake.to(self.number)[before:]
            time.sleep(0.1)
        raise AssertionError(f"no answer from the bot after {before} messages")

    @property
    def text(self) -> str:
        return "\n".join(self.replies)

    def offered(self) -> list[str]:
        """The payloads of the numbered list the customer was last offered."""
        uow_factory = uow_from_settings(CoreSettings(database_url=self.database_url))
        conversation = conversations.get_or_create_conversation(
            uow_factory(), "whatsapp", self.number
        )
        return [b.payload for b in store.pending_offer(uow_factory, conversation.id)]

    def choose(self, prefix: str) -> str:
        """Answer with the number of the first offered choice whose payload has `prefix`."""
        payloads = self.offered()
        index = next((i for i, p in enumerate(payloads) if p.startswith(prefix)), None)
        assert index is not None, f"no choice {prefix!r} in {payloads} / {self.text!r}"
        assert re.search(rf"^{index + 1}\. ", self.text, re.MULTILINE), self.text
        return self.say(str(index + 1))


def test_a_maintenance_booking_over_whatsapp(twilio_stack) -> None:
    stack, fake = twilio_stack
    customer = WhatsAppCustomer(stack, fake)

    customer.say("slt je voudrais verifier l'entretien de ma moto")
    customer.say("une 2019")
    customer.say("mars 2023")  # more than a year ago: slots offered straight away
    if any(p.startswith('/choose{"agency"') for p in customer.offered()):
        customer.choose('/choose{"agency"')
    customer.choose('/choose{"slot_choice"')
    customer.choose("/affirm")  # "Confirmer" under the summary
    if REFERENCE.search(customer.text) is None:
        customer.say("Jean Dupont")
        customer.say("jean.dupont@example.com")
    found = REFERENCE.search(customer.text)
    assert found, customer.text

    booked = booking(stack.config.web_url, API_TOKEN, found.group(0))
    assert booked["service"] == "maintenance"
    assert booked["channel"] == "whatsapp"
    sent = [p for p in fake.posts if p.get("To") == f"whatsapp:{customer.number}"]
    assert sent and all(p["From"] == FROM for p in sent)
    assert all(p["StatusCallback"] == f"{PUBLIC}/webhooks/twilio/status" for p in sent)


def test_an_unsigned_webhook_is_refused_by_the_running_app(twilio_stack) -> None:
    stack, fake = twilio_stack
    response = httpx.post(
        f"{stack.config.web_url}/webhooks/whatsapp",
        data={"MessageSid": "SMx", "From": "whatsapp:+33600000000", "Body": "Bonjour"},
        headers={"X-Twilio-Signature": "forged"},
        timeout=30,
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "invalid_signature"
