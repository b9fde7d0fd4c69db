"""Sending due reminders and surveys (hub/reminders.py) with a controlled clock: through
the customer's channel (the real python-telegram-bot against a fake Bot API, the real twilio
client against a fake REST API, the widget's live bus) and by SMS or e-mail (the development
outbox, or Twilio). Each reminder is counted as sent or failed in the process's metrics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from telegram import Bot

from channels.bus import Bus
from channels.telegram import TelegramSender
from channels.whatsapp import whatsapp_from_settings
from core import bookings, conversations, notify
from core.models import SurveyResponse
from core.reminders import reminder_status
from hub.deps import HubDeps
from hub.reminders import ReminderDeps, send_due_reminder
from hub.store import history
from hub.topics import conversation_topic
from ops.metrics import exposition
from tests.integration.metrics_support import value
from tests.integration.telegram_support import TOKEN, FakeBotApi, fake_bot_api
from tests.integration.test_reminders_store import AGENCY, SERVICE, book, due_at
from tests.integration.test_whatsapp import SID, FakeTwilio
from tests.integration.test_whatsapp import TOKEN as TWILIO_TOKEN
from transports import transports_from_settings
from webapp.settings import WebSettings

PHONE = "+33612345678"


class NoBrain:
    async def send(self, sender, message, metadata):  # pragma: no cover - never asked
        raise AssertionError("the bot is not part of reminders")

    async def record_event(self, sender, event) -> None:  # pragma: no cover
        raise AssertionError("the bot is not part of reminders")


def reminders_counted(outcome: str) -> float:
    """The process's `pitlane_reminders_total` for booking reminders of that outcome."""
    return value(
        exposition()[0].decode(), "pitlane_reminders_total", kind="reminder", outcome=outcome
    )


def reminder_deps(uow_factory, senders=None, transports=None) -> ReminderDeps:
    hub = HubDeps(
        uow_factory=uow_factory,
        brain=NoBrain(),
        bus=Bus(),
        senders=senders or {},
        delivery_delays=(0.0, 0.0, 0.0),
    )
    if transports is None:
        transports = {
            "sms": notify.OutboxTransport("sms", uow_factory),
            "email": notify.OutboxTransport("email", uow_factory),
        }
    return ReminderDeps(hub=hub, transports=transports, timezone="Europe/Paris")


def outbox(uow_factory) -> list[dict]:
    return notify.outbox_messages(uow_factory())


def out_messages(uow_factory, conversation_id: int):
    return [
        m for m in conversations.transcript(uow_factory(), conversation_id) if m.direction == "out"
    ]


@pytest.fixture
def calendar(add_calendar) -> None:
    add_calendar(AGENCY, SERVICE, capacity=4)


@pytest.fixture
def monday_9(local_dt) -> datetime:
    return local_dt(2025, 11, 24, 9, 0)


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with fake_bot_api() as server:
        yield server


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=api.api_url, base_file_url=api.file_url) as bot:
        yield bot


async def test_a_due_reminder_goes_once_through_telegram_and_by_sms(
    uow_factory, add_conversation, calendar, now, monday_9, api: FakeBotApi, bot: Bot
) -> None:
    booked = book(
        uow_factory,
        add_conversation,
        start=monday_9,
        now=now,
        channel="telegram",
        external_id="4242",
        phone=PHONE,
    )
    deps = reminder_deps(uow_factory, senders={"telegram": TelegramSender(bot)})
    due = due_at(uow_factory, booked.reminder_id)

    early = await send_due_reminder(deps, booked.reminder_id, due - timedelta(minutes=1))
    assert early is None and api.sent() == [] and outbox(uow_factory) == []

    assert await send_due_reminder(deps, booked.reminder_id, due) is True
    assert await send_due_reminder(deps, booked.reminder_id, due + timedelta(minutes=1)) is None

    [sent] = api.sent()
    assert sent["chat_id"] == 4242
    assert "lun. 24 nov. 09:00" in sent["text"] and booked.reference in sent["text"]
    assert "/my_bookings" in str(sent["reply_markup"])
    [sms] = outbox(uow_factory)
    assert (sms["transport"], sms["destination"]) == ("sms", PHONE)
    assert sms["body"] == sent["text"]
    [stored] = out_messages(uow_factory, booked.conversation_id)
    assert stored.status == "sent" and stored.external_id is not None
    assert reminder_status(uow_factory(), booked.reminder_id)[0] == "sent"


