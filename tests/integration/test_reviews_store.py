"""Reviews on a real database (SQLite and PostgreSQL): agency averages on known ratings,
publication consent, moderation by one conditional update, the public comments; and the
calendar invite of a stored booking (core/ics.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.agencies import agencies_offering, set_service_bookable
from core.bookings import book_slot
from core.errors import InvalidTransition, NotFound, SlotUnavailable
from core.feedback import open_survey, record_comment, record_rating
from core.ics import booking_ics_document
from core.models import Agency, Booking, Customer, Setting
from core.reviews import (
    AgencyRating,
    agency_ratings,
    approved_reviews,
    list_reviews,
    moderate_review,
    public_author,
    rating_text,
    record_publication_consent,
    reviewed_agencies,
)

DAYS = (20, 21, 24, 25, 26, 27, 28)  # weekdays after the fixed now (19 Nov 2025)
HOURS = (9, 10, 11, 14, 15, 16, 17)


@pytest.fixture
def survey(uow_factory, add_calendar, local_dt, now):
    """survey(rating, comment=None, consent=False, agency=..., customer="Marie Dupont") ->
    the booking reference of an answered survey."""
    calendars: set[str] = set()
    hours = iter(range(0, 400))

    def make(
        rating: int | None,
        comment: str | None = None,
        consent: bool = False,
        agency: str = "lyon",
        customer: str | None = "Marie Dupont",
    ) -> str:
        if agency not in calendars:
            add_calendar(agency, "maintenance", capacity=5)
            calendars.add(agency)
        customer_id = None
        if customer is not None:
            with uow_factory() as uow:
                row = Customer(name=customer, language="fr")
                uow.session.add(row)
                uow.session.flush()
                customer_id = row.id
                uow.commit()
        step = next(hours)
        day, hour = DAYS[step // 7], HOURS[step % 7]
        reference = book_slot(
            uow_factory(),
            agency_code=agency,
            service_code="maintenance",
            start_utc=local_dt(2025, 11, day, hour),
            customer_id=customer_id,
            channel="web",
            now=now,
        ).reference
        with uow_factory() as uow:
            booking_id = uow.session.scalar(
                select(Booking.id).where(Booking.reference == reference)
            )
        open_survey(uow_factory(), booking_id, now)
        answered = now + timedelta(minutes=step)
        if rating is not None:
            record_rating(uow_factory(), reference, rating, answered)
        if comment is not None:
            record_comment(uow_factory(), reference, comment, answered)
        if consent:
            record_publication_consent(uow_factory(), reference, True, answered)
        return reference

    return make


def test_agency_averages_count_only_ratings_and_hide_agencies_with_too_few(
    uow_factory, survey
) -> None:
    for rating in (5, 4, 5, 4, 5):
        survey(rating, agency="lyon")
    survey(None, agency="lyon")  # sent, not rated: not counted
    survey(2, agency="nice")
    survey(3, agency="nice")

    assert agency_ratings(uow_factory()) == {"lyon": AgencyRating(4.6, 5)}
    assert agency_ratings(uow_factory(), min_count=2) == {
        "lyon": AgencyRating(4.6, 5),
        "nice": AgencyRating(2.5, 2),
    }


def test_the_minimum_number_of_ratings_is_a_setting(uow_factory, survey) -> None:
    survey(4, agency="nice")
    with uow_factory() as uow:
        uow.session.add(Setting(key="reviews_min_ratings", value="1"))
        uow.commit()

    assert agency_ratings(uow_factory()) == {"nice": AgencyRating(4.0, 1)}


def test_the_rating_text_follows_the_language() -> None:
    rating = AgencyRating(4.6, 38)

    assert rating_text(rating, "fr") == "4,6/5 · 38 avis"
    assert rating_text(rating, "en") == "4.6/5 · 38 reviews"
    assert rating_text(AgencyRating(4.0, 1250), "fr") == "4,0/5 · 1\u202f250 avis"
    assert rating_text(None, "fr") == ""


def test_only_consented_comments_wait_for_moderation(uow_factory, survey) -> None:
    private = survey(5, "Très bien, mais je ne veux pas être publié")
    consented = survey(4, "Accueil très sympa", consent=True)
    survey(3, consent=True)  # consent without a comment: nothing to publish

    pending = list_reviews(uow_factory(), "pending")

    assert [review.booking_reference for review in pending] == [consented]
    assert (pending[0].author, pending[0].comment, pending[0].rating) == (
        "Marie D.",
        "Accueil très sympa",
        4,
    )
    assert private not in {r.booking_reference for r in list_reviews(uow_factory(), "approved")}


def test_an_approved_review_is_public_with_who_and_when(uow_factory, survey, add_staff, now):
    staff_id = add_staff("Hugo Manager", role="manager")
    reference = survey(4, "Accueil très sympa", consent=True)

    decided = moderate_review(
        uow_factory(), reference, staff_id=staff_id, approve=True, now=now + timedelta(hours=1)
    )

    assert (decided.status, decided.reviewed_by_name) == ("approved", "Hugo Manager")
    assert decided.reviewed_at == now + timedelta(hours=1)
    assert [r.booking_reference for r in approved_reviews(uow_factory(), "lyon")] == [reference]
    assert list_reviews(uow_factory(), "pending") == []
    assert reviewed_agencies(uow_factory()) == {"lyon"}


def test_a_review_decided_once_cannot_be_decided_again(uow_factory, survey, add_staff, now):
    first = add_staff("a@pitlane.example", role="manager")
    second = add_staff("b@pitlane.example", role="admin")
    reference = survey(2, "Attente trop longue", consent=True)
    moderate_review(uow_factory(), reference, staff_id=first, approve=False, now=now)

    with pytest.raises(InvalidTransition) as refused:
        moderate_review(uow_factory(), reference, staff_id=second, approve=True, now=now)

    assert refused.value.code == "review_already_moderated"
    [rejected] = list_reviews(uow_factory(), "rejected")
    assert rejected.booking_reference == reference
    assert approved_reviews(uow_factory(), "lyon") == []


def test_a_comment_without_consent_cannot_be_approved(uow_factory, survey, add_staff, now):
    staff_id = add_staff("m@pitlane.example", role="manager")
    reference = survey(5, "Top")

    with pytest.raises(NotFound):
        moderate_review(uow_factory(), reference, staff_id=staff_id, approve=True, now=now)
    with pytest.raises(NotFound):
        moderate_review(uow_factory(), "PL-NOPE00", staff_id=staff_id, approve=True, now=now)


def test_a_changed_comment_or_a_withdrawn_consent_leaves_publication(
    uow_factory, survey, add_staff, now
) -> None:
    staff_id = add_staff("m@pitlane.example", role="manager")
    edited = survey(4, "Bien", consent=True)
    withdrawn = survey(5, "Parfait", consent=True)
    for reference in (edited, withdrawn):
        moderate_review(uow_factory(), reference, staff_id=staff_id, approve=True, now=now)

    record_comment(uow_factory(), edited, "Bien, mais un peu cher", now + timedelta(hours=2))
    record_publication_consent(uow_factory(), withdrawn, False, now + timedelta(hours=2))

    assert approved_reviews(uow_factory(), "lyon") == []
    assert [r.booking_reference for r in list_reviews(uow_factory(), "pending")] == [edited]


def test_the_public_comments_are_the_last_three_approved_newest_first(
    uow_factory, survey, add_staff, now
) -> None:
    staff_id = add_staff("m@pitlane.example", role="manager")
    references = [survey(5, f"Avis {n}", consent=True) for n in range(5)]
    for reference in references:
        moderate_review(uow_factory(), reference, staff_id=staff_id, approve=True, now=now)

    shown = approved_reviews(uow_factory(), "lyon")

    assert [r.comment for r in shown] == ["Avis 4", "Avis 3", "Avis 2"]
    with pytest.raises(NotFound):
        approved_reviews(uow_factory(), "nowhere")


def test_an_erased_or_unknown_author_is_not_named(uow_factory, survey, add_staff, now) -> None:
    staff_id = add_staff("m@pitlane.example", role="manager")
    reference = survey(5, "Super", consent=True, customer=None)
    moderate_review(uow_factory(), reference, staff_id=staff_id, approve=True, now=now)

    assert approved_reviews(uow_factory(), "lyon")[0].author == ""


def test_public_author_is_the_first_name_and_the_initial() -> None:
    assert public_author("Marie Dupont") == "Marie D."
    assert public_author("jean-pierre de la tour") == "Jean-pierre T."
    assert public_author("Camille") == "Camille"
    assert public_author("  ") == "" and public_author(None) == ""


def test_the_invite_of_a_stored_booking_has_the_agency_and_its_time_zone(
    uow_factory, survey, now
) -> None:
    reference = survey(None)
    with uow_factory() as uow:
        booking = uow.session.scalar(select(Booking).where(Booking.reference == reference))
        booking_id, start = booking.id, booking.start_utc
        uow.session.execute(update(Agency).values(timezone="Europe/Paris"))
        uow.commit()

    document = booking_ics_document(uow_factory(), booking_id, now)
    filename, media_type, body = document.filename, document.media_type, document.data

    text = body.decode("utf-8").replace("\r\n ", "")
    assert filename == f"{reference}.ics" and media_type.startswith("text/calendar")
    assert f"UID:booking-{reference}@pitlane\r\n" in text
    assert "DTSTART;TZID=Europe/Paris:20251120T090000" in text
    assert start.hour == 8  # 09:00 in Paris in November is 08:00 UTC
    assert "LOCATION:Lyon\\, 1 rue de Test\\, 75001 Paris" in text
    assert "SUMMARY:maintenance — Lyon" in text and reference in text
    with pytest.raises(NotFound):
        booking_ics_document(uow_factory(), 999_999, now)


def test_a_closed_service_takes_no_new_booking_and_keeps_its_bookings(
    uow_factory, survey, local_dt, now
) -> None:
    kept = survey(None, agency="lyon")

    set_service_bookable(uow_factory(), "lyon", "maintenance", False)

    with pytest.raises(SlotUnavailable) as refused:
        book_slot(
            uow_factory(),
            agency_code="lyon",
            service_code="maintenance",
            start_utc=local_dt(2025, 11, 28, 9),
            customer_id=None,
            channel="web",
            now=now,
        )
    assert refused.value.code == "service_closed"
    assert agencies_offering(uow_factory(), "maintenance") == []
    with uow_factory() as uow:
        status = uow.session.scalar(select(Booking.status).where(Booking.reference == kept))
    assert status == "confirmed"
    set_service_bookable(uow_factory(), "lyon", "maintenance", True)
    assert [a.code for a in agencies_offering(uow_factory(), "maintenance")] == ["lyon"]
