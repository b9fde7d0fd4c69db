"""Vehicle identification through the REST webhook, with the outbox as the transport."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool

from core.models import Customer, Message, Vehicle
from tests.e2e.chat import Chat, last_code_sent_to


@pytest.fixture
def chat(stack) -> Chat:
    return Chat(stack.config.web_url, language="fr")


def stored_texts(database_url: str) -> list[str]:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(select(Message.text)))
    finally:
        engine.dispose()


def test_a_matching_vehicle_is_identified_with_a_code_never_stored(chat: Chat, database_url, stack):
    chat.say("/identify_vehicle")
    chat.say("ZDM1RBBW5KB012345 ab 123 cd")
    assert '/choose{"otp_transport":"email"}' in chat.payloads, chat.text
    chat.click('/choose{"otp_transport":"email"}')
    assert "c•••@example.fr" in chat.text
    code = last_code_sent_to(database_url, "camille.martin@example.fr")
    typed = f"{code[:3]}-{code[3:]}"
    chat.say(typed)
    assert "AB-123-CD" in chat.text and "identifi" in chat.text.lower()
    texts = stored_texts(database_url)
    assert "••••••" in texts
    assert not any(code in text for text in texts)
    # Rasa never saw it (the hub checked it and sent /inform): not in the tracker, not in a log
    tracker = httpx.get(
        f"{stack.config.rasa_url}/conversations/rest:{chat.external_id}/tracker",
        params={"token": stack.environment()["PITLANE_RASA_TOKEN"]},
        timeout=30,
    ).json()
    said = [e.get("text") or "" for e in tracker["events"] if e.get("event") == "user"]
    assert "/inform" in said and not any(code in text for text in said)
    assert not any(code in str(value) for value in tracker["slots"].values())
    for log in stack.config.log_dir.glob("*.log"):
        assert typed not in log.read_text(errors="replace"), log.name


def test_a_wrong_plate_recommends_calling_the_service(chat: Chat) -> None:
    chat.say("je veux identifier mon vehicule")
    chat.say("XY-999-ZZ")
    chat.say("SMTD40HL1MT123456")
    assert "+33 9 77 40 00 00" in chat.text


def test_an_unknown_vehicle_suggests_a_mycar_account(chat: Chat) -> None:
    chat.say("/identify_vehicle")
    chat.say("plaque XY-999-ZZ vin VF1AB000000000001")
    assert "MyCar" in chat.text


def test_a_plate_and_vin_in_the_first_request_are_not_asked_again(chat: Chat) -> None:
    chat.say("je veux identifier mon véhicule AB-123-CD ZDM1RBBW5KB012345")
    assert '/choose{"otp_transport":"email"}' in chat.payloads, chat.text


def test_a_known_plate_with_a_wrong_vin_offers_the_mycar_account(chat: Chat) -> None:
    chat.say("/identify_vehicle")
    chat.say("AB-123-CD VF1AB000000000001")
    assert "MyCar" in chat.text
    assert any(p.startswith("/create_mycar") for p in chat.payloads), chat.payloads


def test_a_mycar_account_is_created_once_both_contacts_are_verified(
    chat: Chat, database_url
) -> None:
    chat.say("/identify_vehicle")
    chat.say("plaque XY-998-ZZ vin VF1AB000000000002")
    chat.click("/create_mycar")
    chat.say("Jean Dupont")
    chat.say("jean.dupont@example.org")
    chat.say(last_code_sent_to(database_url, "jean.dupont@example.org"))
    assert accounts_with(database_url, "jean.dupont@example.org") == 0  # not before the phone
    chat.say("06 12 34 56 78")
    chat.say(last_code_sent_to(database_url, "+33612345678"))
    chat.say("Honda")
    chat.say("CB500F")
    chat.say("2021")

    assert "MyCar" in chat.text and "XY-998-ZZ" in chat.text, chat.text
    assert accounts_with(database_url, "jean.dupont@example.org") == 1
    assert vehicle_of(database_url, "jean.dupont@example.org") == (
        "XY-998-ZZ",
        "VF1AB000000000002",
        "Honda",
        "CB500F",
        2021,
    )


def accounts_with(database_url: str, email: str) -> int:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return len(connection.scalars(select(Customer.id).where(Customer.email == email)).all())
    finally:
        engine.dispose()


def vehicle_of(database_url: str, email: str) -> tuple:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                select(Vehicle.plate, Vehicle.vin, Vehicle.brand, Vehicle.model, Vehicle.year)
                .join(Customer, Customer.id == Vehicle.customer_id)
                .where(Customer.email == email)
            ).one()
    finally:
        engine.dispose()
    return tuple(row)
