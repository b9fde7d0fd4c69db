"""Offers keywords and commands through the web app's real webhooks (SQLite): a signed
Twilio form to /webhooks/whatsapp, a Telegram update to /webhooks/telegram; the bot (a
recording stand-in for Rasa) never sees them, and the answer says how to undo."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from channels.whatsapp import whatsapp_from_settings
from core import conversations, notifications
from core.models import utcnow
from tests.integration.staff_web_support import units_of_work
from tests.integration.telegram_support import FakeBotApi, Updates, fake_bot_api, post_update
from tests.integration.test_hub_handoff import FakeRasa, fake_rasa
from tests.integration.test_notifications_channels import command
from tests.integration.test_telegram import telegram_overrides
from tests.integration.test_whatsapp import CUSTOMER, PUBLIC, SID, FakeTwilio, Twilio
from tests.integration.test_whatsapp import TOKEN as TWILIO_TOKEN
from tests.integration.web_support import stored_messages, web_client


@dataclass
class Web:
    twilio: Twilio
    bot_api: FakeBotApi
    rasa: FakeRasa
    url: str

    def profile(self, channel: str, external_id: str) -> notifications.AudienceProfile:
        with units_of_work(self.url) as new_uow:
            return notifications.customer_profile(new_uow(), channel, external_id)


@pytest.fixture
def web(seeded_sqlite_url: str, tmp_path: Path) -> Iterator[Web]:
    with fake_rasa() as rasa, fake_bot_api() as bot_api:
        settings: dict[str, Any] = dict(
            twilio_account_sid=SID,
            twilio_auth_token=TWILIO_TOKEN,
            twilio_whatsapp_from="whatsapp:+14155238886",
            twilio_sms_from="+15005550006",
            public_base_url=PUBLIC,
            **telegram_overrides(bot_api, tmp_path),
        )
        with web_client(seeded_sqlite_url, rasa.url, **settings) as client:
            api = FakeTwilio()
            app = client.app
            channel = whatsapp_from_settings(app.state.settings, http_client=api)
            app.state.whatsapp = channel
            app.state.hub.senders.update(channel.senders)
            app.state.hub = replace(app.state.hub, delivery_delays=(0.0, 0.0, 0.0))
            twilio = Twilio(client, api, rasa, seeded_sqlite_url)
            yield Web(twilio, bot_api, rasa, seeded_sqlite_url)


def test_whatsapp_offres_subscribes_and_offers_stop_unsubscribes_without_the_bot(
    web: Web,
) -> None:
    assert web.twilio.message("Offres", "SM-o1").status_code == 200
    subscribed = web.profile("whatsapp", CUSTOMER)
    said_yes = web.twilio.api.sent[-1]["Body"]
    web.twilio.message("OFFERS STOP", "SM-o2")
    unsubscribed = web.profile("whatsapp", CUSTOMER)

    assert subscribed.subscribed and not subscribed.declined
    assert (
        said_yes.startswith("C'est noté : vous recevrez nos offres") and "OFFRES STOP" in said_yes
    )
    assert unsubscribed.declined and not unsubscribed.opted_out
    assert "Send OFFERS to get them again" in web.twilio.api.sent[-1]["Body"]
    assert web.rasa.requests == []
    inbound = [(m.text, m.status) for m in stored_messages(web.url) if m.direction == "in"]
    assert inbound == [("Offres", "answered"), ("OFFERS STOP", "answered")]


def test_stop_still_wins_and_an_sms_offres_goes_to_the_bot(web: Web) -> None:
    web.twilio.message("OFFRES", "SM-s1")
    web.twilio.message("STOP", "SM-s2")
    web.twilio.message("OFFRES", "SM-sms", sender="+33699999999", To="+15005550006")

    stopped = web.profile("whatsapp", CUSTOMER)
    assert stopped.opted_out and not stopped.subscribed
    assert web.rasa.messages == ["OFFRES"]  # SMS receives no offers: not a keyword there


def wait_for(check, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_telegram_offres_command_and_button_through_the_webhook(web: Web) -> None:
    updates = Updates(4242, "fr")
    assert post_update(web.twilio.client.post, command(updates, "/offres")).status_code == 200
    [reply] = web.bot_api.wait_for("sendMessage")
    subscribed = web.profile("telegram", "4242")
    post_update(web.twilio.client.post, updates.press("/stopoffres"))
    web.bot_api.wait_for("sendMessage", 2)
    wait_for(lambda: web.profile("telegram", "4242").declined)

    assert subscribed.subscribed
    assert reply["reply_markup"]["inline_keyboard"] == [
        [{"text": "Ne plus recevoir", "callback_data": "/stopoffres"}]
    ]
    assert len(web.bot_api.sent("answerCallbackQuery")) == 1
    assert "/offres" in web.bot_api.sent()[-1]["text"]
    assert web.rasa.requests == []


def test_a_yes_held_by_stop_says_so_on_whatsapp_and_comes_with_the_button_on_telegram(
    web: Web,
) -> None:
    web.twilio.message("STOP", "SM-h1")
    web.twilio.message("OFFRES", "SM-h2")
    held = web.twilio.api.sent[-1]["Body"]
    with units_of_work(web.url) as new_uow:
        conversations.set_opt_out(new_uow(), "telegram", "4243", True, utcnow())
    updates = Updates(4243, "fr")
    post_update(web.twilio.client.post, command(updates, "/offres"))
    [reply] = web.bot_api.wait_for("sendMessage")

    assert held.startswith("C'est noté, mais vous avez envoyé STOP") and "START" in held
    assert web.profile("whatsapp", CUSTOMER).opted_out
    assert reply["text"].startswith("C'est noté : vous recevrez nos offres")
    assert reply["reply_markup"]["inline_keyboard"] == [
        [{"text": "Ne plus recevoir", "callback_data": "/stopoffres"}]
    ]
    assert web.rasa.requests == []
