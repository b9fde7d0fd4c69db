"""The vehicle's history through the hub's REST webhook with the real processes and the real
model: an identified customer reads the demo Ducati's visits and mileage, stops and restarts
the maintenance reminders, and the maintenance check asks only what it does not know."""

from __future__ import annotations

import pytest

from tests.e2e.chat import Chat, last_code_sent_to

pytestmark = pytest.mark.e2e


@pytest.fixture
def chat(stack) -> Chat:
    return Chat(stack.config.web_url, language="fr")


def identify_camille(chat: Chat, database_url: str) -> None:
    chat.say("/identify_vehicle")
    chat.say("ZDM1RBBW5KB012345 ab 123 cd")
    chat.click('/choose{"otp_transport":"email"}')
    chat.say(last_code_sent_to(database_url, "camille.martin@example.fr"))
    assert "AB-123-CD" in chat.text


def test_an_unidentified_customer_is_offered_the_identification(chat: Chat) -> None:
    chat.say("historique de ma moto")
    assert "/identify_vehicle" in chat.payloads, chat.text


def test_an_identified_customer_reads_the_history_and_manages_the_reminders(
    chat: Chat, database_url
) -> None:
    identify_camille(chat, database_url)

    chat.say("qu'est ce que vous avez fait sur ma moto ?")
    assert "Pneu arrière remplacé" in chat.text and "Révision des 24 000 km" in chat.text
    assert "Dernier kilométrage connu" in chat.text and "km" in chat.text
    assert "/maintenance_reminder_opt_in" not in chat.payloads  # the demo has them on

    chat.say("stop les rappels d'entretien")
    assert "pas de rappel d'entretien" in chat.text

    chat.say("historique de ma moto")
    chat.click("/maintenance_reminder_opt_in")
    assert "Je vous préviendrai" in chat.text


def test_the_maintenance_check_of_an_identified_vehicle_skips_what_is_known(
    chat: Chat, database_url
) -> None:
    identify_camille(chat, database_url)

    chat.say("/check_maintenance")
    assert "2019" in chat.text and "dernier entretien chez nous" in chat.text.lower()
    assert "kilomètres" in chat.text  # serviced less than a year ago: the mileage is asked
    assert "De quelle année" not in chat.text and "De quand date" not in chat.text
