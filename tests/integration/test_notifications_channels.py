"""Commercial notifications on Telegram and WhatsApp (SQLite and PostgreSQL).

The real python-telegram-bot `Application` (our handlers installed) talks to the fake Bot
API on 127.0.0.1; the real twilio `Client` talks to Twilio's REST API through the recording
fake HTTP client. Customers opt in and out with the channels' own commands and keywords,
then the fan-out (hub/offers.py) is run and what each fake received is read.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import SecretStr
from telegram import Update
from telegram.ext import Application

from channels.bus import Bus
from channels.rasa_client import RasaClient
from channels.telegram import TelegramSender
from channels.telegram.handlers import TelegramHandlers
from channels.whatsapp import WhatsAppChannel, process_inbound, whatsapp_from_settings
from core import conversations, notifications
from core.file_store import FilesystemStore
from core.notifications import NotificationView
from hub.deps import HubDeps
from hub.offers import dispatch_due, fan_out
from tests.integration.telegram_support import TOKEN, FakeBotApi, Updates, fake_bot_api
from tests.integration.test_whatsapp import SID, FakeTwilio
from tests.integration.test_whatsapp import TOKEN as TWILIO_TOKEN
from tests.integration.web_support import closed_port

WHATSAPP_FROM = "whatsapp:+14155238886"
ANNA, BEN, CHLOE, DAVID, EMMA = (f"+336000000{i:02d}" for i in range(1, 6))
FR_USER, EN_USER = 4242, 77
FOOTER_WHATSAPP_FR = "Pour ne plus recevoir nos offres, envoyez OFFRES STOP."
FOOTER_WHATSAPP_EN = "To stop getting our offers, send OFFERS STOP."
FOOTER_TELEGRAM_FR = "Pour ne plus recevoir nos offres : /stopoffres ou le bouton ci-dessous."
FOOTER_TELEGRAM_EN = "To stop getting our offers: /stopoffers or the button below."


def command(updates: Updates, text: str) -> dict[str, Any]:
    """A command update as Telegram posts it (with its bot_command entity)."""
    update = updates.text(text)
    length = len(text.split()[0])
    update["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return update


@dataclass
class Channels:
    hub: HubDeps
    telegram: Application
    whatsapp: WhatsAppChannel
    bot_api: FakeBotApi
    twilio: FakeTwilio

    async def telegram_update(self, update: dict[str, Any]) -> None:
        """One update through the real Application and our handlers."""
        await self.telegram.process_update(Update.de_json(update, self.telegram.bot))

    async def whatsapp_says(self, number: str, body: str) -> None:
        """One inbound WhatsApp message through the adapter (past the signed webhook)."""
        sid = f"SM-in-{len(self.twilio.requests)}-{number}-{body}"
        params = {"MessageSid": sid, "From": f"whatsapp:{number}", "Body": body}
        await process_inbound(self.hub, self.whatsapp, "whatsapp", number, params)

    def telegram_got(self, title: str) -> list[dict[str, Any]]:
        return [m for m in self.bot_api.sent() if m["text"].startswith(title)]

    def whatsapp_got(self, title: str) -> list[dict[str, Any]]:
        return [m for m in self.twilio.sent if m["Body"].startswith(title)]

    def last_whatsapp_reply(self, number: str) -> str:
        return [m["Body"] for m in self.twilio.sent if m["To"] == f"whatsapp:{number}"][-1]


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    with fake_bot_api() as server:
        yield server


@pytest.fixture
async def chat(uow_factory, bot_api: FakeBotApi, tmp_path: Path) -> AsyncIterator[Channels]:
    twilio = FakeTwilio()
    settings = SimpleNamespace(
        twilio_account_sid=SID,
        twilio_auth_token=SecretStr(TWILIO_TOKEN),
        twilio_whatsapp_from=WHATSAPP_FROM,
        twilio_sms_from=None,
        twilio_api_url="https://api.twilio.com",
        public_base_url=None,
        upload_dir=str(tmp_path / "uploads"),
    )
    whatsapp = whatsapp_from_settings(settings, http_client=twilio)
    assert whatsapp is not None
    application = (
        Application.builder()
        .token(TOKEN)
        .base_url(bot_api.api_url)
        .base_file_url(bot_api.file_url)
        .updater(None)
        .build()
    )
    hub = HubDeps(
        uow_factory=uow_factory,
        brain=RasaClient(f"http://127.0.0.1:{closed_port()}", 1.0),  # never asked here
        bus=Bus(),
        senders={"telegram": TelegramSender(application.bot), **whatsapp.senders},
        delivery_delays=(0.0, 0.0, 0.0),
        files=FilesystemStore(tmp_path / "uploads"),
    )
    TelegramHandlers(hub).install(application)
    async with application:
        yield Channels(hub, application, whatsapp, bot_api, twilio)


def known(uow_factory, channel: str, external_id: str | int, language: str | None) -> None:
    """A customer who talked to the bot before (their conversation exists)."""
    conversations.get_or_create_conversation(uow_factory(), channel, str(external_id), language)


def send_now(uow_factory, title: str, audience: str = "all", language: str | None = None):
    return notifications.create_notification(
        uow_factory(),
        title=title,
        body="Révision à -20 % jusqu'à dimanche.",
        link="https://pitlane.example/offres",
        audience=audience,
        language=language,
        now=datetime.now(timezone.utc),
    )


def received(uow_factory, view: NotificationView) -> int:
    [found] = [n for n in notifications.list_notifications(uow_factory()) if n.id == view.id]
    return found.received


async def test_a_notification_to_everyone_reaches_telegram_and_whatsapp_but_not_after_stop(
    chat: Channels, uow_factory
) -> None:
    known(uow_factory, "telegram", FR_USER, "fr")
    known(uow_factory, "telegram", EN_USER, "en")
    known(uow_factory, "whatsapp", ANNA, None)
    await chat.whatsapp_says(BEN, "STOP")

    view = send_now(uow_factory, "Promo hiver")
    delivered = await fan_out(chat.hub, view)

    english, french = sorted(chat.telegram_got("Promo hiver"), key=lambda m: m["chat_id"])
    assert (french["chat_id"], english["chat_id"]) == (FR_USER, EN_USER)
    assert french["text"] == (
        "Promo hiver\n\nRévision à -20 % jusqu'à dimanche.\n\n"
        f"https://pitlane.example/offres\n\n{FOOTER_TELEGRAM_FR}"
    )
    assert french["reply_markup"]["inline_keyboard"] == [
        [{"text": "Ne plus recevoir", "callback_data": "/stopoffres"}]
    ]
    assert english["text"].endswith(FOOTER_TELEGRAM_EN)
    assert english["reply_markup"]["inline_keyboard"][0][0]["text"] == "Unsubscribe"
    [whatsapp] = chat.whatsapp_got("Promo hiver")
    assert whatsapp["To"] == f"whatsapp:{ANNA}" and whatsapp["From"] == WHATSAPP_FROM
    assert whatsapp["Body"].endswith(f"\n\n{FOOTER_WHATSAPP_FR}")
    assert delivered == 3 and received(uow_factory, view) == 3
    assert notifications.get_notification(uow_factory(), view.id).status == "sent"


async def test_the_opted_in_audience_reaches_only_those_who_subscribed_on_their_channel(
    chat: Channels, uow_factory
) -> None:
    await chat.telegram_update(command(Updates(FR_USER, "fr"), "/offres"))
    known(uow_factory, "telegram", EN_USER, "en")  # never said yes
    await chat.whatsapp_says(ANNA, "OFFRES")
    await chat.whatsapp_says(BEN, "offers")
    known(uow_factory, "whatsapp", CHLOE, "fr")  # never said yes
    await chat.whatsapp_says(DAVID, "Offres")
    await chat.whatsapp_says(DAVID, "STOP")  # STOP wins over the yes
    await chat.whatsapp_says(EMMA, "STOP")
    await chat.whatsapp_says(EMMA, "OFFRES")  # a yes does not lift STOP

    [reply] = chat.bot_api.sent()
    assert reply["chat_id"] == FR_USER and "/stopoffres" in reply["text"]
    assert reply["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "/stopoffres"
    assert "OFFRES STOP" in chat.last_whatsapp_reply(ANNA)
    assert chat.last_whatsapp_reply(BEN).startswith("Done: you will get our commercial offers")
    assert "START" in chat.last_whatsapp_reply(EMMA)
    assert conversations.is_opted_out(uow_factory(), "whatsapp", EMMA)

    view = send_now(uow_factory, "Réservé aux abonnés", audience="opted_in")
    await fan_out(chat.hub, view)

    assert [m["chat_id"] for m in chat.telegram_got("Réservé")] == [FR_USER]
    got = {m["To"]: m["Body"] for m in chat.whatsapp_got("Réservé")}
    assert got.keys() == {f"whatsapp:{ANNA}", f"whatsapp:{BEN}"}
    assert got[f"whatsapp:{BEN}"].endswith(FOOTER_WHATSAPP_EN)  # language of "offers"

    await chat.whatsapp_says(EMMA, "START")  # back: her earlier yes counts again
    again = send_now(uow_factory, "Encore pour les abonnés", audience="opted_in")
    await fan_out(chat.hub, again)
    assert {m["To"] for m in chat.whatsapp_got("Encore")} == {
        f"whatsapp:{ANNA}",
        f"whatsapp:{BEN}",
        f"whatsapp:{EMMA}",
    }


async def test_unsubscribing_by_button_command_or_keyword_stops_every_offer(
    chat: Channels, uow_factory
) -> None:
    french, english = Updates(FR_USER, "fr"), Updates(EN_USER, "en")
    await chat.telegram_update(command(french, "/offres"))
    await chat.telegram_update(french.press("/stopoffres"))  # the button under an offer
    await chat.telegram_update(command(english, "/offers"))
    await chat.telegram_update(command(english, "/stopoffers"))
    await chat.whatsapp_says(ANNA, "OFFRES")
    await chat.whatsapp_says(ANNA, "offres stop")
    known(uow_factory, "whatsapp", BEN, "fr")

    assert len(chat.bot_api.sent("answerCallbackQuery")) == 1
    replies = [m["text"] for m in chat.bot_api.sent()]
    assert "/offres" in replies[1] and "ne recevrez plus" in replies[1]
    assert "/offers" in replies[3] and "any more" in replies[3]
    assert "envoyez OFFRES." in chat.last_whatsapp_reply(ANNA)
    # offers only: reminders and other proactive messages still reach them
    assert not conversations.is_opted_out(uow_factory(), "whatsapp", ANNA)
    assert not conversations.is_opted_out(uow_factory(), "telegram", str(FR_USER))

    for audience in ("all", "opted_in"):
        await fan_out(chat.hub, send_now(uow_factory, f"Offre {audience}", audience=audience))

    assert chat.telegram_got("Offre") == []
    assert [m["To"] for m in chat.whatsapp_got("Offre")] == [f"whatsapp:{BEN}"]
    assert notifications.audience_size(uow_factory(), "all", None) == {
        "web": 0,
        "telegram": 0,
        "whatsapp": 1,
    }


async def test_a_language_audience_reaches_only_the_customers_of_that_language(
    chat: Channels, uow_factory
) -> None:
    known(uow_factory, "telegram", FR_USER, "fr")
    known(uow_factory, "telegram", EN_USER, "en")
    known(uow_factory, "whatsapp", ANNA, None)  # no language known: French
    known(uow_factory, "whatsapp", BEN, "en")

    await fan_out(chat.hub, send_now(uow_factory, "English offer", "language", "en"))
    await fan_out(chat.hub, send_now(uow_factory, "Offre en français", "language", "fr"))

    assert [m["chat_id"] for m in chat.telegram_got("English")] == [EN_USER]
    assert [m["To"] for m in chat.whatsapp_got("English")] == [f"whatsapp:{BEN}"]
    assert [m["chat_id"] for m in chat.telegram_got("Offre en")] == [FR_USER]
    assert [m["To"] for m in chat.whatsapp_got("Offre en")] == [f"whatsapp:{ANNA}"]
    assert chat.whatsapp_got("English")[0]["Body"].endswith(FOOTER_WHATSAPP_EN)


async def test_a_notification_dispatched_twice_is_sent_once(chat: Channels, uow_factory) -> None:
    known(uow_factory, "telegram", FR_USER, "fr")
    known(uow_factory, "whatsapp", ANNA, "fr")
    now = datetime.now(timezone.utc)
    view = notifications.create_notification(
        uow_factory(), title="Programmée", body="x", send_at=now + timedelta(minutes=5), now=now
    )
    due = now + timedelta(minutes=6)

    first, second = await asyncio.gather(dispatch_due(chat.hub, due), dispatch_due(chat.hub, due))
    third = await dispatch_due(chat.hub, due)
    sent = notifications.get_notification(uow_factory(), view.id)
    await fan_out(chat.hub, sent)  # even a second fan-out skips who received it

    assert sorted([first, second, third], key=len) == [[], [], [view.id]]
    assert len(chat.telegram_got("Programmée")) == 1
    assert len(chat.whatsapp_got("Programmée")) == 1
    assert sent.status == "sent" and received(uow_factory, view) == 2
