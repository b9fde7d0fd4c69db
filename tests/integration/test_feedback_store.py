"""Complaints and satisfaction surveys on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

import core.feedback as feedback
from core.bookings import REFERENCE_ALPHABET, book_slot
from core.errors import InvalidTransition, InvalidValue, NotFound, SurveyClosed
from core.feedback import (
    SURVEY_ANSWER_WINDOW,
    answer_complaint,
    complaint_for_customer,
    complaints_of,
    file_complaint,
    get_complaint,
    list_complaints,
    open_survey,
    record_comment,
    record_rating,
    survey_prompt,
    survey_results,
)
from core.models import Booking, ChannelIdentity, Complaint, Conversation, SurveyResponse
from hub.reminders import survey_buttons

TEXT = "Ma moto est revenue avec une rayure sur le réservoir."


@pytest.fixture
def person(uow_factory, add_conversation):
    """person("Camille") -> (conversation_id, customer_id) of a new known customer."""

    def make(name: str = "Camille") -> tuple[int, int]:
        conversation_id = add_conversation("web", customer=name)
        with uow_factory() as uow:
            customer_id = uow.session.scalar(
                select(ChannelIdentity.customer_id)
                .join(
                    Conversation,
                    (Conversation.channel == ChannelIdentity.channel)
                    & (Conversation.external_id == ChannelIdentity.external_id),
                )
                .where(Conversation.id == conversation_id)
            )
        return conversation_id, customer_id

    return make


@pytest.fixture
def booked(uow_factory, add_calendar, local_dt, now):
    """booked(customer_id, agency=..., service=..., day=20) -> a confirmed booking's reference."""
    calendars: set[tuple[str, str]] = set()

    def make(customer_id, agency="test-agency", service="maintenance", day=20, hour=9) -> str:
        if (agency, service) not in calendars:
            add_calendar(agency, service, capacity=5)
            calendars.add((agency, service))
        return book_slot(
            uow_factory(),
            agency_code=agency,
            service_code=service,
            start_utc=local_dt(2025, 11, day, hour),
            customer_id=customer_id,
            channel="web",
            now=now,
        ).reference

    return make


def booking_id(uow_factory, reference: str) -> int:
    with uow_factory() as uow:
        return uow.session.scalar(select(Booking.id).where(Booking.reference == reference))


def complaint_count(uow_factory) -> int:
    with uow_factory() as uow:
        return uow.session.scalar(select(func.count()).select_from(Complaint))


def test_a_filed_complaint_is_open_with_a_short_reference_and_stored(
    uow_factory, person, now
) -> None:
    conversation_id, customer_id = person()

    complaint = file_complaint(
        uow_factory(),
        text=f"  {TEXT}  ",
        customer_id=customer_id,
        conversation_id=conversation_id,
        now=now,
    )

    assert complaint.reference.startswith("RC-") and len(complaint.reference) == 9
    assert set(complaint.reference[3:]) <= set(REFERENCE_ALPHABET)
    assert (complaint.status, complaint.text, complaint.answer) == ("open", TEXT, None)
    assert (complaint.customer_name, complaint.created_at) == ("Camille", now)
    assert get_complaint(uow_factory(), complaint.reference.lower()) == complaint


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("nul", "complaint_too_short"),
        ("   ", "complaint_too_short"),
        ("x" * 2001, "complaint_too_long"),
    ],
)
def test_a_complaint_too_short_or_too_long_is_refused_and_not_stored(
    uow_factory, person, now, text, code
) -> None:
    conversation_id, customer_id = person()

    with pytest.raises(InvalidValue) as refused:
        file_complaint(
            uow_factory(),
            text=text,
            customer_id=customer_id,
            conversation_id=conversation_id,
            now=now,
        )

    assert refused.value.code == code
    assert complaint_count(uow_factory) == 0


def test_a_complaint_about_an_own_booking_is_linked_to_its_agency(
    uow_factory, person, booked, now
) -> None:
    conversation_id, customer_id = person()
    reference = booked(customer_id, agency="paris-test")

    complaint = file_complaint(
        uow_factory(),
        text=TEXT,
        customer_id=customer_id,
        conversation_id=conversation_id,
        booking_reference=f" {reference.lower()} ",
        now=now,
    )

    assert (complaint.booking_reference, complaint.agency_code) == (reference, "paris-test")


def test_a_complaint_naming_someone_elses_booking_is_refused(
    uow_factory, person, booked, now
) -> None:
    _, owner = person("Owner")
    conversation_id, customer_id = person("Other")
    reference = booked(owner)

    with pytest.raises(NotFound) as refused:
        file_complaint(
            uow_factory(),
            text=TEXT,
            customer_id=customer_id,
            conversation_id=conversation_id,
            booking_reference=reference,
            now=now,
        )

    assert refused.value.code == "unknown_booking"
    assert complaint_count(uow_factory) == 0


