"""Telegram in webhook mode behind several web replicas (issue 15, item 2): no replica
registers the webhook at start (`python -m channels.telegram set-webhook` does, once per
deployment), any replica takes an update (its secret checked), and a photo one replica
downloaded is served to staff by the other (the database upload store). In polling mode only
the leader replica polls (Telegram refuses two getUpdates callers). Two real apps on one
database, the real python-telegram-bot code against the fake Bot API."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.telegram_support import (
    SECRET,
    FakeBotApi,
    Updates,
    fake_bot_api,
    post_update,
)
from tests.integration.test_hub_handoff import FakeRasa, fake_rasa
from tests.integration.test_telegram import JPEG, telegram_overrides
from tests.integration.test_upload_stores import attachment_keys, seed_demo, staff_get
from tests.integration.web_support import stored_messages, web_client


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with fake_bot_api() as server:
        server.files["photo-1"] = JPEG
        yield server


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    with fake_rasa() as server:
        server.answers = {"bonjour": [{"recipient_id": "x", "text": "Bonjour !"}]}
        yield server


@pytest.fixture
def seeded_url(migrated_url: str) -> str:
    return seed_demo(migrated_url)


@pytest.fixture
def replicas(seeded_url: str, rasa: FakeRasa, api: FakeBotApi, tmp_path: Path) -> Iterator:
    settings = {**telegram_overrides(api, tmp_path), "upload_store": "database"}
    with (
        web_client(seeded_url, rasa.url, **{**settings, "upload_dir": str(tmp_path / "a")}) as a,
        web_client(seeded_url, rasa.url, **{**settings, "upload_dir": str(tmp_path / "b")}) as b,
    ):
        assert a.app.state.telegram.running and b.app.state.telegram.running
        yield a, b


def test_no_replica_registers_the_webhook_at_start(replicas, api: FakeBotApi) -> None:
    assert api.sent("setWebhook") == [] and api.sent("deleteWebhook") == []
    assert len(api.sent("getMe")) == 2  # each replica only asked who the bot is


def test_consecutive_updates_of_one_chat_are_taken_by_either_replica(
    replicas, api: FakeBotApi, rasa: FakeRasa, seeded_url: str
) -> None:
    a, b = replicas
    assert post_update(a.post, Updates().text("bonjour")).json() == {"ok": True}
    api.wait_for("sendMessage", 1)
    assert post_update(b.post, Updates().text("bonjour")).json() == {"ok": True}
    api.wait_for("sendMessage", 2)

    refused = post_update(b.post, Updates().text("bonjour"), secret="wrong-" + SECRET)

    assert refused.status_code == 403
    inbound = [m for m in stored_messages(seeded_url) if m.direction == "in"]
    assert [(m.channel, m.external_id, m.text) for m in inbound] == [
        ("telegram", "4242", "bonjour")
    ] * 2
    assert len(api.wait_for("sendMessage", 2)) == 2  # nothing answered the refused one


def test_a_photo_one_replica_downloaded_is_served_by_the_other(
    replicas, api: FakeBotApi, seeded_url: str, tmp_path: Path
) -> None:
    a, b = replicas
    post_update(a.post, Updates().photo("photo-1", len(JPEG), caption="ma moto"))
    api.wait_for("sendMessage", 1)
    [(attachment_id, key)] = attachment_keys(seeded_url).items()

    served = staff_get(b, attachment_id)

    assert key.startswith("db:")
    assert served.status_code == 200 and served.content == JPEG
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def polling(app) -> bool:
    return app.state.telegram.application.updater.running


def test_in_polling_mode_only_the_leader_polls_and_another_takes_over(
    seeded_url: str, rasa: FakeRasa, api: FakeBotApi, tmp_path: Path
) -> None:
    if seeded_url.startswith("sqlite"):
        pytest.skip("one process on SQLite: it always leads (covered by test_leader.py)")
    settings = {
        **telegram_overrides(api, tmp_path),
        "telegram_mode": "polling",
        "leader_retry_seconds": 0.1,
    }
    first = web_client(seeded_url, rasa.url, **settings)
    a = first.__enter__()
    try:
        with web_client(seeded_url, rasa.url, **settings) as b:
            assert polling(a.app) and not polling(b.app)
            api.wait_for("getUpdates")

            first.__exit__(None, None, None)  # the leader's process ends
            first = None
            deadline = time.monotonic() + 10
            while not polling(b.app):
                assert time.monotonic() < deadline, "the other replica never polled"
                time.sleep(0.05)
    finally:
        if first is not None:
            first.__exit__(None, None, None)
