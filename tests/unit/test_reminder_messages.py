"""The reminder's wording: the customer's language, the local time across DST changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from core.bookings import BookingView
from core.reminders import ChannelRecipient, ReminderTask, reminder_message, when_text

PARIS = "Europe/Paris"


def paris(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(PARIS)).astimezone(timezone.utc)


def task(start: datetime, language: str = "fr", name: str | None = "Camille") -> ReminderTask:
    booking = BookingView(
        reference="BK7Q2M",
        service="quick_service",
        agency="paris-nord",
        agency_name="Pitlane Paris Nord",
        start_utc=start,
        end_utc=start + timedelta(hours=1),
        customer_id=1,
        customer_name=name,
        channel="telegram",
        status="confirmed",
    )
    return ReminderTask(
        reminder_id=3,
        kind="reminder",
        due_at=start - timedelta(hours=24),
        claimed_at=start - timedelta(hours=24),
        booking_id=9,
        booking=booking,
        service_name="Service rapide" if language == "fr" else "Quick service",
        agency_address="12 rue de la Chapelle, 75018 Paris",
        agency_phone="+33 1 40 00 00 00",
        customer_name=name,
        customer_email=None,
        customer_phone="+33612345678",
        language=language,
        recipients=(ChannelRecipient(5, "telegram", "4242", False),),
    )


def test_the_french_reminder_names_the_service_agency_address_time_and_reference() -> None:
    subject, body = reminder_message(task(paris(2025, 11, 24, 9, 30)), PARIS)

    assert subject == "Rappel : votre rendez-vous Service rapide — Pitlane Paris Nord"
    assert body.startswith("Bonjour Camille, nous vous rappelons votre rendez-vous Service rapide")
    for part in ("lun. 24 nov. 09:30", "12 rue de la Chapelle, 75018 Paris", "BK7Q2M"):
        assert part in body
    assert "+33 1 40 00 00 00" in body


def test_the_english_reminder_is_in_english() -> None:
    subject, body = reminder_message(task(paris(2025, 11, 24, 14), language="en"), PARIS)

    assert subject == "Reminder: your Quick service appointment — Pitlane Paris Nord"
    assert body.startswith("Hello Camille, this is a reminder of your Quick service appointment")
    assert "Mon 24 Nov 14:00" in body and "reference BK7Q2M" in body


def test_an_unknown_language_falls_back_to_french_and_no_name_is_left_out() -> None:
    unnamed = replace(task(paris(2025, 11, 24, 9)), language="de", customer_name=None)

    subject, body = reminder_message(unnamed, PARIS)

    assert subject.startswith("Rappel :")
    assert body.startswith("Bonjour, nous vous rappelons")


@pytest.mark.parametrize(
    ("start", "shown"),
    [
        (paris(2026, 3, 30, 9), "lun. 30 mars 09:00"),  # the Monday after summer time starts
        (paris(2026, 10, 26, 9), "lun. 26 oct. 09:00"),  # the Monday after it ends
    ],
)
def test_the_time_is_the_paris_wall_clock_on_both_sides_of_a_dst_change(
    start: datetime, shown: str
) -> None:
    assert when_text(task(start), PARIS) == shown
    assert shown in reminder_message(task(start), PARIS)[1]
