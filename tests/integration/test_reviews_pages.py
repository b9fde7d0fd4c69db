"""The reviews' moderation page on the real app: consented comments listed escaped, a
manager publishes one (then it is public), a second decision is refused, advisors only read."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from core import bookings, feedback, reviews
from core.models import Booking
from tests.integration.staff_web_support import ADVISOR, MANAGER, login, units_of_work
from tests.integration.test_workshop_pages import customer
from tests.integration.web_support import web_client


def consented_review(url: str, comment: str) -> str:
    """A booking of a new customer at Paris Nord whose survey has a consented comment."""
    customer_id, _ = customer(url, "Léa Dupont")
    now = datetime.now(timezone.utc)
    with units_of_work(url) as new_uow:
        slot = bookings.offer_slots(new_uow(), "paris-nord", "maintenance", now).slots[0]
        reference = bookings.book_slot(
            new_uow(),
            agency_code="paris-nord",
            service_code="maintenance",
            start_utc=slot.start_utc,
            customer_id=customer_id,
            channel="web",
            now=now,
        ).reference
        with new_uow() as uow:
            booking_id = uow.session.scalar(
                select(Booking.id).where(Booking.reference == reference)
            )
        feedback.open_survey(new_uow(), booking_id, now)
        feedback.record_rating(new_uow(), reference, 5, now)
        feedback.record_comment(new_uow(), reference, comment, now)
        reviews.record_publication_consent(new_uow(), reference, True, now)
    return reference


def test_a_manager_publishes_a_review_once_and_it_becomes_public(seeded_sqlite_url: str) -> None:
    reference = consented_review(seeded_sqlite_url, "Super accueil <b>!</b>")
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, MANAGER)
        page = client.get("/staff/reviews")
        forged = client.post(f"/staff/reviews/{reference}", data={"decision": "approve"})
        published = client.post(
            f"/staff/reviews/{reference}", data={"csrf_token": csrf, "decision": "approve"}
        )
        again = client.post(
            f"/staff/reviews/{reference}", data={"csrf_token": csrf, "decision": "reject"}
        )
        approved_list = client.get("/staff/reviews", params={"status": "approved"})
    assert f'data-review="{reference}"' in page.text
    assert "Super accueil &lt;b&gt;!&lt;/b&gt;" in page.text and "Léa D." in page.text
    assert forged.status_code == 403
    assert published.status_code == 200 and f"Avis {reference} publié" in published.text
    assert again.status_code == 409 and "déjà été traité" in again.text
    assert "Thomas Garnier" in approved_list.text
    with units_of_work(seeded_sqlite_url) as new_uow:
        shown = reviews.approved_reviews(new_uow(), "paris-nord")
    assert [(r.booking_reference, r.author) for r in shown] == [(reference, "Léa D.")]


def test_advisors_read_the_reviews_without_the_decision_buttons(seeded_sqlite_url: str) -> None:
    reference = consented_review(seeded_sqlite_url, "Rapide et efficace")
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADVISOR)
        page = client.get("/staff/reviews")
        refused = client.post(
            f"/staff/reviews/{reference}", data={"csrf_token": csrf, "decision": "approve"}
        )
    assert f'data-review="{reference}"' in page.text and 'data-reviews="read-only"' in page.text
    assert 'name="decision"' not in page.text
    assert refused.status_code == 403
    with units_of_work(seeded_sqlite_url) as new_uow:
        assert [r.booking_reference for r in reviews.list_reviews(new_uow())] == [reference]
