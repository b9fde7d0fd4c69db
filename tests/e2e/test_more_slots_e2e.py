"""The "more times" button of the slot offer and the booking confirmation, through the hub's
REST webhook with the real Rasa server, action server and web app."""

from __future__ import annotations

import pytest

from tests.e2e.chat import Chat, booking
from tests.e2e.conftest import API_TOKEN

pytestmark = pytest.mark.e2e
SLOT = '/choose{"slot_choice":"20'  # a slot button, never "more times"
MORE = '/choose{"slot_choice":"more"}'


def slot_payloads(chat: Chat) -> list[str]:
    return [p for p in chat.payloads if p.startswith(SLOT)]


def test_more_times_offers_later_slots_and_the_confirmation_names_service_and_address(stack):
    chat = Chat(stack.config.web_url)
    chat.say("je voudrais des infos sur vos motos")
    chat.click("/usage_road")
    if any(p.startswith('/choose{"agency"') for p in chat.payloads):
        chat.click('/choose{"agency":"paris-nord"}')
    first = slot_payloads(chat)
    assert first and chat.payloads[-1].startswith(MORE), "the last button asks for more"

    chat.click(MORE)
    if "appelez" in chat.text:  # nothing after them until the end of next week
        assert "Pitlane Paris Nord au +33 1 99 00 18 18" in chat.text
        assert slot_payloads(chat) == first, "the first slots are offered again"
    else:
        later = slot_payloads(chat)
        assert later and not set(later) & set(first), "only slots not shown yet"
    assert chat.payloads[-1].startswith(MORE)

    chat.click(SLOT)
    chat.click("/affirm")  # "Confirmer" under the summary
    chat.say("Lea Moreau")
    chat.say("lea@example.com")
    reference = chat.reference()
    assert reference, chat.text
    assert "Essai routier le " in chat.text
    assert "chez Pitlane Paris Nord, 48 boulevard de la Chapelle, 75018 Paris." in chat.text
    assert booking(stack.config.web_url, API_TOKEN, reference)["service"] == "road_test"
