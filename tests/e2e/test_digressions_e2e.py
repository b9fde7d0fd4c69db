"""Customers who type freely inside a workflow are never trapped (issue 12): the menu, a stop,
a question, a new request and answers the question cannot use, through the hub's REST webhook
with the real Rasa model, action server and web app."""

from __future__ import annotations

import pytest

from core.parsing import detect_language
from tests.e2e.chat import Chat

pytestmark = pytest.mark.e2e
MENU = {"/check_maintenance", "/vehicle_info", "/contact_info", "/stop"}
YEAR_QUESTION = ("année", "year")


@pytest.fixture
def chat(stack) -> Chat:
    return Chat(stack.config.web_url)


def asks_the_year(chat: Chat) -> bool:
    return any(word in chat.text.lower() for word in YEAR_QUESTION)


def test_menu_inside_a_form_shows_the_menu_then_the_same_question(chat):
    chat.say("je voudrais vérifier l'entretien de ma moto")
    assert asks_the_year(chat)
    chat.say("menu")
    assert set(chat.payloads) >= MENU
    assert "reprend" in chat.text
    assert asks_the_year(chat), "the form asks its question again after the menu"
    chat.say("2019")
    assert "dernier entretien" in chat.text, "the answer after the menu is taken"


def test_a_stop_after_an_answer_is_confirmed_then_ends_at_the_menu(chat):
    chat.say("I'd like to check my bike's maintenance")
    chat.say("2019")
    chat.say("never mind")
    assert {"/affirm", "/deny"} <= set(chat.payloads), chat.text
    assert detect_language(chat.text) == "en"
    chat.click("/affirm")
    assert "/show_menu" in chat.payloads
    chat.say("menu")
    assert set(chat.payloads) >= MENU


def test_a_stop_withdrawn_resumes_at_the_question_it_left(chat):
    chat.say("je veux vérifier l'entretien de ma moto")
    chat.say("une 2018")
    chat.say("laisse tomber")
    chat.click("/deny")
    assert "continue" in chat.text
    chat.say("mars 2023")  # the year was kept: a service over a year ago offers slots
    assert any(p.startswith("/choose{") for p in chat.payloads), chat.text


def test_a_question_inside_a_form_is_answered_then_the_form_goes_on(chat):
    chat.say("je voudrais vérifier l'entretien de ma moto")
    chat.say("vous acceptez le paiement en plusieurs fois ?")
    assert asks_the_year(chat)
    assert "fois" in chat.text.lower() or "conseiller" in chat.text.lower()


def test_a_new_request_inside_a_form_switches_to_it(chat):
    chat.say("I want to check my bike's maintenance")
    assert asks_the_year(chat)
    chat.say("actually I'd rather try a bike on a race track")
    assert not asks_the_year(chat)
    assert any(p.startswith("/choose{") for p in chat.payloads), chat.text


def test_two_unusable_answers_get_an_example_and_ways_on(chat):
    chat.say("je voudrais vérifier l'entretien de ma moto")
    chat.say("aucune idée franchement")
    first = chat.text
    chat.say("je sais vraiment pas")
    assert chat.text != first, "the same refusal is not repeated"
    assert "2019" in chat.text  # an example of what is expected
    assert {"/show_menu", "/ask_advisor", "/stop"} <= set(chat.payloads)


def test_a_typed_day_narrows_the_slot_offer(chat):
    chat.say("je voudrais vérifier l'entretien de ma moto")
    chat.say("2019")
    chat.say("mars 2023")  # over a year ago: a service is due, the agencies are offered
    if any(p.startswith('/choose{"agency"') for p in chat.payloads):
        chat.click('/choose{"agency"')
    chat.say("plutôt mardi après-midi")
    titles = [
        b["title"]
        for r in chat.replies
        for b in r.get("buttons") or []
        if "slot_choice" in b["payload"]
    ]
    assert "correspondent à votre demande" in chat.text, chat.text
    slots = [t for t in titles if t != "Autres créneaux"]
    assert slots and all(t.startswith("mar.") for t in slots), titles
    assert all(int(t.split()[-1].split(":")[0]) >= 12 for t in slots), titles


def test_a_new_request_during_a_booking_asks_before_leaving_it(chat):
    chat.say("je voudrais essayer une moto")
    chat.click("/usage_road")
    assert any(p.startswith("/choose{") for p in chat.payloads), chat.text
    chat.say("en fait je préfère essayer une moto sur circuit")
    assert "réservation en cours" in chat.text, chat.text
    assert "/deny" in chat.payloads
    chat.click("/deny")
    assert "continue" in chat.text
    assert any(p.startswith("/choose{") for p in chat.payloads), "the booking goes on"

    chat.say("en fait je préfère essayer une moto sur circuit")
    request = [p for p in chat.payloads if p != "/deny"]
    assert request and request[0].startswith("/usage_sport"), chat.payloads
    chat.click("/usage_sport")
    assert "réservation en cours" not in chat.text
    assert "Lyon" in chat.text, "the track test's slots say where they are"
    assert any(p.startswith('/choose{"slot_choice"') for p in chat.payloads), chat.text


def test_the_language_chosen_holds_over_the_language_typed(chat):
    chat.say("bonjour")
    assert detect_language(chat.text) == "fr"
    chat.say('/set_language{"language_choice":"en"}')
    assert "English" in chat.text, chat.text
    chat.say("je voudrais vérifier l'entretien de ma moto")
    assert detect_language(chat.text) == "en", chat.text
    chat.say("vous pouvez repasser en français ?")
    assert "français" in chat.text, chat.text
    chat.say("2019")
    assert detect_language(chat.text) == "fr", chat.text
