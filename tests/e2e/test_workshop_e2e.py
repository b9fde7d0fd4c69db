"""Workshop services through the REST webhook with the three real processes: quick service,
diagnostic, repair quotes (callback or not found), the 1000 km visit, agencies nearest
first from a typed postcode or a shared location."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool

from core.models import Booking, CallbackTask, OutboxMessage
from tests.e2e.chat import Chat

CODE = re.compile(r"\b\d{6}\b")
CALLBACK = re.compile(r"\bCB-[A-Z2-9]{6}\b")
NOT_UNDERSTOOD = "pas bien compris"


@pytest.fixture
def chat(stack) -> Chat:
    return Chat(stack.config.web_url, language="fr")


def query(database_url: str, statement):  # noqa: ANN001, ANN201
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.execute(statement).all()
    finally:
        engine.dispose()


def details_of(database_url: str, reference: str) -> dict | None:
    return query(database_url, select(Booking.details).where(Booking.reference == reference))[0][0]


def identify(chat: Chat, database_url: str, plate_and_vin: str, email: str) -> None:
    """Answer the identification questions asked inside the workflow, code by e-mail."""
    chat.say(plate_and_vin)
    chat.click('/choose{"otp_transport":"email"}')
    rows = query(
        database_url,
        select(OutboxMessage.destination, OutboxMessage.body).order_by(OutboxMessage.id.desc()),
    )
    code = next(CODE.search(body).group(0) for dest, body in rows if dest == email)
    chat.say(code)


def test_a_quick_service_is_booked_with_the_mileage(chat: Chat, database_url) -> None:
    chat.say("/workshop_services")
    chat.click('/choose_service{"service_code":"quick_service"}')
    chat.say("/deny")  # no identification
    chat.say("12000 km")
    reference = chat.book_offered_slot()
    assert details_of(database_url, reference) == {"mileage": 12000}


def test_a_diagnostic_keeps_the_description(chat: Chat, database_url) -> None:
    chat.say("je voudrais un diagnostic")
    chat.say("/deny")
    chat.say("la moto cale au ralenti et le voyant moteur clignote")
    chat.say("/deny")  # no photo
    reference = chat.book_offered_slot()
    assert details_of(database_url, reference) == {
        "description": "la moto cale au ralenti et le voyant moteur clignote"
    }


def test_a_repair_quote_of_the_identified_bike_creates_a_callback(chat: Chat, database_url):
    chat.say("/workshop_services")
    chat.click('/choose_service{"service_code":"repair"}')
    identify(chat, database_url, "AB-123-CD ZDM1RBBW5KB012345", "camille.martin@example.fr")
    chat.say("DV-2026-0412")
    reference = CALLBACK.search(chat.text)
    assert reference, chat.text
    tasks = query(
        database_url,
        select(CallbackTask.status).where(CallbackTask.reference == reference.group(0)),
    )
    assert tasks == [("open",)]
    # the result, then one Menu button, and nothing else (no "not understood" after it)
    assert chat.replies[-1]["text"] == "Puis-je faire autre chose pour vous ?", chat.text
    assert NOT_UNDERSTOOD not in chat.text


def test_another_bikes_quote_is_not_found_and_an_advisor_is_offered(chat: Chat, database_url):
    chat.say("j'ai un devis de reparation")
    identify(chat, database_url, "AB-123-CD ZDM1RBBW5KB012345", "camille.martin@example.fr")
    chat.say("DV-2026-0587")
    assert "DV-2026-0587" in chat.text and "/ask_advisor" in chat.payloads
    assert not CALLBACK.search(chat.text)
    assert NOT_UNDERSTOOD not in chat.text


def test_the_1000_km_visit_is_booked_when_eligible(chat: Chat, database_url) -> None:
    chat.say("visite des 1000")
    identify(chat, database_url, "QR-246-VX JH2RC9100PM012345", "hugo.bernard@example.fr")
    chat.say("900 km")
    assert "éligible" in chat.text
    reference = chat.book_offered_slot()
    assert details_of(database_url, reference) == {"mileage": 900}


def test_too_many_km_for_the_1000_km_visit_is_explained(chat: Chat, database_url) -> None:
    chat.say("visite des 1000 km")
    identify(chat, database_url, "QR-246-VX JH2RC9100PM012345", "hugo.bernard@example.fr")
    chat.say("3000 km")
    assert "3000" in chat.text and "1500" in chat.text
    assert not any(p.startswith('/choose{"agency"') for p in chat.payloads)
    assert NOT_UNDERSTOOD not in chat.text


def test_a_reference_at_the_mileage_question_is_not_read_as_km(chat: Chat, database_url):
    chat.say("visite des 1000 km")
    identify(chat, database_url, "QR-246-VX JH2RC9100PM012345", "hugo.bernard@example.fr")
    chat.say("DV-2099-0003")
    assert "2099 km" not in chat.text and "référence" in chat.text
    chat.say("900 km")
    assert "éligible" in chat.text


def test_without_the_quote_number_an_advisor_is_offered(chat: Chat, database_url) -> None:
    chat.say("je voudrais une réparation")
    identify(chat, database_url, "AB-123-CD ZDM1RBBW5KB012345", "camille.martin@example.fr")
    chat.say("je ne l'ai pas sur moi")
    assert "conseiller" in chat.text and "/ask_advisor" in chat.payloads
    assert chat.payloads[-1] == "/show_menu"  # the end of the workflow: one Menu button
    assert NOT_UNDERSTOOD not in chat.text


def test_a_typed_postcode_puts_the_nearest_agency_first(chat: Chat) -> None:
    chat.say("un service rapide")
    chat.say("/deny")
    chat.say("8000 km")
    assert any(p.startswith('/choose{"agency"') for p in chat.payloads), chat.text
    chat.say("33300")
    agencies = [p for p in chat.payloads if p.startswith('/choose{"agency"')]
    assert agencies[0] == '/choose{"agency":"bordeaux-lac"}', agencies
    titles = [b["title"] for r in chat.replies for b in r.get("buttons") or []]
    assert titles[0].endswith(" km")


def test_a_shared_location_puts_the_nearest_agency_first(chat: Chat) -> None:
    chat.say("un service rapide")
    chat.say("/deny")
    chat.say("8000 km")
    body = {
        "sender": chat.sender,
        "message": "ma position",
        "metadata": {"language": "fr", "location": {"latitude": 45.75, "longitude": 4.85}},
    }
    response = httpx.post(
        f"{chat.base_url}/webhooks/rest/webhook", json=body, headers=chat.auth, timeout=60
    )
    assert response.status_code == 200, response.text
    chat.replies = response.json()
    agencies = [p for p in chat.payloads if p.startswith('/choose{"agency"')]
    assert agencies[0] == '/choose{"agency":"lyon-gerland"}', agencies
    maps = [r["custom"]["agencies"] for r in chat.replies if "agencies" in (r.get("custom") or {})]
    assert maps and maps[0]["origin"] == {"latitude": 45.75, "longitude": 4.85}
