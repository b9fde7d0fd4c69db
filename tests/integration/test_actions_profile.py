"""The profile in the chat: shown only to an identified customer, exported, deleted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from rasa_sdk.events import SlotSet

from actions.profile import (
    FIELDS,
    ActionAskProfileField,
    ActionDeleteAccount,
    ActionMyData,
    ActionShowProfile,
)
from core import identity, otp
from core.conversations import get_or_create_conversation
from core.customers import find_customer
from core.uow import UnitOfWork
from tests.integration.actions_kit import WEB_VISITOR, context, message_tracker, run, said


def identify_visitor(uow: Callable[[], UnitOfWork], now: datetime) -> None:
    """The web visitor identified with Camille's Ducati, through the core steps."""
    conversation = get_or_create_conversation(uow(), "web", "visitor-1")
    found = identity.identify_vehicle(uow(), "AB-123-CD", "ZDM1RBBW5KB012345")
    _, code = otp.start_identification(
        uow(),
        conversation_id=conversation.id,
        vehicle_id=found.vehicle_id,
        transport="sms",
        now=now,
    )
    view = otp.verify_code(uow(), conversation_id=conversation.id, code=code, now=now)
    otp.complete_identification(
        uow(), challenge_id=view.id, channel="web", external_id="visitor-1", now=now
    )


async def test_an_unidentified_customer_is_offered_identification(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    action = ActionShowProfile(context=context(seeded_uow_factory, now))
    tracker = message_tracker("mon profil", intent="show_profile", metadata=WEB_VISITOR)
    assert await run(action, tracker) == ([], [said("utter_identify_first")])


async def test_the_identified_customer_sees_their_profile(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    identify_visitor(seeded_uow_factory, now)
    action = ActionShowProfile(context=context(seeded_uow_factory, now))
    tracker = message_tracker("mon profil", intent="show_profile", metadata=WEB_VISITOR)
    events, messages = await run(action, tracker)
    assert events == []
    assert messages[0]["response"] == "utter_profile"
    assert messages[0]["name"] == "Camille Martin"
    assert "AB-123-CD" in messages[0]["vehicles"]


async def test_my_data_summarises_what_is_stored(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    identify_visitor(seeded_uow_factory, now)
    action = ActionMyData(context=context(seeded_uow_factory, now))
    tracker = message_tracker("mes donnees", intent="my_data", metadata=WEB_VISITOR)
    _, messages = await run(action, tracker)
    assert messages[0]["response"] == "utter_my_data"
    summary = messages[0]["summary"]
    assert "E-mail : camille.martin@example.fr" in summary
    assert "Nom : Camille Martin" in summary
    assert "Rendez-vous : " in summary and "bookings" not in summary


async def test_my_data_is_labelled_in_the_customers_language(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    identify_visitor(seeded_uow_factory, now)
    action = ActionMyData(context=context(seeded_uow_factory, now))
    tracker = message_tracker("what do you keep about me", intent="my_data", metadata=WEB_VISITOR)
    tracker.slots["language"] = "en"
    _, messages = await run(action, tracker)
    summary = messages[0]["summary"]
    assert "Name: Camille Martin" in summary
    assert "Bookings: " in summary and "Conversations: " in summary
    assert "Rendez-vous" not in summary


async def test_the_account_is_erased_after_yes_and_kept_after_no(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    identify_visitor(seeded_uow_factory, now)
    action = ActionDeleteAccount(context=context(seeded_uow_factory, now))
    kept = message_tracker("/deny", intent="deny", metadata=WEB_VISITOR)
    kept.slots["delete_confirmed"] = False
    assert await run(action, kept) == (
        [SlotSet("delete_confirmed", None)],
        [said("utter_delete_cancelled")],
    )
    erased = message_tracker("/affirm", intent="affirm", metadata=WEB_VISITOR)
    erased.slots["delete_confirmed"] = True
    events, messages = await run(action, erased)
    assert messages == [said("utter_account_deleted")]
    customer = find_customer(seeded_uow_factory(), "web", "demo-camille")
    assert customer is None or customer.email is None


@pytest.mark.parametrize(
    ("language", "titles"),
    [
        ("fr", ["Nom", "E-mail", "Téléphone", "Langue"]),
        ("en", ["Name", "E-mail", "Phone", "Language"]),
    ],
)
async def test_each_profile_field_is_a_button_in_the_conversation_language(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime, language: str, titles: list[str]
) -> None:
    action = ActionAskProfileField(context=context(seeded_uow_factory, now))
    tracker = message_tracker("modifier mon profil", slots={"language": language})
    _, messages = await run(action, tracker)
    assert [button["title"] for button in messages[0]["buttons"]] == titles
    assert len(titles) == len(FIELDS)
