"""Contact information: the e-mail or the phone number, from the database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rasa_sdk.events import SlotSet

from actions.contact import ActionGiveContact
from core.uow import UnitOfWork
from tests.integration.actions_kit import context, message_tracker, run, said


async def test_the_email_is_given_when_asked(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    action = ActionGiveContact(context=context(seeded_uow_factory, now))
    events, messages = await run(action, message_tracker("ton mail ?", intent="ask_email"))
    assert events == [SlotSet("contact_kind", "email")]
    assert messages == [said("utter_contact_email", email="contact@pitlane.example")]


async def test_the_phone_is_given_when_asked(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    action = ActionGiveContact(context=context(seeded_uow_factory, now))
    events, messages = await run(action, message_tracker("/ask_phone", intent="ask_phone"))
    assert events == [SlotSet("contact_kind", "phone")]
    assert messages == [said("utter_contact_phone", phone="+33 9 77 40 00 00")]


async def test_without_a_kind_both_are_given(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    action = ActionGiveContact(context=context(seeded_uow_factory, now))
    events, messages = await run(action, message_tracker("contact", intent="contact_info"))
    assert events == []
    assert messages == [
        said("utter_contact_email", email="contact@pitlane.example"),
        said("utter_contact_phone", phone="+33 9 77 40 00 00"),
    ]


async def test_missing_contact_settings_say_it_did_not_understand(
    uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    action = ActionGiveContact(context=context(uow_factory, now))
    events, messages = await run(action, message_tracker("/ask_email", intent="ask_email"))
    assert events == []
    assert messages == [said("utter_default")]
