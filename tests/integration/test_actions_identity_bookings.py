"""'Mes rendez-vous' after identifying the vehicle in the chat: the bookings made earlier in
this chat are still listed, beside the owner's own, and both can be cancelled or moved."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from sqlalchemy import select

from actions.base import ActionContext
from actions.identity import ValidateIdentificationForm
from actions.my_bookings import (
    ActionCancelMyBooking,
    ActionMyBookings,
    ValidateMoveBookingForm,
)
from actions.slot_offers import iso_utc
from core import notify
from core.bookings import book_slot, get_booking, offer_slots
from core.customers import find_customer, register_customer
from core.models import OutboxMessage
from core.uow import UnitOfWork
from tests.integration.actions_kit import (
    WEB_VISITOR,
    code_typed,
    context,
    form_tracker,
    message_tracker,
    responses,
    run,
)

FORM = "identification_form"
CAMILLE_BIKE = {"vehicle_plate": "AB-123-CD", "vehicle_vin": "ZDM1RBBW5KB012345"}
CAMILLE_PHONE = "+33639984512"


@pytest.fixture
def ctx(seeded_uow_factory: Callable[[], UnitOfWork], now: datetime) -> ActionContext:
    return context(seeded_uow_factory, now)


def book(ctx: ActionContext, customer_id: int, index: int) -> str:
    slot = offer_slots(ctx.uow(), "paris-nord", "maintenance", ctx.now(), limit=30).slots[index]
    return book_slot(
        ctx.uow(),
        agency_code="paris-nord",
        service_code="maintenance",
        start_utc=slot.start_utc,
        customer_id=customer_id,
        channel="web",
        now=ctx.now(),
    ).reference


def last_code(ctx: ActionContext) -> str:
    with ctx.uow() as uow:
        body = uow.session.scalars(
            select(OutboxMessage.body)
            .where(OutboxMessage.destination == CAMILLE_PHONE)
            .order_by(OutboxMessage.id.desc())
        ).first()
    return re.search(r"\b\d{6}\b", body).group(0)


async def identify_in_the_chat(ctx: ActionContext) -> None:
    """The identification form's last two turns: SMS chosen, then the code typed."""
    transports = {kind: notify.OutboxTransport(kind, ctx.uow) for kind in ("sms", "email")}
    form = ValidateIdentificationForm(context=ctx, transports=transports)
    slots = {**CAMILLE_BIKE, "identification_outcome": "match"}
    await run(
        form,
        form_tracker(
            FORM,
            slots=slots,
            candidates={"otp_transport": "sms"},
            requested="otp_transport",
            metadata=WEB_VISITOR,
        ),
    )
    events, _ = await run(
        form,
        form_tracker(
            FORM,
            slots={**slots, "otp_transport": "sms"},
            candidates={"otp_code": code_typed(ctx.uow, last_code(ctx), ctx.now(), WEB_VISITOR)},
            requested="otp_code",
            metadata=WEB_VISITOR,
        ),
    )
    assert SlotSet("identification_outcome", "identified") in events


def my_bookings_tracker(**slots: Any) -> Tracker:
    return message_tracker(
        "mes rendez-vous", intent="my_bookings", metadata=WEB_VISITOR, slots=slots or None
    )


async def test_after_identification_the_list_shows_this_chat_s_bookings_and_the_owner_s(
    ctx: ActionContext,
) -> None:
    camille = find_customer(ctx.uow(), "web", "demo-camille")
    owners = book(ctx, camille.id, 0)
    visitor = register_customer(  # what the booking form does for a newcomer
        ctx.uow(),
        channel="web",
        external_id="visitor-1",
        name="Camille",
        contact="06 39 98 45 12",
        language="fr",
    )
    made_here = book(ctx, visitor.id, 1)
    _, before = await run(ActionMyBookings(context=ctx), my_bookings_tracker())
    assert [m.get("booking") for m in before[1:]] == [made_here]

    await identify_in_the_chat(ctx)
    _, listed = await run(ActionMyBookings(context=ctx), my_bookings_tracker())

    shown = [m["booking"] for m in listed if m["response"] == "utter_my_booking"]
    assert listed[0]["response"] == "utter_my_bookings_intro"
    assert made_here in shown and owners in shown and len(shown) == len(set(shown))
    # the booking made before identifying is still the customer's to cancel...
    _, cancelled = await run(
        ActionCancelMyBooking(context=ctx),
        my_bookings_tracker(booking_choice=made_here, cancel_confirmed=True),
    )
    assert responses(cancelled) == ["utter_booking_cancelled"]
    assert get_booking(ctx.uow(), made_here).status == "cancelled"
    # ...and the owner's own booking theirs to move
    start = next(
        s.start_utc
        for s in offer_slots(ctx.uow(), "paris-nord", "maintenance", ctx.now(), limit=30).slots
        if s.start_utc != get_booking(ctx.uow(), owners).start_utc
    )
    events, moved = await run(
        ValidateMoveBookingForm(context=ctx),
        form_tracker(
            "move_booking_form",
            slots={"booking_choice": owners},
            candidates={"move_slot": iso_utc(start)},
            requested="move_slot",
            metadata=WEB_VISITOR,
        ),
    )
    assert responses(moved) == ["utter_booking_moved"]
    assert get_booking(ctx.uow(), owners).start_utc == start
