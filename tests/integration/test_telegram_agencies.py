"""Issue 6 on Telegram and WhatsApp: the bot's `agencies` message becomes up to three venues
on Telegram (before the question and its buttons), WhatsApp leaves it out; a shared place and
a photo reach the bot as `location` and `attachments` metadata. The real python-telegram-bot
code against the fake Bot API, the real web app and a recording stand-in for Rasa."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot

from channels.telegram import TelegramSender
from channels.whatsapp import TwilioSender, numbered
from hub.messages import OutgoingMessage
from tests.integration.telegram_support import TOKEN, FakeBotApi, Updates, fake_bot_api, post_update
from tests.integration.test_hub_handoff import FakeRasa, fake_rasa
from tests.integration.test_telegram import attachments, rasa_metadata, telegram_overrides
from tests.integration.web_support import web_client

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(300)


def agency(code: str, name: str, lat: float, lon: float, distance: float | None) -> dict:
    return {
        "code": code,
        "name": name,
        "address": f"{len(code)} rue de la Gare",
        "city": "Paris",
        "postcode": "75018",
        "latitude": lat,
        "longitude": lon,
        "phone": "+33 1 23 45 67 89",
        "distance_km": distance,
    }


ITEMS = [
    agency("paris-nord", "Pitlane Paris Nord", 48.8967, 2.3522, 1.25),
    agency("lyon-gerland", "Pitlane Lyon Gerland", 45.7275, 4.8322, 392.0),
    agency("bordeaux-lac", "Pitlane Bordeaux Lac", 44.8836, -0.5642, 498.4),
    agency("lille-centre", "Pitlane Lille", 50.63, 3.06, 512.0),
]
AGENCIES = {"agencies": {"service": "diagnostic", "origin": None, "items": ITEMS}}
QUESTION = {
    "recipient_id": "x",
    "text": "Quelle agence ?",
    "buttons": [
        {"title": i["name"], "payload": '/choose{"agency": "' + i["code"] + '"}'} for i in ITEMS
    ],
}


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with fake_bot_api() as server:
        server.files["photo-1"] = JPEG
        yield server


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    with fake_rasa() as server:
        server.answers = {
            "agence": [{"recipient_id": "x", "custom": AGENCIES}, QUESTION],
            "[location]": [{"recipient_id": "x", "custom": AGENCIES}, QUESTION],
        }
        yield server


@pytest.fixture
def client(seeded_sqlite_url: str, rasa: FakeRasa, api: FakeBotApi, tmp_path: Path):
    with web_client(seeded_sqlite_url, rasa.url, **telegram_overrides(api, tmp_path)) as client:
        yield client


@pytest.fixture
async def bot(api: FakeBotApi) -> Bot:
    async with Bot(TOKEN, base_url=api.api_url, base_file_url=api.file_url) as bot:
        yield bot


def test_the_agencies_message_becomes_three_venues_before_the_question_and_its_buttons(
    client, api: FakeBotApi
) -> None:
    post_update(client.post, Updates().text("agence"))

    api.wait_for("sendMessage")
    calls = [(name, params) for name, params in api.calls if name in ("sendVenue", "sendMessage")]
    assert [name for name, _ in calls] == ["sendVenue"] * 3 + ["sendMessage"]
    venues = [params for name, params in calls if name == "sendVenue"]
    assert [v["title"] for v in venues] == [
        "Pitlane Paris Nord · 1.2 km",
        "Pitlane Lyon Gerland · 392.0 km",
        "Pitlane Bordeaux Lac · 498.4 km",
    ]
    assert (venues[0]["latitude"], venues[0]["longitude"]) == (48.8967, 2.3522)
    assert venues[0]["address"] == "10 rue de la Gare, 75018 Paris"
    keyboard = calls[-1][1]["reply_markup"]["inline_keyboard"]
    assert len(keyboard) == len(ITEMS)  # the buttons still offer every agency


def test_a_shared_place_reaches_the_bot_as_location_metadata_and_gets_the_venues(
    client, api: FakeBotApi, rasa: FakeRasa
) -> None:
    post_update(client.post, Updates().location(48.85, 2.35))

    api.wait_for("sendMessage")
    [metadata] = rasa_metadata(rasa)
    assert metadata["location"] == {"latitude": 48.85, "longitude": 2.35}
    assert "attachments" not in metadata  # a place is not a file
    assert len(api.sent("sendVenue")) == 3


def test_a_photo_reaches_the_bot_as_attachments_metadata_with_its_stored_id(
    client, api: FakeBotApi, rasa: FakeRasa, seeded_sqlite_url: str
) -> None:
    post_update(client.post, Updates().photo("photo-1", len(JPEG), caption="le bruit vient de là"))

    api.wait_for("sendMessage")
    [stored] = attachments(seeded_sqlite_url)
    [metadata] = rasa_metadata(rasa)
    assert metadata["attachments"] == [
        {"id": stored.id, "kind": "image", "content_type": "image/jpeg"}
    ]
    assert "location" not in metadata


async def test_malformed_agencies_are_skipped_and_no_agency_sends_nothing(
    bot: Bot, api: FakeBotApi
) -> None:
    broken = [
        {**ITEMS[0], "latitude": 123.0},
        "not an agency",
        {**ITEMS[1], "name": None},
        {**ITEMS[2], "distance_km": None},
    ]
    sender = TelegramSender(bot)

    await sender.send("4242", OutgoingMessage(custom={"agencies": {"items": broken}}))
    nothing = await sender.send("4242", OutgoingMessage(custom={"agencies": {"items": "x"}}))

    [venue] = api.sent("sendVenue")
    assert venue["title"] == "Pitlane Bordeaux Lac"  # no distance known: the name alone
    assert nothing is None and api.sent() == []


class NoTwilio:
    @property
    def messages(self) -> Any:  # pragma: no cover - must not be reached
        raise AssertionError("nothing is sent for an agencies message")


async def test_whatsapp_leaves_the_agencies_message_out_and_keeps_the_numbered_list() -> None:
    sender = TwilioSender("whatsapp", NoTwilio(), "whatsapp:+14155238886")  # type: ignore[arg-type]

    assert await sender.send("+33611111111", OutgoingMessage(custom=AGENCIES)) is None
    question = OutgoingMessage.from_rasa(QUESTION)
    assert numbered(question).splitlines()[2:] == [
        f"{n}. {item['name']}" for n, item in enumerate(ITEMS, 1)
    ]
