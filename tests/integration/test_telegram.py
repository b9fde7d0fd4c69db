"""The Telegram channel: the real python-telegram-bot code against a fake Bot API on
127.0.0.1, the real web app (webhook route, hub, database) and a recording stand-in for
Rasa. Nothing reaches the internet."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool
from telegram import Bot

from channels.bus import Bus
from channels.rasa_client import RasaClient
from channels.telegram import TelegramSender, telegram_channel
from channels.telegram.__main__ import main as telegram_cli
from channels.telegram.buttons import MAX_CALLBACK_BYTES
from core import conversations, handoff
from core.db import make_engine, make_session_factory
from core.models import Attachment, Message
from core.uow import uow_factory
from hub.inbound import HubDeps, accept_request, advisor_send
from hub.messages import OutgoingMessage
from hub.tracker_events import TrackerEvents
from tests.integration.telegram_support import (
    SECRET,
    TOKEN,
    FakeBotApi,
    Updates,
    fake_bot_api,
    post_update,
)
from tests.integration.test_hub_handoff import FakeRasa, fake_rasa, new_advisor
from tests.integration.web_support import stored_messages, web_client
from webapp.settings import WebSettings

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200)
MENU = [{"title": "Entretien", "payload": "/check_maintenance"}]
LONG_AGENCY = "agence-" + "x" * 80
LONG_PAYLOAD = '/choose{"agency":"' + LONG_AGENCY + '"}'
VENUE = {"latitude": 48.9, "longitude": 2.35, "title": "Pitlane Paris Nord", "address": "1 rue"}


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with fake_bot_api() as server:
        server.files["photo-1"] = JPEG
        yield server


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    with fake_rasa() as server:
        server.answers = {
            "bonjour": [{"recipient_id": "x", "text": "Bonjour !", "buttons": MENU}],
            "agences": [
                {
                    "recipient_id": "x",
                    "text": "Quelle agence ?",
                    "buttons": [{"title": "Loin", "payload": LONG_PAYLOAD}],
                }
            ],
            "ou": [
                {"recipient_id": "x", "text": "Ici :"},
                {"recipient_id": "x", "custom": {"venue": VENUE}},
            ],
        }
        yield server


def telegram_overrides(api: FakeBotApi, tmp_path: Path, **more: Any) -> dict[str, Any]:
    return {
        "telegram_token": TOKEN,
        "telegram_webhook_secret": SECRET,
        "telegram_api_url": api.api_url,
        "telegram_file_url": api.file_url,
        "upload_dir": str(tmp_path / "uploads"),
        **more,
    }


@pytest.fixture
def client(seeded_sqlite_url: str, rasa: FakeRasa, api: FakeBotApi, tmp_path: Path):
    with web_client(seeded_sqlite_url, rasa.url, **telegram_overrides(api, tmp_path)) as client:
        yield client


def rasa_metadata(rasa: FakeRasa) -> list[dict[str, Any]]:
    return [b["metadata"] for p, b in rasa.requests if p.startswith("/webhooks")]


def attachments(database_url: str) -> list[Attachment]:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return list(connection.execute(select(Attachment.__table__)).all())
    finally:
        engine.dispose()


# ------------------------------------------------------------------ webhook


@pytest.mark.parametrize("secret", [None, "wrong-secret", SECRET + "x", ""])
def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_processed(
    client, api: FakeBotApi, rasa: FakeRasa, seeded_sqlite_url: str, secret: str | None
) -> None:
    response = post_update(client.post, Updates().text("bonjour"), secret=secret)

    assert response.status_code == 403
    assert api.sent() == [] and rasa.requests == []
    assert stored_messages(seeded_sqlite_url) == []


def test_a_body_that_is_not_an_update_is_refused(client, api: FakeBotApi) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    assert client.post("/webhooks/telegram", content=b"{oops", headers=headers).status_code == 400
    assert client.post("/webhooks/telegram", json=[1], headers=headers).status_code == 400
    assert client.post("/webhooks/telegram", json={"x": 1}, headers=headers).status_code == 400
    big = b'{"update_id": 1, "pad": "' + b"x" * 300_000 + b'"}'
    assert client.post("/webhooks/telegram", content=big, headers=headers).status_code == 413
    assert api.sent() == []


def test_the_application_connects_to_the_bot_api_at_start_up(client, api: FakeBotApi) -> None:
    assert [name for name, _ in api.calls][:1] == ["getMe"]
    assert client.app.state.hub.senders["telegram"].channel == "telegram"


# ------------------------------------------------------------------ text and buttons


def test_a_text_goes_through_the_hub_and_the_answer_has_an_inline_keyboard(
    client, api: FakeBotApi, rasa: FakeRasa, seeded_sqlite_url: str
) -> None:
    response = post_update(client.post, Updates().text("bonjour"))

    assert response.status_code == 200
    [sent] = api.wait_for("sendMessage")
    assert sent["chat_id"] == 4242
    assert sent["text"] == "Bonjour !"
    keyboard = sent["reply_markup"]["inline_keyboard"]
    assert keyboard == [[{"text": "Entretien", "callback_data": "/check_maintenance"}]]
    assert rasa.messages == ["bonjour"]
    assert rasa_metadata(rasa) == [{"channel": "telegram", "external_id": "4242", "language": "fr"}]
    stored = stored_messages(seeded_sqlite_url)
    assert [(m.channel, m.external_id, m.direction, m.text) for m in stored] == [
        ("telegram", "4242", "in", "bonjour"),
        ("telegram", "4242", "out", "Bonjour !"),
    ]


@pytest.mark.parametrize(
    "update",
    [
        Updates().text("a\ud800b"),
        Updates().photo("photo-1", len(JPEG), caption="ma moto \udfff"),
    ],
    ids=["text", "caption"],
)
def test_a_lone_surrogate_is_refused_in_the_chat_and_the_text_is_not_stored(
    client,
    api: FakeBotApi,
    rasa: FakeRasa,
    seeded_sqlite_url: str,
    tmp_path: Path,
    update: dict[str, Any],
) -> None:
    body = json.dumps(update).encode()  # ASCII: "\\ud800" as Telegram would write it
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "content-type": "application/json"}
    response = client.post("/webhooks/telegram", content=body, headers=headers)

    assert response.status_code == 200  # accepted: Telegram would retry a refused update
    [sent] = api.wait_for("sendMessage")
    assert "n'a pas été enregistré" in sent["text"]
    assert rasa.requests == []
    stored = stored_messages(seeded_sqlite_url)
    assert [(m.direction, m.text) for m in stored] == [("out", sent["text"])]
    assert attachments(seeded_sqlite_url) == []
    assert api.downloads == [] and not list(tmp_path.glob("uploads/**/*.*"))


def test_an_answer_telegram_refuses_is_marked_failed_for_staff(
    client, api: FakeBotApi, rasa: FakeRasa, seeded_sqlite_url: str
) -> None:
    api.failures["sendMessage"] = [(403, "Forbidden: bot was blocked by the user", {})]
    post_update(client.post, Updates().text("bonjour"))

    api.wait_for("sendMessage")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not failed_messages(seeded_sqlite_url):
        time.sleep(0.05)
    [failed] = failed_messages(seeded_sqlite_url)
    assert failed.text == "Bonjour !" and "blocked" in (failed.error or "")


def failed_messages(database_url: str) -> list[Any]:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            query = select(Message.text, Message.error).where(Message.status == "failed")
            return list(connection.execute(query).all())
    finally:
        engine.dispose()


def test_a_pressed_button_is_answered_and_its_payload_acts_as_the_message(
    client, api: FakeBotApi, rasa: FakeRasa, seeded_sqlite_url: str
) -> None:
    updates = Updates()
    post_update(client.post, updates.text("bonjour"))
    api.wait_for("sendMessage")
    post_update(client.post, updates.press("/check_maintenance"))

    api.wait_for("sendMessage", 2)
    [answered] = api.sent("answerCallbackQuery")
    assert answered["callback_query_id"].startswith("cbq-")
    assert rasa.messages == ["bonjour", "/check_maintenance"]
    clicked = [m for m in stored_messages(seeded_sqlite_url) if m.text == "/check_maintenance"]
    assert clicked[0].payload == {"title": "Entretien"}  # shown as the button's title


def test_a_payload_too_long_for_telegram_travels_as_a_token_and_comes_back_whole(
    client, api: FakeBotApi, rasa: FakeRasa
) -> None:
    updates = Updates()
    post_update(client.post, updates.text("agences"))
    [sent] = api.wait_for("sendMessage")
    [[button]] = sent["reply_markup"]["inline_keyboard"]
    assert len(LONG_PAYLOAD.encode()) > MAX_CALLBACK_BYTES
    assert len(button["callback_data"].encode()) <= MAX_CALLBACK_BYTES
    assert button["callback_data"].startswith("#")

    post_update(client.post, updates.press(button["callback_data"]))
    api.wait_for("answerCallbackQuery")
    api.wait_for("sendMessage", 2)
    assert rasa.messages == ["agences", LONG_PAYLOAD]


def test_an_unknown_token_is_answered_without_reaching_the_bot(
    client, api: FakeBotApi, rasa: FakeRasa
) -> None:
    post_update(client.post, Updates().press("#AAAAAAAAAAAAAAAA"))

    [sent] = api.wait_for("sendMessage")
    assert "n'est plus disponible" in sent["text"]
    assert api.sent("answerCallbackQuery") and rasa.messages == []


def test_a_slot_choice_payload_fits_in_telegrams_callback_data() -> None:
    slot = '/choose{"slot_choice":"2026-11-24T08:00:00+00:00"}'
    assert len(slot.encode()) <= MAX_CALLBACK_BYTES


@pytest.mark.parametrize(
    ("language_code", "expected"), [("en-GB", "en"), ("fr", "fr"), ("de", None), (None, None)]
)
def test_the_language_comes_from_the_telegram_language_code(
    client, api: FakeBotApi, rasa: FakeRasa, language_code: str | None, expected: str | None
) -> None:
    post_update(client.post, Updates(language_code=language_code).text("hello"))

    api.wait_for("sendMessage")
    assert rasa_metadata(rasa)[0]["language"] == expected


def test_a_venue_in_the_bots_answer_is_sent_as_a_venue(client, api: FakeBotApi) -> None:
    post_update(client.post, Updates().text("ou"))

    [venue] = api.wait_for("sendVenue")
    assert venue["chat_id"] == 4242
    assert (venue["latitude"], venue["longitude"]) == (48.9, 2.35)
    assert (venue["title"], venue["address"]) == ("Pitlane Paris Nord", "1 rue")
    assert [m["text"] for m in api.sent()] == ["Ici :"]


# ------------------------------------------------------------------ files and places


def test_a_photo_is_downloaded_stored_and_attached_with_its_caption_as_text(
    client, api: FakeBotApi, rasa: FakeRasa, seeded_sqlite_url: str, tmp_path: Path
) -> None:
    post_update(client.post, Updates().photo("photo-1", len(JPEG), caption="ma moto"))

    api.wait_for("sendMessage")
    assert api.sent("getFile") == [{"file_id": "photo-1"}]  # the largest size
    assert api.downloads == ["photo-1"]
    assert rasa.messages == ["ma moto"]
    [attachment] = attachments(seeded_sqlite_url)
    assert (attachment.kind, attachment.content_type, attachment.size) == (
        "image",
        "image/jpeg",
        len(JPEG),
    )
    stored = Path(attachment.storage_path)
    assert stored.parent == (tmp_path / "uploads").resolve()
    assert stored.read_bytes() == JPEG
    [inbound] = [m for m in stored_messages(seeded_sqlite_url) if m.direction == "in"]
    assert inbound.text == "ma moto"


def test_a_file_of_a_refused_type_is_declined_politely_and_not_stored(
    client, api: FakeBotApi, rasa: FakeRasa, seeded_sqlite_url: str
) -> None:
    api.files["zip-1"] = b"PK\x03\x04" + bytes(100)
    post_update(client.post, Updates().document("zip-1", 104, "application/zip", "a.zip"))

    [sent] = api.wait_for("sendMessage")
    assert "photos et des PDF" in sent["text"]
    assert attachments(seeded_sqlite_url) == [] and rasa.messages == []


def test_a_file_too_large_is_declined_without_downloading_it(
    client, api: FakeBotApi, rasa: FakeRasa
) -> None:
    post_update(
        client.post,
        Updates(language_code="en").document("big", 11 * 2**20, "application/pdf", "b.pdf"),
    )

    [sent] = api.wait_for("sendMessage")
    assert "under 10 MB" in sent["text"]
    assert api.sent("getFile") == [] and rasa.messages == []


def test_a_location_is_stored_as_a_location_attachment(
    client, api: FakeBotApi, rasa: FakeRasa, seeded_sqlite_url: str
) -> None:
    post_update(client.post, Updates().location(48.85, 2.35))

    api.wait_for("sendMessage")
    [attachment] = attachments(seeded_sqlite_url)
    assert (attachment.kind, attachment.latitude, attachment.longitude) == ("location", 48.85, 2.35)
    assert rasa.messages == ["[location]"]


def test_an_update_delivered_twice_is_processed_once(
    client, api: FakeBotApi, rasa: FakeRasa
) -> None:
    update = Updates().text("bonjour")
    post_update(client.post, update)
    api.wait_for("sendMessage")
    post_update(client.post, update)
    post_update(client.post, Updates(user_id=7).text("bonjour"))  # a later one, processed

    api.wait_for("sendMessage", 2)
    assert rasa.messages == ["bonjour", "bonjour"]
    assert [m["chat_id"] for m in api.sent()] == [4242, 7]


# ------------------------------------------------------------------ proactive messages


@pytest.fixture
async def bot(api: FakeBotApi) -> Bot:
    async with Bot(TOKEN, base_url=api.api_url, base_file_url=api.file_url) as bot:
        yield bot


@pytest.fixture
def uows(seeded_sqlite_url: str):
    engine = make_engine(seeded_sqlite_url)
    yield uow_factory(make_session_factory(engine), timezone="Europe/Paris")
    engine.dispose()


@pytest.fixture
def hub(uows, rasa: FakeRasa, bot: Bot) -> HubDeps:
    return HubDeps(
        uow_factory=uows,
        brain=RasaClient(rasa.url, 2.0),
        bus=Bus(),
        tracker_events=TrackerEvents(retry_delay=0.01),
        senders={"telegram": TelegramSender(bot)},
        delivery_delays=(0.0, 0.0, 0.0),
    )


def accepted_request(uows, external_id: str = "4242") -> tuple[int, int]:
    """A Telegram customer's handoff request, pending, and an available advisor."""
    now = datetime.now(timezone.utc)
    advisor = new_advisor(uows, now)
    conversation = conversations.get_or_create_conversation(uows(), "telegram", external_id)
    request = handoff.request_handoff(uows(), conversation.id, now)
    return request.id, advisor