def test_a_reference_collision_is_retried_with_a_new_reference(
    uow_factory, person, now, monkeypatch
) -> None:
    conversation_id, customer_id = person()
    first = file_complaint(
        uow_factory(), text=TEXT, customer_id=customer_id, conversation_id=conversation_id, now=now
    )
    references = iter([first.reference, "RC-ZZZZZZ"])
    monkeypatch.setattr(feedback, "new_complaint_reference", lambda: next(references))

    second = file_complaint(
        uow_factory(), text=TEXT, customer_id=customer_id, conversation_id=conversation_id, now=now
    )

    assert second.reference == "RC-ZZZZZZ"
    assert complaint_count(uow_factory) == 2


def test_a_customer_sees_their_complaints_and_never_someone_elses(
    uow_factory, person, add_conversation, now
) -> None:
    conversation_id, customer_id = person("Camille")
    other_conversation, other_customer = person("Other")
    anonymous = add_conversation("web")
    mine_earlier = file_complaint(
        uow_factory(), text=TEXT, customer_id=customer_id, conversation_id=None, now=now
    )
    mine_later = file_complaint(
        uow_factory(),
        text=TEXT + " (2)",
        customer_id=None,
        conversation_id=conversation_id,
        now=now + timedelta(minutes=5),
    )
    theirs = file_complaint(
        uow_factory(),
        text=TEXT,
        customer_id=other_customer,
        conversation_id=other_conversation,
        now=now,
    )

    mine = complaints_of(uow_factory(), conversation_id=conversation_id, customer_id=customer_id)

    assert [c.reference for c in mine] == [mine_later.reference, mine_earlier.reference]
    assert complaints_of(uow_factory(), conversation_id=anonymous, customer_id=None) == []
    assert complaints_of(uow_factory(), conversation_id=None, customer_id=None) == []
    found = complaint_for_customer(
        uow_factory(), mine_later.reference, conversation_id=conversation_id, customer_id=None
    )
    assert found == mine_later
    with pytest.raises(NotFound):
        complaint_for_customer(
            uow_factory(),
            theirs.reference,
            conversation_id=conversation_id,
            customer_id=customer_id,
        )


def test_staff_answer_then_close_a_complaint_and_a_closed_one_stays_closed(
    uow_factory, person, add_staff, now
) -> None:
    conversation_id, customer_id = person()
    nina = add_staff("Nina", role="advisor")
    filed = file_complaint(
        uow_factory(), text=TEXT, customer_id=customer_id, conversation_id=conversation_id, now=now
    )
    later = now + timedelta(hours=1)

    answered = answer_complaint(
        uow_factory(),
        filed.reference,
        staff_id=nina,
        answer=" Désolés, on repeint. ",
        close=False,
        now=later,
    )
    closed = answer_complaint(
        uow_factory(), filed.reference, staff_id=nina, answer="", close=True, now=later
    )

    assert (answered.status, answered.answer, answered.answered_by_name) == (
        "answered",
        "Désolés, on repeint.",
        "Nina",
    )
    assert (closed.status, closed.answer, closed.updated_at) == (
        "closed",
        "Désolés, on repeint.",
        later,
    )
    with pytest.raises(InvalidTransition) as refused:
        answer_complaint(
            uow_factory(), filed.reference, staff_id=nina, answer="Encore", close=False, now=later
        )
    assert refused.value.code == "complaint_closed"
    assert get_complaint(uow_factory(), filed.reference).answer == "Désolés, on repeint."
    assert [c.reference for c in list_complaints(uow_factory(), status="closed")] == [
        filed.reference
    ]
    assert list_complaints(uow_factory(), status="open") == []


def test_answering_needs_a_text_and_an_existing_complaint(
    uow_factory, person, add_staff, now
) -> None:
    conversation_id, customer_id = person()
    nina = add_staff("Nina", role="advisor")
    filed = file_complaint(
        uow_factory(), text=TEXT, customer_id=customer_id, conversation_id=conversation_id, now=now
    )

    with pytest.raises(InvalidValue) as empty:
        answer_complaint(
            uow_factory(), filed.reference, staff_id=nina, answer="  ", close=False, now=now
        )
    with pytest.raises(NotFound) as unknown:
        answer_complaint(
            uow_factory(), "RC-AAAAAA", staff_id=nina, answer="Oui", close=False, now=now
        )

    assert (empty.value.code, unknown.value.code) == ("empty_answer", "unknown_complaint")
    assert get_complaint(uow_factory(), filed.reference).status == "open"


def test_opening_a_survey_twice_keeps_one_row_and_its_first_sending_time(
    uow_factory, person, booked, now
) -> None:
    _, customer_id = person()
    reference = booked(customer_id)
    identifier = booking_id(uow_factory, reference)

    first = open_survey(uow_factory(), identifier, now)
    again = open_survey(uow_factory(), identifier, now + timedelta(hours=3))

    assert first == again and first.sent_at == now and first.rating is None
    with uow_factory() as uow:
        assert uow.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1


