"""Sending the due maintenance reminders (hub/maintenance_reminders.py) through the widget's
conversation: once, in the customer's language, with the booking and stop buttons."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from core import conversations
from core.maintenance_reminders import subscribe, subscription_of
from core.models import Conversation
from hub.maintenance_reminders import send_due_maintenance_reminders
from hub.topics import conversation_topic
from tests.integration.test_reminder_sending import reminder_deps
from tests.integration.test_vehicle_history import book, garage  # noqa: F401 - the fixture


def out_texts(uow_factory, conversation_id: int) -> list[str]:
    return [
        m.text
        for m in conversations.transcript(uow_factory(), conversation_id)
        if m.direction == "out"
    ]


async def test_a_due_vehicle_gets_one_reminder_with_a_booking_button(garage) -> None:  # noqa: F811
    g = garage
    book(g, 400)  # the last service over a year ago
    subscribe(g.uow(), customer_id=g.customer_id, vehicle_id=g.vehicle_id, channel="web", now=g.now)
    deps = reminder_deps(g.uow)

    async with deps.hub.bus.subscribe(conversation_topic(g.conversation_id)) as live:
        assert await send_due_maintenance_reminders(deps, g.now) == 1
        event = await asyncio.wait_for(live.get(), timeout=2)
    assert await send_due_maintenance_reminders(deps, g.now + timedelta(hours=1)) == 0

    assert "Yamaha MT-07 (AB-1)" in event["text"] and "Camille" in event["text"]
    assert [b["payload"] for b in event["buttons"]] == [
        "/quick_service",
        "/stop_maintenance_reminders",
    ]
    assert out_texts(g.uow, g.conversation_id) == [event["text"]]
    view = subscription_of(g.uow(), g.vehicle_id)
    assert view is not None and view.sent_at is not None


async def test_a_stopped_conversation_gets_nothing(garage) -> None:  # noqa: F811
    g = garage
    book(g, 400)
    subscribe(g.uow(), customer_id=g.customer_id, vehicle_id=g.vehicle_id, channel="web", now=g.now)
    with g.uow() as uow:
        uow.session.get(Conversation, g.conversation_id).opted_out_at = g.now
        uow.commit()

    assert await send_due_maintenance_reminders(reminder_deps(g.uow), g.now) == 0
    assert out_texts(g.uow, g.conversation_id) == []
