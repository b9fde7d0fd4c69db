"""The workshop staff pages: bookings with details and pictures, attachments served to
staff only, callbacks closed with an outcome, complaints answered to the customer, surveys."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from core import bookings, conversations, customers, feedback, workshop
from core.file_store import FilesystemStore
from core.files import store_upload
from core.models import Booking, CallbackTask
from tests.integration.staff_web_support import ADMIN, ADVISOR, login, units_of_work
from tests.integration.web_support import stored_messages, web_client

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
AGENCY, SERVICE = "paris-nord", "diagnostic"


def customer(url: str, name: str, channel: str = "web") -> tuple[int, int]:
    """A customer with a conversation: (customer id, conversation id)."""
    external_id = str(uuid.uuid4())
    with units_of_work(url) as new_uow:
        conversation = conversations.get_or_create_conversation(
            new_uow(), channel, external_id, "fr"
        )
        person = customers.register_customer(
            new_uow(),
            channel=channel,
            external_id=external_id,
            name=name,
            contact=f"{external_id[:8]}@example.com",
            language="fr",
        )
    return person.id, conversation.id


def attachment(url: str, conversation_id: int, storage_path: str, content_type: str) -> int:
    with units_of_work(url) as new_uow:
        message_id = conversations.record_message(
            new_uow(),
            conversation_id,
            direction="in",
            sender="customer",
            text="",
            status="answered",
        )
        return conversations.add_attachment(
            new_uow(),
            message_id,
            kind="image",
            content_type=content_type,
            storage_path=storage_path,
            size=len(PNG),
        )


def diagnostic_booking(url: str, customer_id: int, details: dict) -> bookings.BookingView:
    now = datetime.now(timezone.utc)
    with units_of_work(url) as new_uow:
        start = bookings.offer_slots(new_uow(), AGENCY, SERVICE, now).slots[0].start_utc
        return bookings.book_slot(
            new_uow(),
            agency_code=AGENCY,
            service_code=SERVICE,
            start_utc=start,
            customer_id=customer_id,
            channel="web",
            now=now,
            details=details,
        )


@pytest.fixture
def uploads(tmp_path: Path) -> Path:
    folder = tmp_path / "uploads"
    folder.mkdir()
    return folder


def test_staff_see_upcoming_bookings_with_details_and_thumbnails(
    seeded_sqlite_url: str, uploads: Path
) -> None:
    customer_id, conversation_id = customer(seeded_sqlite_url, "Camille Martin")
    path, _ = store_upload(PNG, "image/png", FilesystemStore(uploads))
    picture = attachment(seeded_sqlite_url, conversation_id, path, "image/png")
    details = {
        "mileage": 12500,
        "description": "<script>alert(1)</script> bruit au freinage",
        "attachment_ids": [picture],
    }
    booking = diagnostic_booking(seeded_sqlite_url, customer_id, details)
    with web_client(seeded_sqlite_url, upload_dir=str(uploads)) as client:
        login(client, ADVISOR)
        page = client.get("/staff/bookings", params={"agency": AGENCY, "service": SERVICE})
        other = client.get("/staff/bookings", params={"agency": "lyon-gerland"})
        image = client.get(f"/staff/attachments/{picture}")
    assert page.status_code == 200
    assert f'data-booking="{booking.reference}"' in page.text
    assert "12\u202f500 km" in page.text  # Babel: a narrow no-break space
    assert "&lt;script&gt;alert(1)&lt;/script&gt; bruit au freinage" in page.text
    assert "<script>alert" not in page.text
    assert f'src="/staff/attachments/{picture}"' in page.text
    assert f'data-booking="{booking.reference}"' not in other.text
    assert image.status_code == 200
    assert image.content == PNG
    assert image.headers["content-type"] == "image/png"
    assert image.headers["content-disposition"] == "inline"
    assert image.headers["x-content-type-options"] == "nosniff"


def test_attachments_are_for_staff_only_and_never_outside_the_upload_folder(
    seeded_sqlite_url: str, uploads: Path, tmp_path: Path
) -> None:
    _, conversation_id = customer(seeded_sqlite_url, "Camille Martin")
    path, _ = store_upload(PNG, "image/png", FilesystemStore(uploads))
    picture = attachment(seeded_sqlite_url, conversation_id, path, "image/png")
    outside = tmp_path / "secret.png"
    outside.write_bytes(PNG)
    escaped = attachment(seeded_sqlite_url, conversation_id, str(outside), "image/png")
    with web_client(seeded_sqlite_url, upload_dir=str(uploads)) as client:
        anonymous = client.get(f"/staff/attachments/{picture}", follow_redirects=False)
        login(client, ADVISOR)
        unknown = client.get("/staff/attachments/999999")
        not_a_number = client.get("/staff/attachments/..%2F..%2Fetc%2Fpasswd")
        tampered = client.get(f"/staff/attachments/{escaped}")
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/staff/login"
    assert unknown.status_code == 404
    assert not_a_number.status_code in (404, 422)
    assert tampered.status_code == 404


def test_an_advisor_closes_a_callback_with_its_outcome(seeded_sqlite_url: str) -> None:
    customer_id, conversation_id = customer(seeded_sqlite_url, "Hugo Bernard")
    with units_of_work(seeded_sqlite_url) as new_uow:
        uow = new_uow()
        with uow:
            uow.session.add(
                CallbackTask(
                    reference="CB-TEST42",
                    kind="repair_quote",
                    customer_id=customer_id,
                    conversation_id=conversation_id,
                    note="Devis DV-2025-001",
                    status="open",
                    created_at=datetime.now(timezone.utc),
                )
            )
            uow.commit()
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADVISOR)
        page = client.get("/staff/callbacks")
        forged = client.post("/staff/callbacks/CB-TEST42/close", data={"outcome": "x"})
        closed = client.post(
            "/staff/callbacks/CB-TEST42/close",
            data={"csrf_token": csrf, "outcome": "RDV fixé mardi 9 h"},
        )
    assert 'data-callback="CB-TEST42"' in page.text and "Hugo Bernard" in page.text
    assert forged.status_code == 403
    assert closed.status_code == 200
    assert 'data-callback="CB-TEST42"' not in closed.text
    with units_of_work(seeded_sqlite_url) as new_uow:
        task = workshop.get_callback(new_uow(), "CB-TEST42")
    assert (task.status, task.outcome) == ("done", "RDV fixé mardi 9 h")


def test_answering_a_complaint_tells_the_customer_in_their_conversation(
    seeded_sqlite_url: str,
) -> None:
    customer_id, conversation_id = customer(seeded_sqlite_url, "Léa Dupont")
    with units_of_work(seeded_sqlite_url) as new_uow:
        complaint = feedback.file_complaint(
            new_uow(),
            text="Ma moto n'était pas prête à l'heure prévue.",
            customer_id=customer_id,
            conversation_id=conversation_id,
            now=datetime.now(timezone.utc),
        )
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADMIN)
        page = client.get("/staff/complaints")
        answered = client.post(
            f"/staff/complaints/{complaint.reference}",
            data={
                "csrf_token": csrf,
                "answer": "Toutes nos excuses <b>!</b>",
                "action": "answer_close",
            },
        )
        closed_list = client.get("/staff/complaints", params={"status": "closed"})
    assert f'data-complaint="{complaint.reference}"' in page.text
    assert answered.status_code == 200
    assert "Le client a été prévenu" in answered.text
    assert "Toutes nos excuses &lt;b&gt;!&lt;/b&gt;" in closed_list.text
    told = [m for m in stored_messages(seeded_sqlite_url) if m.direction == "out"]
    assert any(complaint.reference in m.text and "Toutes nos excuses" in m.text for m in told)
    with units_of_work(seeded_sqlite_url) as new_uow:
        assert feedback.get_complaint(new_uow(), complaint.reference).status == "closed"


def test_survey_results_show_counts_average_and_a_bar_chart(seeded_sqlite_url: str) -> None:
    customer_id, _ = customer(seeded_sqlite_url, "Nora Petit")
    now = datetime.now(timezone.utc)
    ratings = [5, 4, 5]
    for rating in ratings:
        booking = diagnostic_booking(seeded_sqlite_url, customer_id, {})
        with units_of_work(seeded_sqlite_url) as new_uow:
            uow = new_uow()
            with uow:
                booking_id = uow.session.scalar(
                    select(Booking.id).where(Booking.reference == booking.reference)
                )
            feedback.open_survey(new_uow(), booking_id, now)
            feedback.record_rating(new_uow(), booking.reference, rating, now)
    with web_client(seeded_sqlite_url) as client:
        login(client, ADVISOR)
        page = client.get("/staff/surveys")
    assert page.status_code == 200
    card = page.text.split(f'data-stats="{AGENCY}:{SERVICE}"')[1].split("</article>")[0]
    assert "<svg" in card and 'role="img"' in card
    assert 'data-rating="5" data-count="2"' in card
    assert 'data-rating="4" data-count="1"' in card
    assert 'data-rating="1" data-count="0"' in card
    average = sum(ratings) / len(ratings)
    assert f"{average:.1f}".replace(".", ",") in card


@pytest.mark.parametrize(
    "path", ["/staff/bookings", "/staff/callbacks", "/staff/complaints", "/staff/surveys"]
)
def test_workshop_pages_need_a_staff_session(seeded_sqlite_url: str, path: str) -> None:
    with web_client(seeded_sqlite_url) as client:
        answer = client.get(path, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/staff/login"