async def test_an_advisors_reply_reaches_the_telegram_customer(
    hub: HubDeps, api: FakeBotApi, uows
) -> None:
    request_id, advisor = accepted_request(uows)
    await accept_request(hub, request_id, advisor)
    message_id = await advisor_send(hub, request_id, advisor, "Bonjour, ici Nina")

    notice, reply = api.sent()
    assert notice["chat_id"] == 4242 and "Nina Martin" in notice["text"]
    assert reply == {"chat_id": 4242, "text": "Nina Martin: Bonjour, ici Nina"}
    conversation = conversations.get_or_create_conversation(uows(), "telegram", "4242")
    [stored] = [m for m in conversations.transcript(uows(), conversation.id) if m.id == message_id]
    assert stored.status == "sent" and stored.external_id is not None


async def test_a_rate_limited_send_is_retried_until_it_passes(
    hub: HubDeps, api: FakeBotApi, uows
) -> None:
    request_id, advisor = accepted_request(uows)
    api.failures["sendMessage"] = [(429, "Too Many Requests: retry after 1", {"retry_after": 1})]
    await accept_request(hub, request_id, advisor)

    assert len([c for c in api.calls if c[0] == "sendMessage"]) == 2  # failed, then sent
    assert conversations.failed_outbound(uows()) == []


