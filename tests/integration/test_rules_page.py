"""The admin page of the group's rules: roles, CSRF, saving, refusals; new bookings follow
the saved reminder delay."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core import bookings
from core.group_rules import GroupRules, get_rules
from core.models import Booking, Reminder
from tests.integration.staff_web_support import ADMIN, ADVISOR, login, units_of_work
from tests.integration.web_support import web_client

PATH = "/staff/admin/rules"
PARIS = ZoneInfo("Europe/Paris")
DEFAULTS = GroupRules(24, 2, 500, 1500, 365)


def rules_now(url: str) -> GroupRules:
    with units_of_work(url) as new_uow:
        return get_rules(new_uow())


def form(csrf: str, **changes: str) -> dict[str, str]:
    fields = {
        "csrf_token": csrf,
        "reminder_hours_before": "24",
        "survey_delay_hours": "2",
        "visit_1000_min_km": "500",
        "visit_1000_max_km": "1500",
        "visit_1000_max_age_days": "365",
    }
    return {**fields, **changes}


def test_the_admin_sees_the_rules_in_force(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url) as client:
        login(client, ADMIN)
        page = client.get(PATH)
    assert page.status_code == 200
    assert 'name="reminder_hours_before" value="24"' in page.text
    assert 'name="visit_1000_max_km" value="1500"' in page.text


def test_an_advisor_and_a_forged_post_change_nothing(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADVISOR)
        assert client.get(PATH).status_code == 403
        assert client.post(PATH, data=form(csrf, reminder_hours_before="48")).status_code == 403
    with web_client(seeded_sqlite_url) as client:
        login(client, ADMIN)
        forged = client.post(PATH, data=form("not-the-token", reminder_hours_before="48"))
    assert forged.status_code == 403
    assert rules_now(seeded_sqlite_url) == DEFAULTS


def test_a_value_out_of_range_is_refused_with_its_reason_and_nothing_changes(
    seeded_sqlite_url: str,
) -> None:
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADMIN)
        refused = client.post(PATH, data=form(csrf, visit_1000_min_km="2000"))
        typo = client.post(PATH, data=form(csrf, survey_delay_hours="deux"))
    assert refused.status_code == 422 and "maximum" in refused.text
    assert typo.status_code == 422 and "nombre entier" in typo.text
    assert rules_now(seeded_sqlite_url) == DEFAULTS


def test_saved_rules_apply_to_the_next_booking(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADMIN)
        saved = client.post(
            PATH, data=form(csrf, reminder_hours_before="48", visit_1000_max_km="2000")
        )
    assert saved.status_code == 200 and "Règles enregistrées" in saved.text
    assert rules_now(seeded_sqlite_url) == GroupRules(48, 2, 500, 2000, 365)

    now = datetime.now(timezone.utc)
    start = tuesday_10_local_next_week(now)
    with units_of_work(seeded_sqlite_url) as new_uow:
        booking = bookings.book_slot(
            new_uow(),
            agency_code="paris-nord",
            service_code="quick_service",
            start_utc=start,
            customer_id=None,
            channel="web",
            now=now,
        )
        with new_uow() as uow:
            due = uow.session.scalars(
                select(Reminder.due_at)
                .join(Booking, Reminder.booking_id == Booking.id)
                .where(Booking.reference == booking.reference, Reminder.kind == "reminder")
            ).all()
    assert due == [start - timedelta(hours=48)]


def tuesday_10_local_next_week(now: datetime) -> datetime:
    """10:00 in Paris on a Tuesday 7 to 13 days ahead: a workshop slot, days away."""
    day = now.astimezone(PARIS).date() + timedelta(days=7)
    day += timedelta(days=(1 - day.weekday()) % 7)
    return datetime.combine(day, time(10, 0), tzinfo=PARIS).astimezone(timezone.utc)
