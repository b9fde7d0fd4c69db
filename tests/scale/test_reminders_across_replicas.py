"""A booking's reminders (the reminder before it when the slot is far enough, the survey
after it), made due, are sent once each although every web replica runs a scheduler (one
leader sends; a reminder row is claimed by a conditional update in any case)."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta, timezone

import httpx
from sqlalchemy import create_engine, func, select, update
from sqlalchemy.pool import NullPool

from core.models import Reminder
from core.models.bookings import Booking
from core.models.conversations import Conversation, Message
from tests.scale.live import REST_CLIENT, RestCustomer

REFERENCE = re.compile(r"\bPL-[A-Z2-9]{6}\b")
SYNC_SECONDS = 5  # PITLANE_SCHEDULER_SYNC_SECONDS of the scaled stack (tests/scale/conftest.py)


async def test_due_reminders_are_sent_once_with_a_scheduler_on_every_replica(scaled) -> None:
    customer = RestCustomer()
    async with httpx.AsyncClient() as client:
        for text in ("/check_maintenance", "2019", "mars 2023"):
            await customer.say(scaled.proxy, text, client)
        if any(p.startswith('/choose{"agency"') for p in customer.payloads):
            await customer.say(scaled.proxy, customer.payload('/choose{"agency"'), client)
        await customer.say(scaled.proxy, customer.payload('/choose{"slot_choice"'), client)
        for text in ("/affirm", "Rémi Rappel", "0612345697"):
            await customer.say(scaled.proxy, text, client)

    engine = create_engine(scaled.database_url, poolclass=NullPool)
    external_id = f"{REST_CLIENT}:{customer.sender}"
    with engine.begin() as connection:
        conversation = connection.scalar(
            select(Conversation.id).where(Conversation.external_id == external_id)
        )
        before = connection.scalar(select(func.max(Message.id)))
        booking = connection.scalar(
            select(Booking.id).where(Booking.reference.in_(REFERENCE.findall(customer.text)))
        )
        assert booking is not None, customer.text
        made_due = connection.execute(
            update(Reminder)
            .where(Reminder.booking_id == booking, Reminder.status == "pending")
            .values(due_at=datetime.now(timezone.utc) - timedelta(seconds=1))
        ).rowcount
        assert made_due >= 1  # the survey at least

    statuses = await _statuses_after_sending(engine, booking)
    await asyncio.sleep(SYNC_SECONDS * 2 + 2)  # time for a second scheduler to send it again
    with engine.connect() as connection:
        sent = connection.scalar(
            select(func.count())
            .select_from(Message)
            .where(
                Message.conversation_id == conversation,
                Message.direction == "out",
                Message.id > before,
            )
        )
    engine.dispose()

    assert statuses == ["sent"] * made_due
    assert sent == made_due  # one message in the conversation per reminder, none twice


async def _statuses_after_sending(engine, booking: int) -> list[str]:
    """The booking's reminder statuses once none is 'pending' or 'sending' (within a minute)."""
    for _ in range(120):
        with engine.connect() as connection:
            statuses = list(
                connection.scalars(select(Reminder.status).where(Reminder.booking_id == booking))
            )
        if not {"pending", "sending"} & set(statuses):
            return statuses
        await asyncio.sleep(0.5)
    return statuses