async def test_a_widget_customer_sees_it_live_and_in_the_transcript_and_gets_an_email(
    uow_factory, add_conversation, calendar, now, monday_9
) -> None:
    booked = book(
        uow_factory,
        add_conversation,
        start=monday_9,
        now=now,
        channel="web",
        external_id="visitor-7",
        language="en",
        email="camille@example.com",
    )
    deps = reminder_deps(uow_factory)
    due = due_at(uow_factory, booked.reminder_id)
    sent, failed = reminders_counted("sent"), reminders_counted("failed")

    async with deps.hub.bus.subscribe(conversation_topic(booked.conversation_id)) as live:
        assert await send_due_reminder(deps, booked.reminder_id, due) is True
        event = await asyncio.wait_for(live.get(), timeout=2)

    assert (reminders_counted("sent") - sent, reminders_counted("failed") - failed) == (1, 0)

    assert event["type"] == "bot" and "Mon 24 Nov 09:00" in event["text"]
    assert event["buttons"] == [{"title": "My bookings", "payload": "/my_bookings"}]
    _, entries = history(uow_factory, "web", "visitor-7")
    assert [e.message.text for e in entries] == [event["text"]]
    [mail] = outbox(uow_factory)
    assert (mail["transport"], mail["destination"]) == ("email", "camille@example.com")
    assert mail["subject"].startswith("Reminder: your")


async def test_whatsapp_and_twilio_sms_both_go_through_the_twilio_rest_api(
    uow_factory, add_conversation, calendar, now, monday_9
) -> None:
    booked = book(
        uow_factory,
        add_conversation,
        start=monday_9,
        now=now,
        channel="whatsapp",
        external_id=PHONE,
        phone=PHONE,
    )
    twilio = FakeTwilio()
    settings = WebSettings(
        _env_file=None,
        twilio_account_sid=SID,
        twilio_auth_token=TWILIO_TOKEN,
        twilio_whatsapp_from="whatsapp:+14155238886",
        twilio_sms_from="+15005550006",
    )
    channel = whatsapp_from_settings(settings, http_client=twilio)
    assert channel is not None
    transports = transports_from_settings(settings, uow_factory, http_client=twilio)
    deps = reminder_deps(uow_factory, senders=channel.senders, transports=transports)

    assert await send_due_reminder(
        deps, booked.reminder_id, due_at(uow_factory, booked.reminder_id)
    )

    by_recipient = {m["To"]: m for m in twilio.sent}
    assert set(by_recipient) == {f"whatsapp:{PHONE}", PHONE}
    assert by_recipient[PHONE]["From"] == "+15005550006"
    assert "lun. 24 nov. 09:00" in by_recipient[f"whatsapp:{PHONE}"]["Body"]
    assert outbox(uow_factory) == []


async def test_nothing_is_sent_for_a_cancelled_booking(
    uow_factory, add_conversation, calendar, now, monday_9
) -> None:
    booked = book(uow_factory, add_conversation, start=monday_9, now=now, phone=PHONE)
    due = due_at(uow_factory, booked.reminder_id)
    bookings.cancel_booking(uow_factory(), booked.reference)
    deps = reminder_deps(uow_factory)

    assert await send_due_reminder(deps, booked.reminder_id, due) is None
    assert await send_due_reminder(deps, booked.survey_id, due + timedelta(days=3)) is None
    assert outbox(uow_factory) == [] and out_messages(uow_factory, booked.conversation_id) == []


async def test_a_moved_booking_is_reminded_at_the_new_time_only(
    uow_factory, add_conversation, calendar, now, monday_9
) -> None:
    booked = book(uow_factory, add_conversation, start=monday_9, now=now, phone=PHONE)
    old_due = due_at(uow_factory, booked.reminder_id)
    tuesday_14 = monday_9 + timedelta(days=1, hours=5)
    bookings.move_booking(uow_factory(), booked.reference, tuesday_14, now=now)
    deps = reminder_deps(uow_factory)

    assert await send_due_reminder(deps, booked.reminder_id, old_due) is None
    assert outbox(uow_factory) == []
    new_due = due_at(uow_factory, booked.reminder_id)
    assert new_due == tuesday_14 - timedelta(hours=24)
    assert await send_due_reminder(deps, booked.reminder_id, new_due) is True
    [sms] = outbox(uow_factory)
    assert "mar. 25 nov. 14:00" in sms["body"] and "09:00" not in sms["body"]


