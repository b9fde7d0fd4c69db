"""Opening hours, addresses and contact details as the bot says them, computed from the
agencies and their calendars' settings (core/answers_facts.py)."""

from __future__ import annotations

from datetime import date

import pytest

from core.answers_facts import (
    AgencyFacts,
    CalendarFacts,
    address_text,
    agency_hours,
    contact_text,
    format_week,
    hours_text,
    merge_hours,
    visit_1000_text,
)

WEEK = {d: [["09:00", "12:00"], ["14:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
WORKSHOP = {**WEEK, "sat": [["09:00", "12:00"]]}
ROAD = {d: [["10:00", "12:30"]] for d in ("tue", "wed", "thu")}
WEEKEND = {"sat": [["09:00", "12:00"]], "sun": [["09:00", "12:00"]]}
SPLIT = {"mon": [["08:30", "17:45"]], "wed": [["08:30", "17:45"]]}


def calendar(code: str, kind: str, hours: dict, closed: frozenset[date] = frozenset()):
    names = {"road_test": ("Essai routier", "Road test ride")}.get(code, (code, code))
    return CalendarFacts(code, names[0], names[1], kind, hours, closed)


def agency(*calendars: CalendarFacts, name: str = "Pitlane Lyon Gerland") -> AgencyFacts:
    return AgencyFacts(
        code="lyon-gerland",
        name=name,
        address="15 avenue Tony Garnier",
        postcode="69007",
        city="Lyon",
        phone="+33 4 65 71 07 07",
        email="lyon-gerland@pitlane.example",
        calendars=calendars,
    )


@pytest.mark.parametrize(
    ("hours", "language", "text"),
    [
        (WORKSHOP, "fr", "lun.–ven. 9h–12h et 14h–18h ; sam. 9h–12h"),
        (WORKSHOP, "en", "Mon–Fri 9:00–12:00 and 14:00–18:00; Sat 9:00–12:00"),
        (ROAD, "fr", "mar.–jeu. 10h–12h30"),
        (WEEKEND, "fr", "sam. 9h–12h ; dim. 9h–12h"),
        (SPLIT, "en", "Mon 8:30–17:45; Wed 8:30–17:45"),
        ({}, "fr", "fermé"),
        ({}, "en", "closed"),
    ],
)  # fmt: skip
def test_a_week_of_opening_hours_reads_as_people_say_it(
    hours: dict, language: str, text: str
) -> None:
    assert format_week(hours, language) == text


def test_the_workshop_calendars_hours_are_merged() -> None:
    merged = merge_hours(
        [
            {"mon": [["09:00", "12:00"]], "sat": [["09:00", "12:00"]]},
            {"mon": [["11:00", "13:00"], ["14:00", "18:00"]]},
            {"mon": [["13:00", "13:30"]], "tue": [["08:00", "10:00"]]},
        ]
    )
    assert merged == {
        "mon": [["09:00", "13:30"], ["14:00", "18:00"]],
        "tue": [["08:00", "10:00"]],
        "sat": [["09:00", "12:00"]],
    }


def test_an_agency_gives_its_workshop_then_each_test_ride() -> None:
    lyon = agency(
        calendar("maintenance", "workshop", WEEK),
        calendar("quick_service", "workshop", {"sat": [["09:00", "12:00"]]}),
        calendar("road_test", "test_ride", ROAD),
    )
    assert agency_hours(lyon, "fr") == (
        "Horaires de Pitlane Lyon Gerland (15 avenue Tony Garnier, 69007 Lyon) :\n"
        "• Atelier : lun.–ven. 9h–12h et 14h–18h ; sam. 9h–12h\n"
        "• Essai routier : mar.–jeu. 10h–12h30"
    )
    assert agency_hours(lyon, "en").splitlines()[1:] == [
        "• Workshop: Mon–Fri 9:00–12:00 and 14:00–18:00; Sat 9:00–12:00",
        "• Road test ride: Tue–Thu 10:00–12:30",
    ]


def test_a_closed_date_of_the_coming_fortnight_is_named_when_every_calendar_is_closed() -> None:
    friday, saturday, later = date(2025, 11, 21), date(2025, 11, 22), date(2025, 12, 26)
    lyon = agency(
        calendar("maintenance", "workshop", WORKSHOP, frozenset({friday, saturday, later})),
        calendar("quick_service", "workshop", WORKSHOP, frozenset({saturday, later})),
        calendar("road_test", "test_ride", ROAD, frozenset({date(2025, 11, 20)})),
    )
    lines = agency_hours(lyon, "fr", today=date(2025, 11, 19)).splitlines()
    # Friday: quick service still open; 26 December: beyond the fortnight
    assert lines[1].endswith("sam. 9h–12h (fermé exceptionnellement le sam. 22 nov.)")
    assert lines[2].endswith("10h–12h30 (fermé exceptionnellement le jeu. 20 nov.)")
    english = agency_hours(lyon, "en", today=date(2025, 11, 19)).splitlines()
    assert english[2].endswith("(exceptionally closed on Thu 20 Nov)")
    assert "fermé" not in agency_hours(lyon, "fr")  # no day given: no closure named


def test_several_agencies_give_their_workshop_hours_and_how_to_ask_for_test_rides() -> None:
    lyon = agency(
        calendar("maintenance", "workshop", WORKSHOP), calendar("road_test", "test_ride", ROAD)
    )
    paris = agency(calendar("maintenance", "workshop", WEEK), name="Pitlane Paris Nord")
    assert hours_text([lyon, paris], "fr") == (
        "Horaires de l'atelier :\n"
        "• Pitlane Lyon Gerland : lun.–ven. 9h–12h et 14h–18h ; sam. 9h–12h\n"
        "• Pitlane Paris Nord : lun.–ven. 9h–12h et 14h–18h\n"
        "Les essais ont leurs propres horaires dans chaque agence : demandez par exemple "
        "« horaires des essais à Lyon »."
    )  # fmt: skip
    assert hours_text([lyon], "en").startswith("Opening hours of Pitlane Lyon Gerland")


def test_addresses_and_contact_details() -> None:
    lyon = agency()
    assert address_text([lyon], "fr") == (
        "• Pitlane Lyon Gerland : 15 avenue Tony Garnier, 69007 Lyon · +33 4 65 71 07 07"
    )
    assert contact_text("+33 9 77 40 00 00", "contact@pitlane.example", [lyon], "en") == (
        "You can reach us on +33 9 77 40 00 00 or by e-mail at contact@pitlane.example.\n"
        "• Pitlane Lyon Gerland: +33 4 65 71 07 07 · lyon-gerland@pitlane.example"
    )
    assert contact_text(None, None, [], "fr") == ""


def test_the_1000_km_visit_rule_is_said_from_the_setting() -> None:
    assert visit_1000_text(500, 1500, 365, "fr") == (
        "La visite des 1000 km se fait entre 500 et 1\u202f500 km, sur une moto de moins d'un an."
    )
    assert visit_1000_text(800, 2000, 180, "en") == (
        "The 1000 km visit is done between 800 and 2,000 km, on a bike less than 6 months old."
    )
