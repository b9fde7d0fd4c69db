"""My bookings in the chat against a real database: list, cancel, move, never another's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk.events import SlotSet

from actions.base import ActionContext
from actions.my_bookings import (
    ActionAskCancelConfirmed,
    ActionAskMoveSlot,
    ActionCancelMyBooking,
    ActionMyBookings,
    ValidateMoveBookingForm,
    booking_payload,
)
from actions.slot_offers import iso_utc
from core.bookings import book_slot, get_booking, offer_slots
from core.customers import find_customer
from core.uow import UnitOfWork
from tests.integration.actions_kit import (
    CAMILLE,
    WEB_VISITOR,
    context,
    form_tracker,
    message_tracker,
    responses,
    run,
)

LEA = {"channel": "web", "external_id": "demo-lea", "language": None}


@pytest.fixture
def ctx(seeded_uow_factory: Callable[[], UnitOfWork], now: datetime) -> ActionContext:
    return context(seeded_uow_factory, now)


def book_for(ctx: ActionContext, external_id: str, index: int = 0) -> str:
    """A confirmed maintenance booking at paris-nord for the web customer `external_id`."""
    customer = find_customer(ctx.uow(), "web", external_id)
    assert customer is not None
    slot = offer_slots(ctx.uow(), "paris-nord", "maintenance", ctx.now()).slots[index]
    return book_slot(
        ctx.uow(),
        agency_code="paris-nord",
        service_code="maintenance",
        start_utc=slot.start_utc,
        customer_id=customer.id,
        channel="web",
        now=ctx.now(),
    ).reference


def chosen_tracker(reference: str, metadata: dict = CAMILLE, **slots):
    return message_tracker(
        "/cancel_my_booking",
        intent="cancel_my_booking",
        metadata=metadata,
        slots={"booking_choice": reference, **slots},
        sender_id=f"web:{metadata['external_id']}",
    )


async def test_the_customer_sees_each_upcoming_booking_with_cancel_and_move(
    ctx: ActionContext,
) -> None:
    reference = book_for(ctx, "demo-camille")
    tracker = message_tracker("mes rendez-vous", intent="my_bookings", metadata=CAMILLE)

    _, messages = await run(ActionMyBookings(context=ctx), tracker)

    assert messages[0]["response"] == "utter_my_bookings_intro"
    mine = [m for m in messages[1:] if m["booking"] == reference]
    booked = get_booking(ctx.uow(), reference)
    assert len(mine) == 1 and mine[0]["agency"] == booked.agency_name
    assert mine[0]["service"] == "Entretien / révision"
    assert [b["payload"] for b in mine[0]["buttons"]][:2] == [
        booking_payload("cancel_my_booking", reference),
        booking_payload("move_my_booking", reference),
    ]
    last = [b["payload"] for b in messages[-1]["buttons"]]
    assert last[-1] == "/show_menu"  # the list never leaves the customer without a way out


async def test_an_unknown_customer_is_told_there_is_nothing_and_sees_the_menu(
    ctx: ActionContext,
) -> None:
    tracker = message_tracker("mes rendez-vous", intent="my_bookings", metadata=WEB_VISITOR)

    _, messages = await run(ActionMyBookings(context=ctx), tracker)

    assert responses(messages) == ["utter_no_upcoming_bookings", "utter_menu"]


async def test_a_confirmed_cancellation_cancels_the_booking(ctx: ActionContext) -> None:
    reference = book_for(ctx, "demo-camille")

    asked_events, asked = await run(
        ActionAskCancelConfirmed(context=ctx), chosen_tracker(reference)
    )
    _, done = await run(
        ActionCancelMyBooking(context=ctx), chosen_tracker(reference, cancel_confirmed=True)
    )

    assert asked_events == [] and responses(asked) == ["utter_ask_cancel_confirmed"]
    assert responses(done) == ["utter_booking_cancelled"]
    assert get_booking(ctx.uow(), reference).status == "cancelled"


async def test_no_keeps_the_booking(ctx: ActionContext) -> None:
    reference = book_for(ctx, "demo-camille")

    _, messages = await run(
        ActionCancelMyBooking(context=ctx), chosen_tracker(reference, cancel_confirmed=False)
    )

    assert responses(messages) == ["utter_booking_kept"]
    assert get_booking(ctx.uow(), reference).status == "confirmed"


async def test_someone_elses_booking_is_refused_and_unchanged(ctx: ActionContext) -> None:
    reference = book_for(ctx, "demo-camille")

    asked_events, asked = await run(
        ActionAskCancelConfirmed(context=ctx), chosen_tracker(reference, metadata=LEA)
    )
    _, cancel = await run(
        ActionCancelMyBooking(context=ctx),
        chosen_tracker(reference, metadata=LEA, cancel_confirmed=True),
    )
    move_events, move = await run(
        ActionAskMoveSlot(context=ctx), chosen_tracker(reference, metadata=LEA)
    )

    assert asked_events == [SlotSet("requested_slot", None)] == move_events
    assert responses(asked) == responses(cancel) == responses(move) == ["utter_not_your_booking"]
    assert get_booking(ctx.uow(), reference).status == "confirmed"


def move_turn(reference: str, start: datetime, metadata: dict = CAMILLE):
    value = iso_utc(start)
    return form_tracker(
        "move_booking_form",
        slots={"booking_choice": reference},
        candidates={"move_slot": value},
        requested="move_slot",
        text=f'/choose{{"slot_choice": "{value}"}}',
        intent="choose",
        metadata=metadata,
        sender_id=f"web:{metadata['external_id']}",
    )


async def test_a_booking_is_moved_to_a_free_slot_offered(ctx: ActionContext) -> None:
    reference = book_for(ctx, "demo-camille")
    before = get_booking(ctx.uow(), reference)

    _, offered = await run(ActionAskMoveSlot(context=ctx), chosen_tracker(reference))
    target = offered[0]["buttons"][0]["payload"]
    start = datetime.fromisoformat(target[target.index(":") + 2 : target.rindex('"')])
    events, messages = await run(ValidateMoveBookingForm(context=ctx), move_turn(reference, start))

    assert responses(offered) == ["utter_ask_move_slot"]
    assert before.start_utc.isoformat() not in " ".join(b["payload"] for b in offered[0]["buttons"])
    assert SlotSet("move_slot", iso_utc(start)) in events
    assert responses(messages) == ["utter_booking_moved"]
    assert get_booking(ctx.uow(), reference).start_utc == start


async def test_a_slot_just_taken_is_said_and_the_booking_stays(
    ctx: ActionContext, seeded_uow_factory: Callable[[], UnitOfWork]
) -> None:
    reference = book_for(ctx, "demo-camille")
    before = get_booking(ctx.uow(), reference)
    full = offer_slots(ctx.uow(), "paris-nord", "maintenance", ctx.now()).slots[-1]
    for _ in range(full.free):
        book_slot(
            ctx.uow(),
            agency_code="paris-nord",
            service_code="maintenance",
            start_utc=full.start_utc,
            customer_id=None,
            channel="web",
            now=ctx.now(),
        )

    events, messages = await run(
        ValidateMoveBookingForm(context=ctx), move_turn(reference, full.start_utc)
    )

    assert SlotSet("move_slot", None) in events
    assert responses(messages) == ["utter_slot_taken"]
    assert get_booking(ctx.uow(), reference).start_utc == before.start_utc


async def test_moving_someone_elses_booking_is_refused(ctx: ActionContext) -> None:
    reference = book_for(ctx, "demo-camille")
    before = get_booking(ctx.uow(), reference)
    start = offer_slots(ctx.uow(), "paris-nord", "maintenance", ctx.now()).slots[-1].start_utc

    events, messages = await run(
        ValidateMoveBookingForm(context=ctx), move_turn(reference, start, metadata=LEA)
    )

    assert SlotSet("requested_slot", None) in events
    assert responses(messages) == ["utter_not_your_booking"]
    assert get_booking(ctx.uow(), reference).start_utc == before.start_utc


def slot_starts(messages: list) -> list[datetime]:
    return [
        datetime.fromisoformat(button["payload"].split('"')[3])
        for button in messages[0]["buttons"]
        if '"more"' not in button["payload"]
    ]


async def test_the_move_offer_pages_through_the_next_four_weeks(ctx: ActionContext) -> None:
    reference = book_for(ctx, "demo-camille")
    booked = get_booking(ctx.uow(), reference).start_utc
    seen: list[datetime] = []
    for page in range(40):
        _, offered = await run(
            ActionAskMoveSlot(context=ctx), chosen_tracker(reference, move_page=float(page))
        )
        starts = slot_starts(offered)
        if starts and seen and starts[0] == seen[0]:
            break  # back to the first page
        seen += starts
    else:
        pytest.fail("the pages never come back to the first one")
    assert seen == sorted(seen) and len(seen) == len(set(seen)) and booked not in seen
    assert (seen[-1] - ctx.now()).days >= 21, "the offer reaches into the fourth week"
    assert (seen[-1] - ctx.now()).days < 28
    assert offered[0]["buttons"][-1]["payload"] == '/choose{"slot_choice":"more"}'


async def test_more_times_turns_the_page_of_the_move_offer(ctx: ActionContext) -> None:
    reference = book_for(ctx, "demo-camille")
    turn = move_turn(reference, ctx.now())
    turn.slots["move_page"] = 2.0
    turn.slots["move_slot"] = "more"
    turn.events[-1] = SlotSet("move_slot", "more")
    events, messages = await run(ValidateMoveBookingForm(context=ctx), turn)
    assert SlotSet("move_page", 3.0) in events
    assert SlotSet("move_slot", None) in events
    assert messages == []


async def test_a_typed_wish_moves_the_offer_to_that_day(ctx: ActionContext) -> None:
    reference = book_for(ctx, "demo-camille")
    turn = move_turn(reference, ctx.now())
    turn.slots["move_slot"] = "plutôt mardi prochain après-midi"
    turn.events[-1] = SlotSet("move_slot", "plutôt mardi prochain après-midi")
    events, _ = await run(ValidateMoveBookingForm(context=ctx), turn)
    assert SlotSet("slot_wish", "plutôt mardi prochain après-midi") in events

    _, offered = await run(
        ActionAskMoveSlot(context=ctx),
        chosen_tracker(reference, slot_wish="plutôt mardi prochain après-midi"),
    )
    assert responses(offered) == ["utter_offer_wish"]
    for start in slot_starts(offered):
        local = start.astimezone(ZoneInfo("Europe/Paris"))
        # FIXED_NOW is Wednesday 19 November 2025: next Tuesday is the 25th
        assert (local.day, local.hour >= 12) == (25, True), local
