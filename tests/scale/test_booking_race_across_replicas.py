"""Fifty customers confirm the same road-test slot at the same moment, half through each web
replica (and so over both Rasa replicas): exactly the slot's capacity of them get a booking;
the database decides, whichever replica asks."""

from __future__ import annotations

import asyncio
import re

import httpx

from tests.scale.live import ADMIN, API_TOKEN, RestCustomer, Staff

CUSTOMERS = 50
FIRST = ["Alice", "Bruno", "Chloé", "David", "Emma", "Farid", "Gaëlle", "Hugo", "Inès", "Jules"]
LAST = ["Martin", "Bernard", "Durand", "Petit", "Moreau"]
NAMES = [f"{first} {last}" for last in LAST for first in FIRST]  # a name has no digits
REFERENCE = re.compile(r"\bPL-[A-Z2-9]{6}\b")


async def test_fifty_customers_over_both_replicas_book_one_slot_exactly_up_to_its_capacity(
    scaled,
) -> None:
    customers = [RestCustomer() for _ in range(CUSTOMERS)]
    replicas = [scaled.a, scaled.b]
    limits = httpx.Limits(max_connections=CUSTOMERS, max_keepalive_connections=0)  # see live.py

    async with httpx.AsyncClient(limits=limits) as client:

        async def everyone(text_of) -> None:
            await asyncio.gather(
                *(c.say(replicas[i % 2], text_of(c, i), client) for i, c in enumerate(customers))
            )

        await everyone(lambda c, i: "/vehicle_info")
        await everyone(lambda c, i: c.payload("/usage_road"))
        if any(p.startswith('/choose{"agency"') for p in customers[0].payloads):
            await everyone(lambda c, i: c.payload('/choose{"agency"'))
        slots = {c.payload('/choose{"slot_choice"') for c in customers}
        assert len(slots) == 1, f"the customers were offered different first slots: {slots}"
        await everyone(lambda c, i: c.payload('/choose{"slot_choice"'))
        await everyone(lambda c, i: "/affirm")
        await everyone(lambda c, i: NAMES[i])
        await everyone(lambda c, i: f"06123400{i:02d}")  # all at once: the race
        answer = await client.get(
            f"{scaled.a}/api/bookings", headers={"Authorization": f"Bearer {API_TOKEN}"}
        )

    references = {m.group(0) for c in customers for m in REFERENCE.finditer(c.text)}
    booked = [b for b in answer.json() if b["reference"] in references]
    endings = sorted({c.text[:160] for c in customers})
    assert booked, f"nobody got a booking; the last answers: {endings}"
    agency, start = booked[0]["agency"], booked[0]["start"]
    admin = await Staff(ADMIN).sign_in(scaled.b)
    settings = (await admin.call("GET", f"{scaled.b}/api/admin/services/{agency}/road_test")).json()
    await admin.aclose()
    capacity = min(settings["capacity"], settings["staff_count"] or settings["capacity"])
    in_slot = [
        b
        for b in answer.json()
        if (b["service"], b["agency"], b["start"]) == ("road_test", agency, start)
        and b["status"] != "cancelled"
    ]
    assert len(references) == len(booked) == capacity
    assert len(in_slot) == capacity
