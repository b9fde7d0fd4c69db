"""Callback request actions against a real database: the number (asked, or the known
customer's), the optional note, the request filed once per conversation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from rasa_sdk.events import SlotSet

from actions.base import ActionContext
from actions.callback import ActionAskCallbackNote, ValidateCallbackForm
from actions.workflow import WORKFLOW_SLOTS
from core.customers import find_customer
from core.uow import UnitOfWork
from core.workshop import list_callbacks
from tests.integration.actions_kit import (
    CAMILLE,
    FIRST_REFUSAL,
    WEB_VISITOR,
    context,
    form_tracker,
    message_tracker,
    run,
    said,
)

EN_VISITOR = {**WEB_VISITOR, "language": "en"}


@pytest.fixture
def ctx(seeded_uow_factory: Callable[[], UnitOfWork], now: datetime) -> ActionContext:
    return context(seeded_uow_factory, now)


def phone_turn(text: str, intent: str = "inform", metadata: dict = WEB_VISITOR):
    return form_tracker(
        "callback_form",
        candidates={"callback_phone": text},
        requested="callback_phone",
        text=text,
        intent=intent,
        metadata=metadata,
        sender_id=f"web:{metadata['external_id']}",
    )


def note_turn(
    text: str, intent: str = "inform", metadata: dict = WEB_VISITOR, phone: str = "+33612345642"
):
    return form_tracker(
        "callback_form",
        slots={"callback_phone": phone},
        candidates={"callback_note": text},
        requested="callback_note",
        text=text,
        intent=intent,
        metadata=metadata,
        sender_id=f"web:{metadata['external_id']}",
    )


async def test_an_unknown_visitor_is_asked_for_the_number(ctx: ActionContext) -> None:
    tracker = form_tracker(
        "callback_form", text="rappelez-moi", intent="request_callback", activation=True
    )

    events, messages = await run(ValidateCallbackForm(context=ctx), tracker)

    assert events == [] and messages == []  # nothing filled: the form asks callback_phone


async def test_a_known_customer_with_a_phone_is_not_asked_for_it(ctx: ActionContext) -> None:
    camille = find_customer(ctx.uow(), "web", "demo-camille")
    tracker = form_tracker(
        "callback_form",
        text="rappelez-moi",
        intent="request_callback",
        metadata=CAMILLE,
        activation=True,
        sender_id="web:demo-camille",
    )

    events, messages = await run(ValidateCallbackForm(context=ctx), tracker)

    assert camille is not None and camille.phone
    assert events == [SlotSet("callback_phone", "+33639984512")]
    assert messages == []


async def test_a_typed_number_is_normalised(ctx: ActionContext) -> None:
    events, messages = await run(ValidateCallbackForm(context=ctx), phone_turn("06 12 34 56 42"))

    assert events == [SlotSet("callback_phone", "+33612345642")]
    assert messages == []


@pytest.mark.parametrize(
    ("text", "response"),
    [
        ("demain matin", "utter_invalid_callback_phone"),
        ("06 12 34", "utter_invalid_callback_phone"),
        ("camille@example.com", "utter_callback_needs_phone"),
    ],
)
async def test_no_usable_number_is_asked_again_precisely(
    ctx: ActionContext, text: str, response: str
) -> None:
    events, messages = await run(ValidateCallbackForm(context=ctx), phone_turn(text))

    refusal = [FIRST_REFUSAL] if response.startswith("utter_invalid_") else []
    assert events == [SlotSet("callback_phone", None), *refusal]
    assert messages == [said(response)]


async def test_call_me_back_again_repeats_the_question_silently(ctx: ActionContext) -> None:
    turn = phone_turn("rappelez-moi", intent="request_callback")

    events, messages = await run(ValidateCallbackForm(context=ctx), turn)

    assert events == [SlotSet("callback_phone", None)] and messages == []


async def test_the_note_files_the_request_and_says_the_masked_number(ctx: ActionContext) -> None:
    events, messages = await run(
        ValidateCallbackForm(context=ctx), note_turn("Une question sur la reprise")
    )

    [task] = list_callbacks(ctx.uow())
    assert task.kind == "callback" and task.note == "Une question sur la reprise"
    assert task.customer_phone == "+33612345642" and task.customer_name is None
    assert events == [SlotSet("callback_note", "Une question sur la reprise")]
    assert messages == [
        said("utter_callback_requested", phone="06 •• •• •• 42", callback_reference=task.reference)
    ]


async def test_skipping_the_note_files_the_request_without_one(ctx: ActionContext) -> None:
    events, messages = await run(
        ValidateCallbackForm(context=ctx), note_turn("/deny", intent="deny", metadata=EN_VISITOR)
    )

    [task] = list_callbacks(ctx.uow())
    assert task.note is None
    assert events == [SlotSet("callback_note", "-")]
    assert [m["response"] for m in messages] == ["utter_callback_requested"]


async def test_a_known_customer_is_linked_to_the_request(ctx: ActionContext) -> None:
    turn = note_turn("Reprise", metadata=CAMILLE, phone="+33639984512")

    await run(ValidateCallbackForm(context=ctx), turn)

    [task] = list_callbacks(ctx.uow())
    assert task.customer_name == "Camille Martin" and task.customer_phone == "+33639984512"


async def test_asking_twice_in_a_conversation_gives_the_same_reference(
    ctx: ActionContext,
) -> None:
    await run(ValidateCallbackForm(context=ctx), note_turn("Reprise"))
    _, messages = await run(
        ValidateCallbackForm(context=ctx), note_turn("/deny", intent="deny", phone="+33700000007")
    )

    [task] = list_callbacks(ctx.uow())
    assert task.note == "Reprise" and task.customer_phone == "+33700000007"
    assert messages == [
        said("utter_callback_requested", phone="07 •• •• •• 07", callback_reference=task.reference)
    ]


async def test_a_note_too_long_is_refused_and_asked_again(ctx: ActionContext) -> None:
    events, messages = await run(ValidateCallbackForm(context=ctx), note_turn("x" * 501))

    assert events == [SlotSet("callback_note", None)]
    assert messages == [said("utter_callback_note_too_long")]
    assert list_callbacks(ctx.uow()) == []


async def test_yes_asks_for_the_note_text(ctx: ActionContext) -> None:
    events, _ = await run(ValidateCallbackForm(context=ctx), note_turn("oui", intent="affirm"))
    _, messages = await run(
        ActionAskCallbackNote(context=ctx),
        message_tracker("oui", intent="affirm", slots={"callback_phone": "+33612345642"}),
    )

    assert events == [SlotSet("callback_note", None)]
    assert messages == [said("utter_ask_callback_note_text")]
    assert list_callbacks(ctx.uow()) == []


async def test_the_note_question_shows_the_masked_number(ctx: ActionContext) -> None:
    tracker = message_tracker("0612345642", slots={"callback_phone": "+33612345642"})

    _, messages = await run(ActionAskCallbackNote(context=ctx), tracker)

    assert messages == [said("utter_ask_callback_note", phone="06 •• •• •• 42")]


def test_the_callback_slots_are_cleared_with_the_workflow() -> None:
    assert {"callback_phone", "callback_note"} <= set(WORKFLOW_SLOTS)
