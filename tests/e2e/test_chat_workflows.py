"""Every branch of the client's workflow, through the hub's REST webhook, with the real Rasa
server, the real action server and the web app running as separate processes."""

from __future__ import annotations

import httpx
import pytest

from core.agencies import company_contact
from core.config import CoreSettings
from core.parsing import detect_language
from core.uow import uow_from_settings
from tests.e2e.chat import Chat, booking
from tests.e2e.conftest import API_TOKEN

pytestmark = pytest.mark.e2e
MENU = {"/check_maintenance", "/vehicle_info", "/contact_info", "/stop"}
MENU_BUTTON = [{"title": "Menu", "payload": "/show_menu"}]


@pytest.fixture
def chat(stack) -> Chat:
    return Chat(stack.config.web_url)


@pytest.fixture(scope="module")
def contact(database_url):
    return company_contact(uow_from_settings(CoreSettings(database_url=database_url))())


def booked(stack, reference: str) -> dict:
    return booking(stack.config.web_url, API_TOKEN, reference)


def test_greeting_offers_the_menu_in_french(chat):
    chat.say("bonjour")
    assert set(chat.payloads) >= MENU
    assert detect_language(chat.text) == "fr"


def test_overdue_maintenance_is_booked_in_the_maintenance_calendar(stack, chat):
    chat.say("slt je voudrais verifier l'entretien de ma moto")
    chat.say("une 2019")
    chat.say("mars 2023")  # more than a year ago: offer slots straight away
    reference = chat.book_offered_slot(name="Jean Dupont", contact="jean.dupont@example.com")

    assert booked(stack, reference)["service"] == "maintenance"
    assert chat.replies[-1]["buttons"] == MENU_BUTTON, "the workflow ends with one Menu button"


def test_recent_service_with_high_mileage_is_booked_in_english(stack, chat):
    chat.say("Hi, I need to check if my bike is due for a service")
    assert detect_language(chat.text) == "en"
    chat.say("it's a 2021")
    chat.say("8 months ago")
    chat.say("12 000 km")  # at least 10,000 km: offer slots
    reference = chat.book_offered_slot(name="John Smith", contact="+44 7700 900123")

    assert booked(stack, reference)["service"] == "maintenance"
    assert detect_language(chat.text) == "en"


def test_low_mileage_customer_who_still_wants_a_service_gets_one(stack, chat):
    chat.say("/check_maintenance")
    chat.say("2020")
    chat.say("il y a 3 mois")
    chat.say("8k")
    assert {"/affirm", "/deny"} <= set(chat.payloads)
    chat.say("/affirm")
    reference = chat.book_offered_slot()

    assert booked(stack, reference)["service"] == "maintenance"


def test_low_mileage_customer_who_declines_ends_without_booking(chat):
    chat.say("/check_maintenance")
    chat.say("2022")
    chat.say("l'ete dernier")
    chat.say("3000 bornes")
    chat.say("/deny")

    assert chat.reference() is None
    assert chat.replies[-1]["buttons"] == MENU_BUTTON, "the workflow ends with one Menu button"


@pytest.mark.parametrize(
    ("opening", "usage", "service"),
    [
        ("je voudrais des infos sur vos motos", "/usage_road", "road_test"),
        ("info on your bikes please", "/usage_offroad", "offroad_test"),
        ("/vehicle_info", "/usage_sport", "track_test"),
    ],
)
def test_each_usage_books_a_test_ride_in_its_own_calendar(stack, chat, opening, usage, service):
    chat.say(opening)
    chat.click(usage)
    reference = chat.book_offered_slot()

    found = booked(stack, reference)
    assert found["service"] == service
    if service == "track_test":  # the demo track calendar is full for the rest of the week
        assert found["agency"] == "lyon-gerland"


def test_a_known_customer_is_not_asked_for_a_name_again(stack, chat):
    chat.say("/vehicle_info")
    chat.click("/usage_road")
    chat.book_offered_slot(name="Lea Moreau", contact="lea@example.com")

    chat.say("/vehicle_info")
    chat.click("/usage_road")
    if any(p.startswith('/choose{"agency"') for p in chat.payloads):
        chat.click('/choose{"agency"')
    chat.click('/choose{"slot_choice"')
    assert "Je réserve" in chat.text, "the slot picked is summed up first"
    chat.click("/affirm")
    reference = chat.reference()
    assert reference, "a known customer's booking is saved as soon as the summary is confirmed"
    assert booked(stack, reference)["customer"] == "Lea Moreau"


def test_contact_by_email(chat, contact):
    chat.say("/contact_info")
    chat.click("/ask_email")
    assert contact.email in chat.text


def test_contact_by_phone_in_free_text(chat, contact):
    chat.say("c koi votre numero de tel svp")
    digits = "".join(ch for ch in chat.text if ch.isdigit())
    assert "".join(ch for ch in contact.phone if ch.isdigit())[-9:] in digits


def test_stop_ends_the_workflow(chat):
    chat.say("/stop")
    assert not set(chat.payloads) & MENU


def test_stop_in_the_middle_of_a_form_ends_it(stack, chat):
    chat.say("/check_maintenance")
    chat.say("arrete")
    assert not set(chat.payloads) & MENU
    chat.say("bonjour")
    assert set(chat.payloads) >= MENU, "the form is no longer active"


def test_gibberish_gets_the_fallback_and_the_menu_again(chat):
    chat.say("qsdlkj zzkq wpx")
    assert chat.text.strip()
    assert set(chat.payloads) >= MENU


def test_an_implausible_year_and_a_future_date_are_asked_again(chat):
    chat.say("/check_maintenance")
    asked_year = chat.text
    chat.say("3021")
    assert chat.reference() is None
    chat.say("2019")
    asked_date = chat.text
    assert asked_date != asked_year
    chat.say("12/09/2099")
    assert chat.text != asked_date, "the future date is refused with an explanation"
    chat.say("12/09/2024")
    assert chat.payloads, "overdue: agencies or slots are offered"


def test_the_bookings_api_is_closed_without_the_token(stack):
    response = httpx.get(f"{stack.config.web_url}/api/bookings", timeout=10)
    assert response.status_code == 401
