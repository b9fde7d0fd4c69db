"""My bookings through the hub's REST webhook with the real processes: list, cancel, move
one's own booking; another customer's booking is refused and unchanged."""

from __future__ import annotations

import json

import pytest

from tests.e2e.chat import Chat, booking
from tests.e2e.conftest import API_TOKEN

pytestmark = pytest.mark.e2e


@pytest.fixture
def chat(stack) -> Chat:
    return Chat(stack.config.web_url)


def book_maintenance(chat: Chat) -> str:
    """A maintenance booking made in the chat (registers the customer on this sender)."""
    chat.say("/check_maintenance")
    chat.say("2019")
    chat.say("mars 2023")  # overdue: slots offered at once
    return chat.book_offered_slot(name="Jean Dupont", contact="jean.dupont@example.com")


def payload(intent: str, reference: str) -> str:
    return f"/{intent}" + json.dumps({"booking_choice": reference}, separators=(",", ":"))


def test_a_customer_lists_then_cancels_their_booking(stack, chat):
    reference = book_maintenance(chat)

    chat.say("/my_bookings")
    assert reference in chat.text
    assert payload("cancel_my_booking", reference) in chat.payloads
    chat.say(payload("cancel_my_booking", reference))
    assert {"/affirm", "/deny"} <= set(chat.payloads)
    chat.say("/affirm")

    assert reference in chat.text
    assert booking(stack.config.web_url, API_TOKEN, reference)["status"] == "cancelled"


def test_a_customer_moves_their_booking_to_an_offered_slot(stack, chat):
    reference = book_maintenance(chat)
    before = booking(stack.config.web_url, API_TOKEN, reference)

    chat.say("/my_bookings")
    chat.say(payload("move_my_booking", reference))
    chat.click('/choose{"slot_choice"')

    after = booking(stack.config.web_url, API_TOKEN, reference)
    assert after["status"] == "confirmed" and after["start"] != before["start"]
    assert reference in chat.text


def test_someone_elses_booking_is_refused_and_unchanged(stack, chat):
    reference = book_maintenance(chat)
    other = Chat(stack.config.web_url)

    other.say(payload("cancel_my_booking", reference))
    refused = other.text
    other.say("/affirm")

    assert "rien n'a été modifié" in refused
    assert booking(stack.config.web_url, API_TOKEN, reference)["status"] == "confirmed"


def test_no_booking_is_said_with_the_menu(chat):
    chat.say("/my_bookings")

    assert "aucun rendez-vous" in chat.text
    assert "/feedback" in chat.payloads
