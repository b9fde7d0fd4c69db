"""The MyCar account form: contacts verified by codes read from the outbox, then created."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from rasa_sdk.events import SlotSet
from sqlalchemy import select

from actions.mycar import ActionCreateMycarAccount, ValidateMycarForm
from core import notify
from core.customers import find_customer
from core.models import OutboxMessage, Vehicle
from core.uow import UnitOfWork
from tests.integration.actions_kit import (
    WEB_VISITOR,
    code_typed,
    context,
    form_tracker,
    message_tracker,
    responses,
    run,
    said,
)

FORM = "mycar_form"
EMAIL, PHONE = "lea.moreau@example.org", "+33698765432"
PLATE, VIN = "XY-999-ZZ", "VF1AB000000000001"


def validator(uow: Callable[[], UnitOfWork], now: datetime) -> ValidateMycarForm:
    outbox = {
        "sms": notify.OutboxTransport("sms", uow),
        "email": notify.OutboxTransport("email", uow),
    }
    return ValidateMycarForm(context=context(uow, now), transports=outbox)


def outbox_code(uow: Callable[[], UnitOfWork], destination: str) -> str:
    with uow() as unit:
        body = unit.session.scalars(
            select(OutboxMessage.body)
            .where(OutboxMessage.destination == destination)
            .order_by(OutboxMessage.id.desc())
        ).first()
    return re.search(r"\b\d{6}\b", body).group(0)


async def answer(
    uow: Callable[[], UnitOfWork], now: datetime, slots: dict[str, Any], slot: str, text: str
) -> tuple[list[dict], list[dict]]:
    if slot.endswith("_code"):  # the hub checks it; the form gets a payload without it
        text = code_typed(uow, text, now, WEB_VISITOR)
    tracker = form_tracker(
        FORM, slots=slots, candidates={slot: text}, requested=slot, metadata=WEB_VISITOR
    )
    return await run(validator(uow, now), tracker)


async def test_the_plate_and_vin_of_the_identification_are_taken_over(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    slots = {"mycar_prefill_plate": "xy 999 zz", "mycar_prefill_vin": VIN}
    tracker = form_tracker(FORM, slots=slots, activation=True, metadata=WEB_VISITOR)
    events, messages = await run(validator(seeded_uow_factory, now), tracker)
    assert SlotSet("vehicle_plate", PLATE) in events
    assert SlotSet("vehicle_vin", VIN) in events
    assert SlotSet("mycar_prefill_plate", None) in events
    assert messages == []


async def test_invalid_values_are_asked_again_precisely(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    for slot, text, response in [
        ("mycar_email", "lea.moreau", "utter_invalid_email"),
        ("mycar_phone", "lea.moreau@example.org", "utter_invalid_phone"),
        ("vehicle_vin", "VF1AB0000", "utter_invalid_vin_length"),
        ("vehicle_plate", "AB12", "utter_invalid_plate"),
        ("mycar_year", "1850", "utter_invalid_year"),
    ]:
        events, messages = await answer(seeded_uow_factory, now, {}, slot, text)
        assert SlotSet(slot, None) in events, slot
        assert responses(messages) == [response], slot


async def test_both_contacts_verified_then_the_account_is_created(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    uow = seeded_uow_factory
    slots: dict[str, Any] = {"mycar_name": "Léa Moreau"}
    events, messages = await answer(uow, now, slots, "mycar_email", "Lea.Moreau@example.org")
    assert SlotSet("mycar_email", EMAIL) in events
    assert responses(messages) == ["utter_code_sent"]
    code = outbox_code(uow, EMAIL)

    slots["mycar_email"] = EMAIL
    wrong = "000000" if code != "000000" else "111111"
    events, messages = await answer(uow, now, slots, "mycar_email_code", wrong)
    assert SlotSet("mycar_email_code", None) in events
    assert messages == [said("utter_wrong_code", attempts_left=4)]

    events, messages = await answer(uow, now, slots, "mycar_email_code", code)
    assert SlotSet("mycar_email_code", "••••••") in events
    assert messages == []

    later = now + timedelta(minutes=2)  # a new code no sooner than 60 s after the last
    slots["mycar_email_code"] = "••••••"
    events, messages = await answer(uow, later, slots, "mycar_phone", "06 98 76 54 32")
    assert SlotSet("mycar_phone", PHONE) in events
    assert responses(messages) == ["utter_code_sent"]
    slots["mycar_phone"] = PHONE
    events, messages = await answer(uow, later, slots, "mycar_phone_code", outbox_code(uow, PHONE))
    assert SlotSet("mycar_phone_code", "••••••") in events

    for slot, text, value in [
        ("vehicle_vin", VIN.lower(), VIN),
        ("vehicle_plate", "xy999zz", PLATE),
        ("mycar_brand", " Ducati ", "Ducati"),
        ("mycar_model", "Monster 821", "Monster 821"),
        ("mycar_year", "une 2019", 2019),
    ]:
        events, messages = await answer(uow, later, slots, slot, text)
        assert SlotSet(slot, value) in events and messages == [], slot
        slots[slot] = value

    action = ActionCreateMycarAccount(context=context(uow, later))
    events, messages = await run(action, message_tracker("2019", metadata=WEB_VISITOR, slots=slots))
    assert events == [SlotSet("mycar_outcome", "created")]
    assert messages == [said("utter_mycar_created", name="Léa Moreau", plate=PLATE)]
    customer = find_customer(uow(), "web", "visitor-1")
    assert customer is not None and customer.email == EMAIL and customer.phone == PHONE
    with uow() as unit:
        vehicle = unit.session.scalar(select(Vehicle).where(Vehicle.vin == VIN))
        assert vehicle is not None and vehicle.plate == PLATE and vehicle.year == 2019


async def test_the_account_is_refused_while_a_contact_is_not_verified(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    uow = seeded_uow_factory
    await answer(uow, now, {}, "mycar_email", EMAIL)  # a code sent, never typed
    slots = {
        "mycar_name": "Léa Moreau",
        "mycar_email": EMAIL,
        "mycar_phone": PHONE,
        "vehicle_vin": VIN,
        "vehicle_plate": PLATE,
        "mycar_brand": "Ducati",
        "mycar_model": "Monster 821",
        "mycar_year": 2019,
    }
    action = ActionCreateMycarAccount(context=context(uow, now))
    events, messages = await run(action, message_tracker("2019", metadata=WEB_VISITOR, slots=slots))
    assert events == [SlotSet("mycar_outcome", "failed")]
    assert responses(messages) == ["utter_mycar_not_verified"]


async def test_five_wrong_codes_lock_and_end_the_form(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    uow = seeded_uow_factory
    await answer(uow, now, {}, "mycar_email", EMAIL)
    wrong = "000000" if outbox_code(uow, EMAIL) != "000000" else "111111"
    slots = {"mycar_name": "Léa Moreau", "mycar_email": EMAIL}
    for _ in range(4):
        await answer(uow, now, slots, "mycar_email_code", wrong)
    events, messages = await answer(uow, now, slots, "mycar_email_code", wrong)
    assert SlotSet("mycar_outcome", "locked") in events
    assert events[-1] == SlotSet("requested_slot", None)
    assert responses(messages) == ["utter_code_locked"]
