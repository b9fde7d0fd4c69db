"""Erasure everywhere (issue 14, item 9; docs/security.md, "Erasure"), on the real stack: a
customer identifies in the chat, erases their account, and afterwards Rasa's tracker of
that conversation holds nothing of theirs: no event, no slot, no text.

The customer is created here (not one of the demo customers, which other e2e tests of the
same stack use)."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool

from core.models import Customer, TrackerErasure, Vehicle
from core.tracker_erasure import sender_digest
from tests.e2e.chat import Chat, last_code_sent_to

pytestmark = pytest.mark.e2e

NAME = "Erwan Effacé"
EMAIL = "erwan.efface@example.fr"
PHONE = "06 39 98 40 40"
PLATE = "EZ-404-RA"
VIN = "ZDM1RBBW5KB098765"
PERSONAL = (NAME, "Erwan", EMAIL, PLATE, "EZ404RA", VIN)


@pytest.fixture(scope="module")
def engine(database_url):
    engine = create_engine(database_url, poolclass=NullPool)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def erwan(engine) -> int:
    with engine.begin() as connection:
        customer_id = connection.execute(
            Customer.__table__.insert()
            .values(name=NAME, email=EMAIL, phone=PHONE, language="fr")
            .returning(Customer.__table__.c.id)
        ).scalar_one()
        connection.execute(
            Vehicle.__table__.insert().values(
                customer_id=customer_id, plate=PLATE, vin=VIN, brand="Ducati", model="Monster"
            )
        )
    return customer_id


def tracker(stack, sender: str) -> dict:
    token = stack.environment()["PITLANE_RASA_TOKEN"]
    response = httpx.get(
        f"{stack.config.rasa_url}/conversations/{sender}/tracker",
        params={"token": token, "include_events": "ALL"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_an_erased_customers_rasa_tracker_keeps_nothing_of_theirs(
    stack, database_url, engine, erwan
) -> None:
    chat = Chat(stack.config.web_url, language="fr")
    sender = f"rest:{chat.external_id}"
    chat.say("/identify_vehicle")
    chat.say(f"{VIN} {PLATE}")
    chat.click('/choose{"otp_transport":"email"}')
    chat.say(last_code_sent_to(database_url, EMAIL))
    assert PLATE in chat.text, chat.text
    before = json.dumps(tracker(stack, sender), ensure_ascii=False)
    assert PLATE in before and VIN in before  # what the erasure must remove

    chat.say("/delete_account")
    chat.click("/affirm")
    with engine.connect() as connection:
        erased_at = connection.scalar(select(Customer.erased_at).where(Customer.id == erwan))
    assert erased_at is not None, chat.text

    deadline = time.monotonic() + 60  # the scheduler's job (PITLANE_TRACKER_ERASURE_SECONDS)
    done = False
    while not done and time.monotonic() < deadline:
        with engine.connect() as connection:
            done = (
                connection.scalar(
                    select(TrackerErasure.done_at).where(
                        TrackerErasure.sender_id == sender_digest(sender)
                    )
                )
                is not None
            )
        time.sleep(0.5)
    assert done, "the tracker erasure was not done within 60 s"

    after = tracker(stack, sender)
    dumped = json.dumps(after, ensure_ascii=False)
    for value in PERSONAL:
        assert value not in dumped, f"{value!r} is still in Rasa's tracker"
    assert not [e for e in after["events"] if e["event"] in ("user", "bot", "slot")]
