# ruff: noqa: F811 (the fixtures imported below are parameters of the tests)
"""Reminders counted as sent or failed (hub/reminders.py -> ops/metrics.py): a reminder that
reaches a widget customer, and one a Telegram customer blocked (the real python-telegram-bot
against a fake Bot API on 127.0.0.1)."""

from __future__ import annotations

from telegram import Bot

from channels.telegram import TelegramSender
from hub.reminders import send_due_reminder
from ops.metrics import exposition
from tests.integration.metrics_support import value
from tests.integration.telegram_support import FakeBotApi
from tests.integration.test_reminder_sending import (  # noqa: F401 (fixtures)
    api,
    bot,
    calendar,
    monday_9,
    reminder_deps,
)
from tests.integration.test_reminders_store import book, due_at


def reminders(outcome: str) -> float:
    return value(
        exposition()[0].decode(), "pitlane_reminders_total", kind="reminder", outcome=outcome
    )


async def test_a_reminder_reaching_the_widget_counts_as_sent(
    uow_factory,
    add_conversation,
    calendar,
    now,
    monday_9,
) -> None:
    booked = book(
        uow_factory, add_conversation, start=monday_9, now=now, channel="web", external_id="v-9"
    )
    deps = reminder_deps(uow_factory)
    sent, failed = reminders("sent"), reminders("failed")

    assert await send_due_reminder(
        deps, booked.reminder_id, due_at(uow_factory, booked.reminder_id)
    )

    assert (reminders("sent") - sent, reminders("failed") - failed) == (1, 0)


async def test_a_reminder_reaching_nobody_counts_as_failed(
    uow_factory,
    add_conversation,
    calendar,
    now,
    monday_9,
    api: FakeBotApi,
    bot: Bot,
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
    sent, failed = reminders("sent"), reminders("failed")
    due = due_at(uow_factory, booked.reminder_id)

    assert await send_due_reminder(deps, booked.reminder_id, due) is False

    assert (reminders("sent") - sent, reminders("failed") - failed) == (0, 1)
