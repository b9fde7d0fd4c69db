"""The demo dataset: loaded once, with bookings relative to the current week."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from core.agencies import agencies_offering, company_contact, list_agencies, list_services
from core.bookings import list_bookings, offer_slots
from core.calendars import parse_opening_hours, week_slots
from core.customers import find_customer, vehicles_of
from core.models import Agency, Booking, Calendar, SlotCounter
from core.seed import DEMO_DATA, load_demo_data


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
    assert set(services) == {"maintenance", "road_test", "offroad_test", "track_test"}
    assert services["maintenance"].kind == "workshop"
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
    full = list_bookings(seeded_uow_factory(), agency="paris-nord", service="maintenance")
    assert [b.start_utc for b in full] == [start for start in upcoming[:3] for _ in range(capacity)]


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
