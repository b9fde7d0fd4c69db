"""A callback request through the hub's REST webhook with the real processes: no advisor
is free, the customer taps "Être rappelé(e)", gives a number and a note, and the staff's
list of callbacks has it (one per conversation)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from core.config import CoreSettings
from core.staff import list_staff, set_availability
from core.uow import uow_from_settings
from core.workshop import list_callbacks
from tests.e2e.chat import Chat

pytestmark = pytest.mark.e2e
CALLBACK_REFERENCE = re.compile(r"\bCB-[A-Z2-9]{6}\b")


@pytest.fixture
def chat(stack, nobody_available) -> Chat:
    return Chat(stack.config.web_url)


@pytest.fixture
def nobody_available(uow) -> None:
    """Every advisor away: the stack is shared with the handoff tests, which leave one on."""
    now = datetime.now(timezone.utc)
    for member in list_staff(uow()):
        set_availability(uow(), member.id, available=False, now=now)


@pytest.fixture(scope="module")
def uow(database_url):
    return uow_from_settings(CoreSettings(database_url=database_url))


def reference_in(chat: Chat) -> str:
    found = CALLBACK_REFERENCE.search(chat.text)
    assert found, chat.text
    return found.group(0)


def test_no_advisor_then_a_callback_with_a_number_and_a_note(chat, uow):
    chat.say("je veux parler à un conseiller")
    assert "aucun conseiller n'est disponible" in chat.text
    chat.click("/request_callback")
    assert "À quel numéro" in chat.text

    chat.say("demain matin")
    assert "Je n'ai pas reconnu de numéro de téléphone" in chat.text
    chat.say("06 12 34 56 42")
    assert "06 •• •• •• 42" in chat.text and "/deny" in chat.payloads
    chat.say("Une question sur la reprise de ma moto")

    reference = reference_in(chat)
    assert "C'est noté : un conseiller vous rappellera au 06 •• •• •• 42" in chat.text
    assert chat.payloads[-1] == "/show_menu"  # the end of the workflow: one Menu button
    [task] = [t for t in list_callbacks(uow()) if t.reference == reference]
    assert task.kind == "callback" and task.customer_phone == "+33612345642"
    assert task.note == "Une question sur la reprise de ma moto"

    chat.say("rappelez-moi")
    chat.say("06 12 34 56 42")
    chat.click("/deny")
    assert reference_in(chat) == reference  # one open request per conversation


def test_an_english_customer_asks_in_words_and_skips_the_note(chat, uow):
    chat.language = "en"
    chat.say("can someone call me back?")
    assert "At which phone number" in chat.text
    chat.say("+44 7700 900123")
    chat.click("/deny")

    reference = reference_in(chat)
    assert "Noted: an advisor will call you back on +44 •• •• •• 23" in chat.text
    [task] = [t for t in list_callbacks(uow()) if t.reference == reference]
    assert task.note is None and task.customer_phone == "+447700900123"