def test_a_rating_and_a_comment_are_stored_and_a_new_rating_replaces_the_first(
    uow_factory, person, booked, now
) -> None:
    _, customer_id = person()
    reference = booked(customer_id)
    open_survey(uow_factory(), booking_id(uow_factory, reference), now)

    rated = record_rating(
        uow_factory(), reference, "4", now + timedelta(minutes=1), customer_id=customer_id
    )
    commented = record_comment(
        uow_factory(), reference.lower(), "  Très bon accueil  ", now + timedelta(minutes=2)
    )
    rerated = record_rating(uow_factory(), reference, 5, now + timedelta(days=6))

    assert rated.rating == 4
    assert (commented.rating, commented.comment) == (4, "Très bon accueil")
    assert (rerated.rating, rerated.comment, rerated.answered_at) == (
        5,
        "Très bon accueil",
        now + timedelta(days=6),
    )


@pytest.mark.parametrize("rating", [0, 6, "abc", "", "4.5", None])
def test_a_rating_outside_one_to_five_is_refused_and_nothing_changes(
    uow_factory, person, booked, now, rating
) -> None:
    _, customer_id = person()
    reference = booked(customer_id)
    open_survey(uow_factory(), booking_id(uow_factory, reference), now)

    with pytest.raises(InvalidValue) as refused:
        record_rating(uow_factory(), reference, rating, now)

    assert refused.value.code == "invalid_rating"
    assert feedback.get_survey(uow_factory(), reference).rating is None


def test_a_survey_is_answered_only_when_sent_in_time_and_by_its_customer(
    uow_factory, person, booked, now
) -> None:
    _, customer_id = person("Camille")
    _, other = person("Other")
    reference = booked(customer_id)
    not_sent = booked(customer_id, hour=10)
    open_survey(uow_factory(), booking_id(uow_factory, reference), now)

    with pytest.raises(NotFound) as never_sent:
        record_rating(uow_factory(), not_sent, 5, now)
    with pytest.raises(NotFound) as not_theirs:
        record_rating(uow_factory(), reference, 1, now, customer_id=other)
    with pytest.raises(SurveyClosed):
        record_rating(uow_factory(), reference, 1, now + SURVEY_ANSWER_WINDOW)
    with pytest.raises(InvalidValue) as empty:
        record_comment(uow_factory(), reference, "   ", now)

    assert (never_sent.value.code, not_theirs.value.code) == ("unknown_survey", "unknown_survey")
    assert empty.value.code == "empty_comment"
    assert feedback.get_survey(uow_factory(), reference).rating is None


def test_survey_results_count_average_and_histogram_per_agency_and_service(
    uow_factory, person, booked, now
) -> None:
    _, customer_id = person()
    ratings = {("agency-a", "maintenance"): [5, 4, 4, None], ("agency-b", "maintenance"): [1]}
    for (agency, service), values in ratings.items():
        for hour, rating in zip((9, 10, 11, 14), values, strict=False):
            reference = booked(customer_id, agency=agency, service=service, hour=hour)
            open_survey(uow_factory(), booking_id(uow_factory, reference), now)
            if rating is not None:
                record_rating(uow_factory(), reference, rating, now)

    results = {(r.agency_code, r.service): r for r in survey_results(uow_factory())}

    a, b = results[("agency-a", "maintenance")], results[("agency-b", "maintenance")]
    assert (a.sent, a.count, a.average) == (4, 3, round(13 / 3, 2))
    assert a.histogram == {1: 0, 2: 0, 3: 0, 4: 2, 5: 1}
    assert (b.sent, b.count, b.average, b.histogram[1]) == (1, 1, 1.0, 1)
    assert a.agency_name == "Agency-A"


@pytest.mark.parametrize(
    ("language", "words"), [("fr", "Comment s'est passé"), ("en", "How did your appointment")]
)
def test_the_survey_prompt_has_five_rating_buttons_naming_the_booking(language, words) -> None:
    prompt = survey_prompt(language, "PL-ABCDEF", "jeu. 20 nov. 09:00", "Paris Nord")
    text, buttons = prompt.text, [(b.title, b.payload) for b in survey_buttons(prompt)]

    assert prompt.booking_reference == "PL-ABCDEF" and prompt.ratings == (1, 2, 3, 4, 5)
    assert text.startswith(words) and "jeu. 20 nov. 09:00" in text and "Paris Nord" in text
    assert len(buttons) == 5
    for rating, (title, payload) in enumerate(buttons, start=1):
        intent, entities = payload[: payload.index("{")], json.loads(payload[payload.index("{") :])
        assert intent == "/rate" and title.startswith(str(rating))
        assert entities == {"survey_booking": "PL-ABCDEF", "rating": str(rating)}


def test_someone_unknown_answering_as_a_customer_only_reaches_bookings_of_nobody(
    uow_factory, person, booked, now
) -> None:
    _, customer_id = person()
    owned = booked(customer_id)
    anonymous = booked(None, hour=10)
    for reference in (owned, anonymous):
        open_survey(uow_factory(), booking_id(uow_factory, reference), now)

    with pytest.raises(NotFound):
        record_rating(uow_factory(), owned, 5, now, customer_id=None, as_customer=True)
    rated = record_rating(uow_factory(), anonymous, 5, now, customer_id=None, as_customer=True)

    assert rated.rating == 5
    assert feedback.get_survey(uow_factory(), owned).rating is None
