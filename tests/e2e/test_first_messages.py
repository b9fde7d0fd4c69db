"""First messages as customers type them, through the REST webhook with the three real
processes and the trained model (issue 11): the right workflow starts, and the values the
message already holds (a symptom, a mileage, a plate, a quote number, a place) are used
instead of being asked again."""

from __future__ import annotations

from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool

from core.models import Booking
from tests.e2e.chat import Chat

NOT_UNDERSTOOD = "pas bien compris"
PLATE_QUESTION = "plaque d'immatriculation"
VIN_QUESTION = "numéro de châssis"


def details_of(database_url: str, reference: str) -> dict | None:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(Booking.details).where(Booking.reference == reference))
    finally:
        engine.dispose()


def agencies_shown(chat: Chat) -> list[str]:
    return [
        item["code"]
        for reply in chat.replies
        for item in ((reply.get("custom") or {}).get("agencies") or {}).get("items", [])
    ]


def test_a_symptom_starts_the_diagnostic_and_is_its_description(stack, database_url) -> None:
    chat = Chat(stack.config.web_url, language="fr")
    symptom = "ma moto fait un bruit de claquement a l'avant des que je freine"
    chat.say(symptom)
    assert NOT_UNDERSTOOD not in chat.text
    chat.say("/deny")  # no identification
    assert "photo" in chat.text.lower(), chat.text  # the description is not asked again
    chat.say("c'est tout")
    reference = chat.book_offered_slot()
    assert details_of(database_url, reference) == {"description": symptom}


def test_a_tyre_change_with_the_mileage_books_a_quick_service(stack, database_url) -> None:
    chat = Chat(stack.config.web_url, language="en")
    chat.say("hi, I need the rear tyre changed, she's done about 14k")
    chat.say("/deny")  # no identification; the mileage is not asked again
    assert any(p.startswith('/choose{"') for p in chat.payloads), chat.text
    reference = chat.book_offered_slot()
    assert details_of(database_url, reference) == {"mileage": 14000}


def test_a_plate_alone_starts_the_identification_with_it(stack) -> None:
    chat = Chat(stack.config.web_url, language="fr")
    chat.say("AB.123.CD")
    assert VIN_QUESTION in chat.text and PLATE_QUESTION not in chat.text, chat.text
    chat.say("ZDM1RBBW5KB012345")
    assert '/choose{"otp_transport":"email"}' in chat.payloads, chat.text


def test_a_garage_near_a_city_lists_the_nearest_agencies(stack) -> None:
    chat = Chat(stack.config.web_url, language="fr")
    chat.say("vous avez un garage pres de Lyon ?")
    shown = agencies_shown(chat)
    assert shown and shown[0].startswith("lyon"), chat.replies
    assert NOT_UNDERSTOOD not in chat.text


def test_a_quote_number_in_a_sentence_starts_the_repair_with_it(stack) -> None:
    chat = Chat(stack.config.web_url, language="fr")
    chat.say("bonjour j'ai recu le devis D-55120, je peux prendre rdv ?")
    assert PLATE_QUESTION in chat.text, chat.text  # the vehicle first; the quote is kept
    assert NOT_UNDERSTOOD not in chat.text


def test_the_phone_number_asked_in_french_gives_the_contact_details(stack) -> None:
    chat = Chat(stack.config.web_url, language="fr")
    chat.say("c'est quoi votre numero de telephone ?")
    assert "+33" in chat.text, chat.text


def test_a_vague_or_unclear_message_is_never_a_dead_end(stack) -> None:
    for text in ("moto", "euh bah en fait jsp trop"):
        chat = Chat(stack.config.web_url, language="fr")
        chat.say(text)
        # a workflow's question with its buttons, the likeliest readings, or the menu
        assert chat.payloads, (text, chat.replies)
