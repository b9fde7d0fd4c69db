"""Customers' rate limits on the chat channels: a Telegram or WhatsApp sender over its
message limit gets one refusal per window (not one per message), through the hub's one way
out; their extra messages are neither stored nor given to Rasa. Telegram and Twilio are
fakes at the network edge (tests/integration/telegram_support.py, test_whatsapp.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from channels.whatsapp import whatsapp_from_settings
from tests.integration.telegram_support import FakeBotApi, Updates, fake_bot_api, post_update
from tests.integration.test_hub_handoff import FakeRasa, fake_rasa
from tests.integration.test_telegram import telegram_overrides
from tests.integration.test_whatsapp import (
    PUBLIC,
    SID,
    TOKEN,
    FakeTwilio,
    Twilio,
    media_transport,
)
from tests.integration.web_support import stored_messages, web_client

LIMIT = 2


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    with fake_rasa() as server:
        yield server


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with fake_bot_api() as server:
        yield server


def test_a_telegram_flood_gets_one_refusal_and_only_the_limit_reaches_rasa(
    seeded_sqlite_url: str, rasa: FakeRasa, api: FakeBotApi, tmp_path: Path
) -> None:
    overrides = telegram_overrides(api, tmp_path, limit_messages_per_sender=LIMIT)
    with web_client(seeded_sqlite_url, rasa.url, **overrides) as client:
        updates = Updates()
        for i in range(6):
            assert post_update(client.post, updates.text(f"t{i}")).status_code == 200
        api.wait_for("sendMessage", LIMIT + 1, timeout=30)
        time.sleep(1.5)  # the other refused messages would have been answered by now
        sent = api.sent()

    # updates may be handled in any order: which two pass is the database's call
    passed = rasa.messages
    assert len(passed) == LIMIT and set(passed) <= {f"t{i}" for i in range(6)}
    texts = [s["text"] for s in sent]
    refusals = [t for t in texts if t.startswith("Vous envoyez trop de messages")]
    assert len(refusals) == 1
    assert sorted(t for t in texts if t not in refusals) == sorted(f"bot: {m}" for m in passed)
    stored = stored_messages(seeded_sqlite_url)
    assert sorted(m.text for m in stored if m.direction == "in") == sorted(passed)
    assert refusals[0] in [m.text for m in stored if m.direction == "out"]  # stored as ours


def test_a_whatsapp_flood_gets_one_refusal_per_window(
    seeded_sqlite_url: str, rasa: FakeRasa, tmp_path: Path
) -> None:
    settings = dict(
        twilio_account_sid=SID,
        twilio_auth_token=TOKEN,
        twilio_whatsapp_from="whatsapp:+14155238886",
        public_base_url=PUBLIC,
        upload_dir=str(tmp_path / "uploads"),
        limit_messages_per_sender=LIMIT,
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
        twilio = Twilio(client, api, rasa, seeded_sqlite_url)
        for i in range(5):
            assert twilio.message(f"w{i}", f"SM-flood-{i}").status_code == 200

    assert rasa.messages == ["w0", "w1"]
    bodies = [s["Body"] for s in api.sent]
    assert bodies[:2] == ["bot: w0", "bot: w1"]
    [refusal] = bodies[2:]
    assert "ne seront ni lus ni enregistrés" in refusal
    inbound = [m.text for m in stored_messages(seeded_sqlite_url) if m.direction == "in"]
    assert inbound == ["w0", "w1"]
