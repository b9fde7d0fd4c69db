"""My bookings through the hub's REST webhook with the real processes: list, cancel, move
one's own booking; another customer's booking is refused and unchanged."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.chat import Chat, booking, last_code_sent_to
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


def offered_starts(chat: Chat) -> list[datetime]:
    """The slot starts offered as buttons (UTC), "more times" left out."""
    starts = []
    for value in chat.payloads:
        if value.startswith('/choose{"slot_choice"'):
            choice = json.loads(value.removeprefix("/choose"))["slot_choice"]
            if choice != "more":
                starts.append(datetime.fromisoformat(choice))
    return starts


def test_a_booking_is_moved_to_next_week_typed_in_words(stack, chat):
    reference = book_maintenance(chat)
    chat.say("/my_bookings")
    chat.say(payload("move_my_booking", reference))
    assert "/choose" in " ".join(chat.payloads), chat.text

    chat.say("plutôt la semaine prochaine")
    tz = ZoneInfo("Europe/Paris")
    next_monday = datetime.now(tz).date() + timedelta(days=7 - datetime.now(tz).weekday())
    starts = offered_starts(chat)
    assert starts, chat.text
    assert all(
        next_monday <= s.astimezone(tz).date() < next_monday + timedelta(days=7) for s in starts
    ), (starts, chat.text)
    assert "Pitlane" in chat.text, "the agency is named with its slots"

    chosen = starts[-1]
    chat.say("/choose" + json.dumps({"slot_choice": chosen.isoformat()}, separators=(",", ":")))
    moved = booking(stack.config.web_url, API_TOKEN, reference)
    assert datetime.fromisoformat(moved["start"]) == chosen, (moved, chat.text)
    assert moved["status"] == "confirmed"


def test_identifying_the_vehicle_keeps_the_bookings_made_earlier_in_the_chat(
    stack, chat, database_url
):
    reference = book_maintenance(chat)
    chat.say("/identify_vehicle")
    chat.say("AB-123-CD ZDM1RBBW5KB012345")
    chat.click('/choose{"otp_transport":"email"}')
    chat.say(last_code_sent_to(database_url, "camille.martin@example.fr"))
    assert "AB-123-CD" in chat.text, chat.text

    chat.say("/my_bookings")
    assert reference in chat.text, "the booking made before the code is still listed"
    assert payload("cancel_my_booking", reference) in chat.payloads
    chat.say(payload("cancel_my_booking", reference))
    chat.say("/affirm")
    assert booking(stack.config.web_url, API_TOKEN, reference)["status"] == "cancelled"