async def test_the_survey_goes_after_the_end_plus_the_delay_with_five_rating_buttons(
    uow_factory, add_conversation, calendar, now, monday_9, api: FakeBotApi, bot: Bot
) -> None:
    booked = book(
        uow_factory,
        add_conversation,
        start=monday_9,
        now=now,
        channel="telegram",
        external_id="4242",
        phone=PHONE,
    )
    deps = reminder_deps(uow_factory, senders={"telegram": TelegramSender(bot)})
    due = due_at(uow_factory, booked.survey_id)
    assert due == monday_9 + timedelta(hours=1) + timedelta(hours=2)  # end + 2 h (default)

    assert await send_due_reminder(deps, booked.survey_id, due - timedelta(seconds=1)) is None
    assert await send_due_reminder(deps, booked.survey_id, due) is True

    [sent] = api.sent()
    assert "lun. 24 nov. 09:00" in sent["text"]
    buttons = [b for row in sent["reply_markup"]["inline_keyboard"] for b in row]
    assert len(buttons) == 5
    [stored] = out_messages(uow_factory, booked.conversation_id)
    payloads = [b["payload"] for b in (stored.payload or {})["buttons"]]
    assert all(p.startswith("/rate") and booked.reference in p for p in payloads)
    assert outbox(uow_factory) == []  # the survey goes through the chat only
    with uow_factory() as uow:
        survey = uow.session.execute(
            select(SurveyResponse.sent_at, SurveyResponse.rating).where(
                SurveyResponse.booking_id == booked.booking_id
            )
        ).one()
    assert survey == (due, None)


async def test_an_opted_out_conversation_gets_nothing_but_the_email_still_goes(
    uow_factory, add_conversation, calendar, now, monday_9, api: FakeBotApi, bot: Bot
) -> None:
    booked = book(
        uow_factory,
        add_conversation,
        start=monday_9,
        now=now,
        channel="telegram",
        external_id="4242",
        email="camille@example.com",
    )
    conversations.set_opt_out(uow_factory(), "telegram", "4242", True, now)
    deps = reminder_deps(uow_factory, senders={"telegram": TelegramSender(bot)})

    assert await send_due_reminder(
        deps, booked.reminder_id, due_at(uow_factory, booked.reminder_id)
    )

    assert api.sent() == [] and out_messages(uow_factory, booked.conversation_id) == []
    assert [m["transport"] for m in outbox(uow_factory)] == ["email"]


async def test_a_reminder_reaching_nobody_is_marked_failed(
    uow_factory, add_conversation, calendar, now, monday_9, api: FakeBotApi, bot: Bot
) -> None:
    booked = book(
        uow_factory,
        add_conversation,
        start=monday_9,
        now=now,
        channel="telegram",
        external_id="4242",
    )
    api.failures["sendMessage"] = [(403, "Forbidden: bot was blocked by the user", {})]
    deps = reminder_deps(uow_factory, senders={"telegram": TelegramSender(bot)})
    sent, failed = reminders_counted("sent"), reminders_counted("failed")

    due = due_at(uow_factory, booked.reminder_id)
    assert await send_due_reminder(deps, booked.reminder_id, due) is False

    assert (reminders_counted("sent") - sent, reminders_counted("failed") - failed) == (0, 1)
    assert reminder_status(uow_factory(), booked.reminder_id)[0] == "failed"
    [stored] = out_messages(uow_factory, booked.conversation_id)
    assert stored.status == "failed" and "blocked" in (stored.error or "")


async def test_two_replicas_waking_together_send_one_reminder(
    uow_factory, add_conversation, calendar, now, monday_9, api: FakeBotApi, bot: Bot
) -> None:
    booked = book(
        uow_factory,
        add_conversation,
        start=monday_9,
        now=now,
        channel="telegram",
        external_id="4242",
        phone=PHONE,
    )
    first = reminder_deps(uow_factory, senders={"telegram": TelegramSender(bot)})
    second = replace(first, hub=replace(first.hub, bus=Bus()))
    due = due_at(uow_factory, booked.reminder_id)

    results = await asyncio.gather(
        *(send_due_reminder(d, booked.reminder_id, due) for d in (first, second, first, second))
    )

    assert sorted(results, key=str) == sorted([True, None, None, None], key=str)
    assert len(api.sent()) == 1 and len(outbox(uow_factory)) == 1
