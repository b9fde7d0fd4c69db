"""One web replica killed mid-conversation (SIGKILL, no goodbye): the conversation goes on
through nginx on the other replica, with nothing lost, and the booking is made. The replica
is started again afterwards. Last of the suite (file order), as it shakes the stack."""

from __future__ import annotations

import httpx
from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool

from core.models.conversations import Conversation, Message
from tests.scale.live import API_TOKEN, FRESH_CONNECTIONS, REST_CLIENT, RestCustomer


def inbound_texts(database_url: str, external_id: str) -> list[str]:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return list(
                connection.scalars(
                    select(Message.text)
                    .join(Conversation, Conversation.id == Message.conversation_id)
                    .where(Conversation.external_id == external_id, Message.direction == "in")
                    .order_by(Message.id)
                )
            )
    finally:
        engine.dispose()


async def test_a_conversation_goes_on_through_nginx_when_a_web_replica_dies(scaled) -> None:
    customer = RestCustomer()
    said: list[str] = []

    async def say(client: httpx.AsyncClient, text: str) -> None:
        await customer.say(scaled.proxy, text, client)
        said.append(text)

    try:
        async with httpx.AsyncClient(limits=FRESH_CONNECTIONS) as client:
            await say(client, "/check_maintenance")
            await say(client, "2019")
            scaled.stack.kill("web-1")
            await say(client, "mars 2023")
            if any(p.startswith('/choose{"agency"') for p in customer.payloads):
                await say(client, customer.payload('/choose{"agency"'))
            await say(client, customer.payload('/choose{"slot_choice"'))
            await say(client, "/affirm")
            await say(client, "Dominique Survivant")
            await say(client, "0612345698")
            bookings = await client.get(
                f"{scaled.proxy}/api/bookings", headers={"Authorization": f"Bearer {API_TOKEN}"}
            )
    finally:
        if not any(m.name == "web-1" for m in scaled.stack.processes):
            scaled.stack.restart("web-1", announce=lambda line: None)

    booked = [b for b in bookings.json() if b["reference"] in customer.text]
    assert len(booked) == 1, customer.text
    stored = inbound_texts(scaled.database_url, f"{REST_CLIENT}:{customer.sender}")
    assert len(stored) == len(said)  # every message stored once, none lost, none twice
