"""The demo dataset: loaded once, with bookings relative to the current week."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from core.agencies import agencies_offering, company_contact, list_agencies, list_services
from core.bookings import list_bookings, offer_slots
from core.calendars import parse_opening_hours, week_slots
from core.customers import find_customer, vehicles_of
from core.errors import InvalidValue
from core.models import (
    Agency,
    Booking,
    Calendar,
    CalendarClosure,
    Customer,
    Quote,
    Setting,
    SlotCounter,
    Vehicle,
)
from core.seed import DEMO_DATA, load_demo_data
from core.settings_store import json_setting, number_setting


def counts(uow_factory) -> dict[str, int]:
    with uow_factory() as uow:
        return {
            table.__name__: uow.session.scalar(select(func.count()).select_from(table))
            for table in (Agency, Calendar, Booking, SlotCounter)
        }


def test_the_demo_data_has_agencies_services_settings_and_customers(seeded_uow_factory) -> None:
    agencies = list_agencies(seeded_uow_factory())
    services = {s.code: s for s in list_services(seeded_uow_factory())}

    assert len(agencies) >= 3
    assert all(a.address and a.city and a.postcode and a.phone and a.email for a in agencies)
    assert set(services) == {"maintenance", "road_test", "offroad_test", "track_test"} | set(
        WORKSHOP_SERVICES
    )
    assert all(services[code].kind == "workshop" for code in ["maintenance", *WORKSHOP_SERVICES])
    assert {s.usage for s in services.values() if s.kind == "test_ride"} == {
        "road",
        "offroad",
        "sport",
    }
    contact = company_contact(seeded_uow_factory())
    assert "@" in contact.email and contact.phone.startswith("+33")
    camille = find_customer(seeded_uow_factory(), "web", "demo-camille")
    assert camille is not None and camille.phone == "+33639984512"
    assert find_customer(seeded_uow_factory(), "telegram", "100200300") == camille
    assert vehicles_of(seeded_uow_factory(), camille.id)[0].plate == "AB-123-CD"
    assert len(agencies_offering(seeded_uow_factory(), "track_test")) == 1


def test_loading_twice_changes_nothing(seeded_uow_factory, now) -> None:
    before = counts(seeded_uow_factory)

    assert load_demo_data(seeded_uow_factory(), DEMO_DATA, now) is False
    assert counts(seeded_uow_factory) == before


def test_the_next_workshop_slots_of_this_week_are_already_full(seeded_uow_factory, now) -> None:
    with seeded_uow_factory() as uow:
        calendar = uow.session.scalar(
            select(Calendar)
            .join(Agency)
            .where(Agency.code == "paris-nord", Calendar.service_code == "maintenance")
        )
        hours, minutes, capacity = (
            parse_opening_hours(calendar.opening_hours),
            calendar.slot_minutes,
            calendar.capacity,
        )
    upcoming = [
        s.start_utc for s in week_slots(hours, minutes, now, "Europe/Paris") if s.start_utc > now
    ]

    offer = offer_slots(seeded_uow_factory(), "paris-nord", "maintenance", now)

    assert offer.week == "this_week"
    assert offer.slots[0].start_utc == upcoming[3]
    booked = list_bookings(seeded_uow_factory(), agency="paris-nord", service="maintenance")
    full = [b.start_utc for b in booked if b.start_utc > now]  # past weeks: the demo history
    assert full == [start for start in upcoming[:3] for _ in range(capacity)]


def test_the_track_is_full_for_the_rest_of_the_week_so_next_week_is_offered(
    seeded_uow_factory, now
) -> None:
    offer = offer_slots(seeded_uow_factory(), "lyon-gerland", "track_test", now)

    assert offer.week == "next_week"
    assert offer.slots and all(s.free == 4 for s in offer.slots)
    assert offer_slots(seeded_uow_factory(), "lyon-gerland", "maintenance", now).week == "this_week"


def test_slot_counters_agree_with_the_demo_bookings(seeded_uow_factory) -> None:
    with seeded_uow_factory() as uow:
        counters = {(c, s): t for c, s, t in uow.session.execute(select(SlotCounter.__table__))}
        per_slot = uow.session.execute(
            select(Booking.calendar_id, Booking.start_utc, func.count()).group_by(
                Booking.calendar_id, Booking.start_utc
            )
        )
        assert {(c, s): n for c, s, n in per_slot} == counters
    assert counters and all(taken > 0 for taken in counters.values())


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2025, 11, 16, 23, 30, tzinfo=timezone.utc),  # Monday 00:30 in Paris
        datetime(2025, 11, 23, 22, 30, tzinfo=timezone.utc),  # Sunday 23:30 in Paris
        datetime(2025, 10, 24, 10, 0, tzinfo=timezone.utc),  # the week clocks go back
    ],
    ids=["monday-night", "sunday-night", "dst-week"],
)
def test_the_demo_data_loads_whatever_the_day_of_the_week(uow_factory, moment) -> None:
    assert load_demo_data(uow_factory(), DEMO_DATA, moment) is True
    assert offer_slots(uow_factory(), "lyon-gerland", "track_test", moment).week == "next_week"
    assert counts(uow_factory)["Booking"] > 0


WORKSHOP_SERVICES = ("quick_service", "diagnostic", "repair", "visit_1000")


def calendar_of(uow_factory, agency: str, service: str) -> Calendar:
    with uow_factory() as uow:
        calendar = uow.session.scalar(
            select(Calendar)
            .join(Agency)
            .where(Agency.code == agency, Calendar.service_code == service)
        )
        uow.session.expunge(calendar)
        return calendar


def test_workshop_services_are_offered_by_the_agencies_of_the_contract(seeded_uow_factory) -> None:
    offering = {
        code: [a.code for a in agencies_offering(seeded_uow_factory(), code)]
        for code in WORKSHOP_SERVICES
    }

    assert {code: sorted(agencies) for code, agencies in offering.items()} == {
        "quick_service": ["bordeaux-lac", "lyon-gerland", "paris-nord"],
        "diagnostic": ["bordeaux-lac", "lyon-gerland", "paris-nord"],
        "repair": ["lyon-gerland", "paris-nord"],
        "visit_1000": ["lyon-gerland", "paris-nord"],
    }


def test_staff_count_defaults_to_the_capacity_and_limits_a_diagnostic_slot(
    seeded_uow_factory, now
) -> None:
    paris = calendar_of(seeded_uow_factory, "paris-nord", "maintenance")
    diagnostic = calendar_of(seeded_uow_factory, "paris-nord", "diagnostic")

    offer = offer_slots(seeded_uow_factory(), "paris-nord", "diagnostic", now)

    assert (paris.capacity, paris.staff_count) == (3, 3)
    assert (diagnostic.slot_minutes, diagnostic.capacity, diagnostic.staff_count) == (90, 2, 1)
    assert offer.slots and all(s.free == 1 for s in offer.slots)
    assert all(s.end_utc - s.start_utc == timedelta(minutes=90) for s in offer.slots)


def test_bordeaux_quick_service_is_closed_nine_days_after_loading(seeded_uow_factory, now) -> None:
    calendar = calendar_of(seeded_uow_factory, "bordeaux-lac", "quick_service")
    with seeded_uow_factory() as uow:
        closed = list(
            uow.session.scalars(
                select(CalendarClosure.day).where(CalendarClosure.calendar_id == calendar.id)
            )
        )

    assert closed == [now.astimezone(ZoneInfo("Europe/Paris")).date() + timedelta(days=9)]


def test_vehicles_have_their_first_registration_and_hugo_a_new_honda(
    seeded_uow_factory, now
) -> None:
    today = now.astimezone(ZoneInfo("Europe/Paris")).date()
    with seeded_uow_factory() as uow:
        vehicles = {
            v.plate: (v.brand, v.model, v.vin, v.year, v.first_registration)
            for v in uow.session.scalars(select(Vehicle))
        }
        hugo = uow.session.scalar(select(Customer.id).where(Customer.name == "Hugo Bernard"))
        hugos = [
            v.plate
            for v in uow.session.scalars(
                select(Vehicle).where(Vehicle.customer_id == hugo).order_by(Vehicle.id)
            )
        ]

    registered = today - timedelta(days=60)
    assert vehicles["AB-123-CD"][4] == date(2019, 4, 12)
    assert all(first is not None for *_, first in vehicles.values())
    assert vehicles["QR-246-VX"] == (
        "Honda",
        "CB750 Hornet",
        "JH2RC9100PM012345",
        registered.year,
        registered,
    )
    assert hugos == ["PR-654-ST", "QR-246-VX"]


def test_quotes_belong_to_vehicles_and_agencies(seeded_uow_factory) -> None:
    with seeded_uow_factory() as uow:
        quotes = {
            number: (plate, agency, status, amount)
            for number, plate, agency, status, amount in uow.session.execute(
                select(Quote.number, Vehicle.plate, Agency.code, Quote.status, Quote.amount_cents)
                .join(Vehicle, Vehicle.id == Quote.vehicle_id)
                .join(Agency, Agency.id == Quote.agency_id)
            )
        }
        described = uow.session.scalar(
            select(Quote.description).where(Quote.number == "DV-2026-0412")
        )

    assert quotes["DV-2026-0412"] == ("AB-123-CD", "paris-nord", "open", 48900)
    assert quotes["DV-2026-0587"][:3] == ("GH-456-JK", "lyon-gerland", "open")
    assert quotes["DV-2025-0999"][:3] == ("AB-123-CD", "paris-nord", "expired")
    assert described == "Remplacement kit chaîne et pneus"


def test_the_settings_of_the_workshop_rules_are_loaded(seeded_uow_factory) -> None:
    with seeded_uow_factory() as uow:
        rule = json_setting(uow.session, "rule.visit_1000")
        before = number_setting(uow.session, "reminder_hours_before")
        delay = number_setting(uow.session, "survey_delay_hours")
        raw = uow.session.get(Setting, "rule.visit_1000").value

    assert rule == {"min_km": 500, "max_km": 1500, "max_age_days": 365}
    assert json.loads(raw) == rule
    assert (before, delay) == (24, 2)


def test_a_relative_date_with_an_unknown_key_is_refused(uow_factory, tmp_path, now) -> None:
    text = DEMO_DATA.read_text(encoding="utf-8").replace("days_after_load: 9", "days_later: 9")
    broken = tmp_path / "demo.yaml"
    broken.write_text(text, encoding="utf-8")

    with pytest.raises(InvalidValue) as error:
        load_demo_data(uow_factory(), broken, now)

    assert error.value.code == "invalid_demo_data"
    assert counts(uow_factory)["Agency"] == 0