async def test_a_send_failing_every_time_is_retried_then_marked_failed(
    hub: HubDeps, api: FakeBotApi, uows
) -> None:
    request_id, advisor = accepted_request(uows)
    api.failures["sendMessage"] = [(502, "Bad Gateway", {})] * 4
    await accept_request(hub, request_id, advisor)

    assert len(api.sent()) == 4  # the first try and three retries
    [failed] = conversations.failed_outbound(uows())
    assert failed.status == "failed" and "transient" in (failed.error or "")


async def test_a_blocked_bot_is_not_retried_and_the_message_is_marked_failed(
    hub: HubDeps, api: FakeBotApi, uows
) -> None:
    request_id, advisor = accepted_request(uows)
    api.failures["sendMessage"] = [(403, "Forbidden: bot was blocked by the user", {})]
    await accept_request(hub, request_id, advisor)

    assert len(api.sent()) == 1
    [failed] = conversations.failed_outbound(uows())
    assert "permanent" in (failed.error or "") and "blocked" in (failed.error or "")


async def test_the_sender_sends_a_venue_for_a_place(bot: Bot, api: FakeBotApi) -> None:
    sent = await TelegramSender(bot).send("4242", OutgoingMessage(custom={"venue": VENUE}))

    [venue] = api.sent("sendVenue")
    assert venue["title"] == "Pitlane Paris Nord" and sent is not None
    assert api.sent() == []


