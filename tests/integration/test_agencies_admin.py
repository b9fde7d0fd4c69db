"""Agencies managed in the backoffice (core/agencies_admin.py), on SQLite and PostgreSQL:
a new agency is at once proposed and bookable, bad input changes nothing, the database
keeps codes unique under a race, hours copied to calendars keep bookings safe."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from core import agencies_admin as store
from core.agencies import agencies_offering, list_agencies
from core.agency_rules import AgencyDetails, clean_contact, clean_details
from core.bookings import book_slot, offer_slots
from core.errors import Conflict, InvalidValue, NotFound, SettingsConflict, SlotUnavailable
from core.geo import agencies_near, nearest_agencies
from core.models import Agency, Calendar
from core.service_settings import get_settings
from tests.race import race

FIELDS = {
    "name": "Pitlane Nantes Est",
    "address": "3 rue de la Loire",
    "postcode": "44000",
    "city": "Nantes",
    "latitude": "47,2184",
    "longitude": "-1.5536",
    "phone": "+33 2 40 00 00 00",
    "email": "Nantes@Pitlane.example",
    "timezone": "Europe/Paris",
}
HOURS = {day: [["08:00", "12:00"], ["13:30", "17:30"]] for day in ("mon", "tue", "wed", "thu")}


def details(**changes: str) -> AgencyDetails:
    return clean_details({**FIELDS, **changes})


def test_a_new_agency_is_proposed_and_bookable_once_a_service_is_open(
    seeded_uow_factory, now: datetime
) -> None:
    uow = seeded_uow_factory
    created = store.create_agency(uow(), "nantes-est", details())
    assert (created.latitude, created.email) == (47.2184, "nantes@pitlane.example")
    # the bot's "nearest agency" reads the database: the new agency is the nearest to Nantes
    assert nearest_agencies(uow(), 47.21, -1.55)[0][0].code == "nantes-est"
    assert "nantes-est" not in [a.code for a in agencies_offering(uow(), "quick_service")]

    store.set_agency_hours(uow(), "nantes-est", HOURS)
    assert store.open_service(uow(), "nantes-est", "quick_service") is True

    near = agencies_near(uow(), "quick_service", 47.21, -1.55)
    assert near[0][0].code == "nantes-est"
    offer = offer_slots(uow(), "nantes-est", "quick_service", now)
    assert offer.slots, offer
    settings = get_settings(uow(), "nantes-est", "quick_service")
    assert settings.opening_hours == HOURS  # the agency's hours, the service's slot length
    paris = get_settings(uow(), "paris-nord", "quick_service")
    assert (settings.slot_minutes, settings.capacity) == (paris.slot_minutes, paris.capacity)
    booking = book_slot(
        uow(),
        agency_code="nantes-est",
        service_code="quick_service",
        start_utc=offer.slots[0].start_utc,
        customer_id=None,
        channel="web",
        now=now,
    )
    assert booking.agency == "nantes-est"


def test_closing_a_service_keeps_its_bookings_and_reopening_reuses_its_calendar(
    seeded_uow_factory, now: datetime
) -> None:
    uow = seeded_uow_factory
    store.create_agency(uow(), "nantes-est", details())
    store.open_service(uow(), "nantes-est", "diagnostic")
    start = offer_slots(uow(), "nantes-est", "diagnostic", now).slots[0].start_utc
    kept = book_slot(
        uow(),
        agency_code="nantes-est",
        service_code="diagnostic",
        start_utc=start,
        customer_id=None,
        channel="web",
        now=now,
    )
    store.close_service(uow(), "nantes-est", "diagnostic")

    assert "nantes-est" not in [a.code for a in agencies_offering(uow(), "diagnostic")]
    with pytest.raises(SlotUnavailable):
        book_slot(
            uow(),
            agency_code="nantes-est",
            service_code="diagnostic",
            start_utc=start,
            customer_id=None,
            channel="web",
            now=now,
        )
    assert store.open_service(uow(), "nantes-est", "diagnostic") is False  # the same calendar
    rows = store.agency_rows(uow(), "nantes-est")
    assert rows[0].open_services == ["diagnostic"]
    with uow() as unit:
        calendars = unit.session.scalar(
            select(func.count(Calendar.id)).join(Agency).where(Agency.code == "nantes-est")
        )
    assert calendars == 1
    assert kept.status == "confirmed"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"name": "  "}, "invalid_agency_name"),
        ({"postcode": "<b>"}, "invalid_postcode"),
        ({"latitude": "91"}, "invalid_latitude"),
        ({"latitude": "nan"}, "invalid_latitude"),
        ({"longitude": "-180.5"}, "invalid_longitude"),
        ({"phone": "call me"}, "invalid_phone"),
        ({"email": "nantes@"}, "invalid_email"),
        ({"timezone": "Mars/Olympus"}, "invalid_timezone"),
        ({"city": "Nan\x00tes"}, "invalid_city"),
    ],
)
def test_bad_details_are_refused_with_their_code(changes: dict[str, str], code: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        details(**changes)
    assert refused.value.code == code


@pytest.mark.parametrize("code", ["Paris Sud", "x", "-nord", "nord-", "a--b", "é-nord", "a" * 41])
def test_bad_codes_are_refused_and_nothing_is_stored(seeded_uow_factory, code: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        store.create_agency(seeded_uow_factory(), code, details())
    assert refused.value.code == "invalid_agency_code"
    assert len(list_agencies(seeded_uow_factory())) == 3


def test_the_code_is_fixed_and_edits_change_the_rest(seeded_uow_factory) -> None:
    uow = seeded_uow_factory
    with pytest.raises(Conflict) as taken:
        store.create_agency(uow(), "paris-nord", details())
    assert taken.value.code == "agency_code_taken"
    edited = store.update_agency(uow(), "paris-nord", details(city="Saint-Denis"))
    assert (edited.code, edited.city, edited.name) == ("paris-nord", "Saint-Denis", FIELDS["name"])
    contact = store.update_contact(
        uow(),
        "paris-nord",
        clean_contact({"phone": "01 02 03 04 05", "email": "pn@pitlane.example"}),
    )
    assert (contact.phone, contact.email, contact.city) == (
        "01 02 03 04 05",
        "pn@pitlane.example",
        "Saint-Denis",
    )
    with pytest.raises(NotFound):
        store.update_agency(uow(), "atlantis", details())


def test_two_admins_creating_the_same_code_at_once_one_wins(seeded_uow_factory, racing_uow) -> None:
    results, errors = race(
        [lambda: store.create_agency(racing_uow(), "nantes-est", details()) for _ in range(4)]
    )
    assert len(results) == 1
    assert len(errors) == 3 and all(isinstance(e, Conflict) for e in errors), errors
    codes = [a.code for a in list_agencies(seeded_uow_factory())]
    assert codes.count("nantes-est") == 1


def test_agency_hours_have_a_morning_and_an_afternoon_at_most(seeded_uow_factory) -> None:
    uow = seeded_uow_factory
    three = {"mon": [["08:00", "10:00"], ["10:30", "12:00"], ["14:00", "18:00"]]}
    for bad, code in [
        (three, "too_many_intervals"),
        ({"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}, "interval_overlap"),
        ({"mon": [["18:00", "09:00"]]}, "interval_order"),
        ({"funday": [["09:00", "12:00"]]}, "invalid_weekday"),
    ]:
        with pytest.raises(InvalidValue) as refused:
            store.set_agency_hours(uow(), "bordeaux-lac", bad)
        assert refused.value.code == code
    assert store.agency_detail(uow(), "bordeaux-lac").hours == {}
    assert store.set_agency_hours(uow(), "bordeaux-lac", HOURS) == HOURS
    assert store.agency_detail(uow(), "bordeaux-lac").hours == HOURS
    # the demo gives paris-nord its front desk's hours (data/demo.yaml)
    assert store.agency_detail(uow(), "paris-nord").hours["sat"] == [["09:00", "12:30"]]


def test_applying_the_hours_refuses_while_bookings_would_be_left_out_unless_kept(
    seeded_uow_factory, now: datetime
) -> None:
    uow = seeded_uow_factory
    before = get_settings(uow(), "paris-nord", "quick_service")
    evening_only = {day: [["17:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    store.set_agency_hours(uow(), "paris-nord", evening_only)
    start = offer_slots(uow(), "paris-nord", "quick_service", now).slots[0].start_utc
    booking = book_slot(
        uow(),
        agency_code="paris-nord",
        service_code="quick_service",
        start_utc=start,
        customer_id=None,
        channel="web",
        now=now,
    )
    services = ["quick_service", "maintenance"]
    with pytest.raises(SettingsConflict) as refused:
        store.apply_hours_to_calendars(uow(), "paris-nord", services, now)
    shown = [c.booking.reference for c in refused.value.conflicts]
    assert booking.reference in shown
    assert get_settings(uow(), "paris-nord", "quick_service") == before  # nothing changed

    changed = store.apply_hours_to_calendars(
        uow(), "paris-nord", services, now, keep=True, seen=shown
    )
    assert changed == ["maintenance", "quick_service"]
    for service in services:
        assert get_settings(uow(), "paris-nord", service).opening_hours == evening_only


def test_hours_that_fit_no_slot_of_one_calendar_change_no_calendar(
    seeded_uow_factory, now: datetime
) -> None:
    uow = seeded_uow_factory
    store.set_agency_hours(uow(), "paris-nord", {"mon": [["09:00", "10:00"]]})
    before = get_settings(uow(), "paris-nord", "maintenance")
    with pytest.raises(store.HoursNotApplied) as refused:  # a diagnostic lasts 90 minutes
        store.apply_hours_to_calendars(uow(), "paris-nord", ["maintenance", "diagnostic"], now)
    assert (refused.value.service, refused.value.code) == ("diagnostic", "interval_too_short")
    assert get_settings(uow(), "paris-nord", "maintenance") == before
    with pytest.raises(InvalidValue) as none:
        store.apply_hours_to_calendars(uow(), "lyon-gerland", ["maintenance"], now)
    assert none.value.code == "no_agency_hours"
