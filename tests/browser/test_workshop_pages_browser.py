"""The workshop staff pages in headless Chromium against the real app (no network): the
pictures load, the survey chart is drawn, the settings conflict flow works by clicks, and
the pages break no rule of the content security policy. Set PITLANE_SCREENSHOTS=<dir> to
keep screenshots."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from tests.browser.support import BROWSER_MARKS, console_errors, screenshot, sign_in_as_admin
from tests.integration.test_service_pages import customer_with_booking, settings_now, status_of
from tests.integration.test_workshop_pages import attachment, customer, diagnostic_booking
from tests.integration.web_support import served_app, web_settings

pytestmark = BROWSER_MARKS


def png(width: int = 40, height: int = 30) -> bytes:
    """A real PNG picture (orange), so that the browser can draw it."""
    row = b"\x00" + b"\xc2\x41\x0c" * width
    raw = zlib.compress(row * height)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def add_feedback(url: str, customer_id: int, conversation_id: int) -> None:
    """A callback task, a complaint and rated surveys, so that every page has content."""
    from datetime import datetime, timezone

    from sqlalchemy import select

    from core import feedback
    from core.models import Booking, CallbackTask
    from tests.integration.staff_web_support import units_of_work

    now = datetime.now(timezone.utc)
    with units_of_work(url) as new_uow:
        uow = new_uow()
        with uow:
            uow.session.add(
                CallbackTask(
                    reference="CB-BROWSE",
                    kind="repair_quote",
                    customer_id=customer_id,
                    conversation_id=conversation_id,
                    note="Devis DV-2025-0042 : remplacement embrayage",
                    status="open",
                    created_at=now,
                )
            )
            uow.commit()
        feedback.file_complaint(
            new_uow(),
            text="Ma moto n'était pas prête à l'heure <script>x</script>.",
            customer_id=customer_id,
            conversation_id=conversation_id,
            now=now,
        )
    for rating in (5, 4, 5, 2):
        booking = diagnostic_booking(url, customer_id, {})
        with units_of_work(url) as new_uow:
            uow = new_uow()
            with uow:
                booking_id = uow.session.scalar(
                    select(Booking.id).where(Booking.reference == booking.reference)
                )
            feedback.open_survey(new_uow(), booking_id, now)
            feedback.record_rating(new_uow(), booking.reference, rating, now)
        if rating == 2:
            with units_of_work(url) as new_uow:
                feedback.record_comment(new_uow(), booking.reference, "Attente trop longue.", now)


def test_the_workshop_pages_work_in_a_browser(
    browser, seeded_sqlite_url: str, tmp_path: Path
) -> None:
    from core.file_store import FilesystemStore
    from core.files import store_upload

    uploads = tmp_path / "uploads"
    customer_id, conversation_id = customer(seeded_sqlite_url, "Camille Martin")
    path, _ = store_upload(png(), "image/png", FilesystemStore(uploads))
    picture = attachment(seeded_sqlite_url, conversation_id, path, "image/png")
    diagnostic_booking(
        seeded_sqlite_url,
        customer_id,
        {
            "mileage": 8200,
            "description": "Voyant moteur allumé <b>!</b>",
            "attachment_ids": [picture],
        },
    )
    first, _ = customer_with_booking(seeded_sqlite_url, "Hugo Bernard")
    from core.bookings import get_booking
    from tests.integration.staff_web_support import units_of_work

    with units_of_work(seeded_sqlite_url) as new_uow:
        start = get_booking(new_uow(), first).start_utc
    second, _ = customer_with_booking(seeded_sqlite_url, "Léa Dupont", start)

    add_feedback(seeded_sqlite_url, customer_id, conversation_id)
    settings = web_settings(seeded_sqlite_url, "http://127.0.0.1:9", upload_dir=str(uploads))
    with served_app(settings) as base_url:
        page = browser.new_page(locale="fr-FR")
        problems = console_errors(page)
        sign_in_as_admin(page, base_url)

        page.goto(f"{base_url}/staff/bookings")
        thumbnail = page.locator(f'img[src="/staff/attachments/{picture}"]')
        thumbnail.wait_for()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle()
        )
        assert "Voyant moteur allumé <b>!</b>" in page.locator(".description").inner_text()
        screenshot(page, "workshop-bookings.png")

        page.goto(f"{base_url}/staff/callbacks")
        assert page.locator('[data-callback="CB-BROWSE"]').count() == 1
        screenshot(page, "workshop-callbacks.png")
        page.goto(f"{base_url}/staff/complaints")
        screenshot(page, "workshop-complaints.png")
        page.goto(f"{base_url}/staff/surveys")
        bar = page.locator('[data-stats="paris-nord:diagnostic"] rect[data-rating="5"]')
        assert bar.bounding_box()["height"] > 0
        screenshot(page, "workshop-surveys.png")

        page.goto(f"{base_url}/staff/admin/services?calendar=paris-nord:quick_service")
        screenshot(page, "workshop-services.png")
        page.locator('input[name="capacity"]').fill("1")
        page.get_by_role("button", name="Enregistrer").click()
        conflicts = page.locator('[data-services="conflicts"]')
        conflicts.wait_for()
        assert conflicts.locator(f'[data-conflict="{second}"]').count() == 1
        assert settings_now(seeded_sqlite_url).capacity == 2  # nothing yet
        screenshot(page, "workshop-services-conflicts.png")
        page.get_by_role("button", name="Enregistrer, annuler ces réservations").click()
        page.locator(".alert-success").wait_for()
        screenshot(page, "workshop-services-saved.png")
        page.close()
    assert settings_now(seeded_sqlite_url).capacity == 1
    assert status_of(seeded_sqlite_url, second) == "cancelled"
    assert status_of(seeded_sqlite_url, first) == "confirmed"
    assert not [p for p in problems if "Content Security Policy" in p], problems