# ------------------------------------------------------------------ configuration


def settings_for(api: FakeBotApi, tmp_path: Path, **values: Any) -> WebSettings:
    return WebSettings(
        database_url=f"sqlite:///{tmp_path / 'x.db'}",
        **{**telegram_overrides(api, tmp_path), **values},
    )


def test_without_a_token_the_channel_is_off_and_says_so(
    api: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    hub = HubDeps(uow_factory=lambda: None, brain=None, bus=Bus())  # type: ignore[arg-type]
    with caplog.at_level(logging.INFO, logger="channels.telegram"):
        assert telegram_channel(settings_for(api, tmp_path, telegram_token=None), hub) is None
    assert "Telegram channel off" in caplog.text


def test_webhook_mode_without_a_secret_refuses_to_start(
    api: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    hub = HubDeps(uow_factory=lambda: None, brain=None, bus=Bus())  # type: ignore[arg-type]
    settings = settings_for(api, tmp_path, telegram_webhook_secret=None)
    with caplog.at_level(logging.ERROR, logger="channels.telegram"):
        assert telegram_channel(settings, hub) is None
    assert "NOT started" in caplog.text
    polling = settings_for(api, tmp_path, telegram_webhook_secret=None, telegram_mode="polling")
    channel = telegram_channel(polling, hub)
    assert channel is not None and channel.application.updater is not None


def test_the_webhook_answers_404_while_the_channel_is_off(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url) as client:
        assert client.app.state.telegram is None
        response = post_update(client.post, Updates().text("bonjour"))
    assert response.status_code == 404


def test_set_webhook_registers_the_url_with_the_secret(api: FakeBotApi, tmp_path: Path) -> None:
    url = "https://pitlane.example/webhooks/telegram"
    assert telegram_cli(["set-webhook", url], settings_for(api, tmp_path)) == 0

    [call] = api.sent("setWebhook")
    assert call["url"] == url and call["secret_token"] == SECRET
    assert call["allowed_updates"] == ["message", "callback_query"]


def test_telegrams_start_command_greets(client, api: FakeBotApi, rasa: FakeRasa) -> None:
    post_update(client.post, Updates().text("/start"))

    api.wait_for("sendMessage")
    assert rasa.messages == ["/greet"]
