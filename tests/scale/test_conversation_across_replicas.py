"""One conversation across replicas: consecutive messages on alternating web replicas (and so
on whichever Rasa replica nginx picks) keep the booking form's state to the end; a picture
uploaded through one replica is served by the other."""

from __future__ import annotations

import httpx
from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool

from core.models.conversations import Attachment
from tests.scale.live import (
    ADMIN,
    API_TOKEN,
    FRESH_CONNECTIONS,
    RestCustomer,
    Staff,
    widget_socket,
    widget_token,
)
from tests.security.visitor import PNG


async def test_a_booking_form_keeps_its_state_when_every_message_changes_replica(scaled) -> None:
    customer = RestCustomer()
    replicas = [scaled.a, scaled.b]
    turn = iter(range(100))

    async def say(client: httpx.AsyncClient, text: str) -> None:
        await customer.say(replicas[next(turn) % 2], text, client)

    async with httpx.AsyncClient(limits=FRESH_CONNECTIONS) as client:
        await say(client, "/check_maintenance")
        await say(client, "2019")
        await say(client, "mars 2023")  # more than a year ago: slots straight away
        if any(p.startswith('/choose{"agency"') for p in customer.payloads):
            await say(client, customer.payload('/choose{"agency"'))
        await say(client, customer.payload('/choose{"slot_choice"'))
        await say(client, "/affirm")
        await say(client, "Camille Répliques")
        await say(client, "0612345699")
        bookings = await client.get(
            f"{scaled.b}/api/bookings", headers={"Authorization": f"Bearer {API_TOKEN}"}
        )

    references = [b["reference"] for b in bookings.json() if b["reference"] in customer.text]
    assert len(references) == 1, customer.text
    assert next(turn) >= 8  # both replicas took several turns each


async def test_a_picture_uploaded_through_one_replica_is_served_by_the_other(scaled) -> None:
    token = await widget_token(scaled.a)
    async with widget_socket(scaled.a, "/ws/chat", token, "history"):
        pass  # the widget opens its conversation over the socket first
    async with httpx.AsyncClient(timeout=60, limits=FRESH_CONNECTIONS) as client:
        uploaded = await client.post(
            f"{scaled.a}/api/chat/upload",
            data={"text": "ma roue", "lang": "fr"},
            files={"file": ("roue.png", PNG, "image/png")},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert uploaded.status_code == 200, uploaded.text
    engine = create_engine(scaled.database_url, poolclass=NullPool)
    with engine.connect() as connection:
        newest = connection.scalar(select(Attachment.id).order_by(Attachment.id.desc()))
    engine.dispose()

    admin = await Staff(ADMIN).sign_in(scaled.b)
    served = await admin.call("GET", f"{scaled.b}/staff/attachments/{newest}")
    await admin.aclose()

    assert served.status_code == 200
    assert served.content == PNG
