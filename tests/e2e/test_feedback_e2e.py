"""Feedback through the hub's REST webhook with the real processes: a complaint and its
status with the staff's answer, a survey's rating and comment."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from core.bookings import book_slot, offer_slots
from core.config import CoreSettings
from core.feedback import answer_complaint, get_survey, list_complaints, open_survey
from core.models import Booking, StaffUser
from core.reviews import list_reviews
from core.uow import uow_from_settings
from tests.e2e.chat import Chat

pytestmark = pytest.mark.e2e
COMPLAINT_REFERENCE = re.compile(r"\bRC-[A-Z2-9]{6}\b")


@pytest.fixture
def chat(stack) -> Chat:
    return Chat(stack.config.web_url)


@pytest.fixture
def now_utc() -> datetime:
    """The real clock: the processes under test read it too."""
    return datetime.now(timezone.utc)


@pytest.fixture(scope="module")
def uow(database_url):
    return uow_from_settings(CoreSettings(database_url=database_url))


def test_a_complaint_is_filed_then_its_status_shows_the_staff_answer(chat, uow, now_utc):
    chat.say("/feedback")
    assert {"/complain", "/complaint_status"} <= set(chat.payloads)
    chat.say("/complain")
    chat.say("Ma moto est revenue de l'atelier avec une rayure sur le réservoir.")
    found = COMPLAINT_REFERENCE.search(chat.text)
    assert found, chat.text
    reference = found.group(0)
    assert "ouverte" in chat.text
    stored = {c.reference: c for c in list_complaints(uow())}
    assert stored[reference].text.startswith("Ma moto est revenue")

    with uow() as unit:
        staff_id = unit.session.scalar(select(StaffUser.id).limit(1))
    answer_complaint(
        uow(),
        reference,
        staff_id=staff_id,
        answer="Nous reprenons la peinture.",
        close=False,
        now=now_utc,
    )
    chat.say(f"où en est ma réclamation {reference}")

    assert reference in chat.text and "Nous reprenons la peinture." in chat.text


def test_a_survey_rating_and_comment_are_stored(chat, uow, now_utc):
    slot = offer_slots(uow(), "paris-nord", "maintenance", now_utc).slots[0]
    booking = book_slot(
        uow(),
        agency_code="paris-nord",
        service_code="maintenance",
        start_utc=slot.start_utc,
        customer_id=None,
        channel="rest",
        now=now_utc,
    )
    with uow() as unit:
        booking_id = unit.session.scalar(
            select(Booking.id).where(Booking.reference == booking.reference)
        )
    open_survey(uow(), booking_id, now_utc)
    entities = json.dumps({"survey_booking": booking.reference, "rating": "4"})

    chat.say(f"/rate{entities}")
    assert "4/5" in chat.text and {"/affirm", "/deny"} <= set(chat.payloads)
    chat.say("Accueil très sympa, moto prête à l'heure")
    assert "publié" in chat.text and {"/affirm", "/deny"} <= set(chat.payloads)
    chat.say("/affirm")

    survey = get_survey(uow(), booking.reference)
    assert (survey.rating, survey.comment) == (4, "Accueil très sympa, moto prête à l'heure")
    assert "relecture" in chat.text
    assert [review.booking_reference for review in list_reviews(uow(), "pending")] == [
        booking.reference
    ]


def test_a_rating_out_of_range_is_refused(chat, uow, now_utc):
    slot = offer_slots(uow(), "paris-nord", "maintenance", now_utc).slots[-1]
    booking = book_slot(
        uow(),
        agency_code="paris-nord",
        service_code="maintenance",
        start_utc=slot.start_utc,
        customer_id=None,
        channel="rest",
        now=now_utc,
    )
    with uow() as unit:
        booking_id = unit.session.scalar(
            select(Booking.id).where(Booking.reference == booking.reference)
        )
    open_survey(uow(), booking_id, now_utc)
    entities = json.dumps({"survey_booking": booking.reference, "rating": "9"})

    chat.say(f"/rate{entities}")

    assert "1 à 5" in chat.text
    assert get_survey(uow(), booking.reference).rating is None
