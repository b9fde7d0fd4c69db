"""Values as customers type them, in French and English (core/parsing.py)."""

from __future__ import annotations

from datetime import date

import pytest

from core.errors import InvalidValue
from core.parsing import (
    detect_language,
    match_choice,
    normalize,
    parse_mileage,
    parse_past_date,
    parse_person_name,
    parse_usage,
    parse_year,
)

TODAY = date(2025, 5, 20)  # a Tuesday


def test_normalize_drops_accents_case_and_extra_spaces() -> None:
    assert normalize("  L’ÉTÉ   dernier ") == "l'ete dernier"


# ------------------------------------------------------------------------------ years


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019", 2019),
        ("une 2019", 2019),
        ("c'est une 2017", 2017),
        ("C'est une 2017 !", 2017),
        ("2021", 2021),
        ("modele 2015", 2015),
        ("modèle 2015", 2015),
        ("elle date de 2012", 2012),
        ("ma moto est de 2008 je crois", 2008),
        ("my bike is a 2018", 2018),
        ("It's a 2020 Triumph", 2020),
        ("1950", 1950),
        ("2026", 2026),  # next year's models are sold from the autumn
        ("une 19", 2019),
        ("19", 2019),
        ("'19", 2019),
        ("my '19 ducati", 2019),
        ("modèle 98", 1998),
        ("une 26", 2026),
    ],
)
def test_parse_year_reads_years_as_typed(text: str, expected: int) -> None:
    assert parse_year(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1890", "year_implausible"),
        ("1949", "year_implausible"),
        ("2027", "year_implausible"),
        ("1234", "year_implausible"),
        ("45", "year_implausible"),  # 1945
        ("une 27", "year_implausible"),  # 1927
        ("", "not_a_year"),
        ("une moto", "not_a_year"),
        ("je sais pas", "not_a_year"),
        ("I don't know", "not_a_year"),
        ("15000 km", "not_a_year"),
        ("9000 km", "not_a_year"),
        ("elle a 19 ans de plus que moi", "not_a_year"),
        ("123", "not_a_year"),
    ],
)
def test_parse_year_refuses_with_a_code(text: str, code: str) -> None:
    with pytest.raises(InvalidValue) as error:
        parse_year(text, TODAY)
    assert error.value.code == code


# ------------------------------------------------------------------------------ dates
# A period without a day is its middle day (rounded down), or the middle of its elapsed
# part when it is still running; relative dates keep today's day of month.


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # months, with and without a year, accents and typos
        ("mars 2023", date(2023, 3, 16)),
        ("Mars 2023", date(2023, 3, 16)),
        ("en mars 2023", date(2023, 3, 16)),
        ("septembre 2024", date(2024, 9, 15)),
        ("sept 24", date(2024, 9, 15)),
        ("Févr. 2024", date(2024, 2, 15)),
        ("fevirer 2024", date(2024, 2, 15)),
        ("AOÛT 2024", date(2024, 8, 16)),
        ("aout 2024", date(2024, 8, 16)),
        ("march 2023", date(2023, 3, 16)),
        ("en mars", date(2025, 3, 16)),
        ("janvier", date(2025, 1, 16)),
        ("setpembre", date(2024, 9, 15)),
        ("décembre dernier", date(2024, 12, 16)),
        ("mai", date(2025, 5, 10)),
        ("mai dernier", date(2024, 5, 16)),
        ("last march", date(2025, 3, 16)),
        ("en mars l'an dernier", date(2024, 3, 16)),
        ("le 12 septembre", date(2024, 9, 12)),
        ("1er mars 2024", date(2024, 3, 1)),
        ("le 3 mai", date(2025, 5, 3)),
        ("september 12th", date(2024, 9, 12)),
        ("march 3rd, 2024", date(2024, 3, 3)),
        ("the 3rd of march", date(2025, 3, 3)),
        ("le 29 février", date(2024, 2, 29)),
        # numeric dates, day first
        ("12/09/2024", date(2024, 9, 12)),
        ("12-09-2024", date(2024, 9, 12)),
        ("12.09.2024", date(2024, 9, 12)),
        ("12/09/24", date(2024, 9, 12)),
        ("2024-09-12", date(2024, 9, 12)),
        ("le 1/2/2025", date(2025, 2, 1)),
        ("12/09", date(2024, 9, 12)),
        ("09/2024", date(2024, 9, 15)),
        ("09/24", date(2024, 9, 15)),
        # relative
        ("il y a 8 mois", date(2024, 9, 20)),
        ("Il y a 8 mois", date(2024, 9, 20)),
        ("ya 8 mois", date(2024, 9, 20)),
        ("il y a 2 ans", date(2023, 5, 20)),
        ("il y a deux ans", date(2023, 5, 20)),
        ("il y a un an", date(2024, 5, 20)),
        ("un an et demi", date(2023, 11, 20)),
        ("1,5 an", date(2023, 11, 20)),
        ("y a 3 semaines", date(2025, 4, 29)),
        ("il y a 3 jours", date(2025, 5, 17)),
        ("ya 15j", date(2025, 5, 5)),
        ("c'était il y a environ 6 mois", date(2024, 11, 20)),
        ("ça fait 2 ans", date(2023, 5, 20)),
        ("8 mois", date(2024, 9, 20)),
        ("8 months ago", date(2024, 9, 20)),
        ("a year ago", date(2024, 5, 20)),
        ("a year and a half ago", date(2023, 11, 20)),
        ("2 weeks ago", date(2025, 5, 6)),
        ("about 10 months ago", date(2024, 7, 20)),
        # named days and periods
        ("hier", date(2025, 5, 19)),
        ("yesterday", date(2025, 5, 19)),
        ("avant-hier", date(2025, 5, 18)),
        ("aujourd'hui", TODAY),
        ("today", TODAY),
        ("la semaine dernière", date(2025, 5, 13)),
        ("last week", date(2025, 5, 13)),
        ("le mois dernier", date(2025, 4, 15)),
        ("last month", date(2025, 4, 15)),
        ("l'année dernière", date(2024, 7, 1)),  # 2024 is a leap year
        ("last year", date(2024, 7, 1)),
        ("2023", date(2023, 7, 2)),
        ("en 2023", date(2023, 7, 2)),
        ("cette année", date(2025, 3, 11)),
        # seasons (meteorological): last = the most recent one already over
        ("l'ete dernier", date(2024, 7, 16)),
        ("l'été dernier", date(2024, 7, 16)),
        ("last summer", date(2024, 7, 16)),
        ("cet été", date(2024, 7, 16)),
        ("cet hiver", date(2025, 1, 14)),
        ("this winter", date(2025, 1, 14)),
        ("last spring", date(2024, 4, 15)),
        ("au printemps", date(2025, 4, 10)),
        ("l'automne dernier", date(2024, 10, 16)),
        ("last fall", date(2024, 10, 16)),
        ("l'autonme dernier", date(2024, 10, 16)),
        ("summer 2023", date(2023, 7, 16)),
        ("hiver 2023", date(2024, 1, 15)),  # the winter starting in December 2023
        ("j'ai été au garage en mars", date(2025, 3, 16)),  # "été" the verb, not summer
    ],
)
def test_parse_past_date_reads_dates_as_typed(text: str, expected: date) -> None:
    assert parse_past_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("demain", "date_future"),
        ("tomorrow", "date_future"),
        ("après-demain", "date_future"),
        ("dans 3 mois", "date_future"),
        ("in 2 weeks", "date_future"),
        ("next week", "date_future"),
        ("la semaine prochaine", "date_future"),
        ("12/09/2025", "date_future"),
        ("2025-05-21", "date_future"),
        ("juin 2025", "date_future"),
        ("2026", "date_future"),
        ("", "not_a_date"),
        ("bof", "not_a_date"),
        ("je sais pas", "not_a_date"),
        ("no idea", "not_a_date"),
        ("31/02/2024", "not_a_date"),
        ("32/01/2024", "not_a_date"),
        ("13/13/2024", "not_a_date"),
        ("le 31 avril", "not_a_date"),
        ("1890", "not_a_date"),
    ],
)
def test_parse_past_date_refuses_with_a_code(text: str, code: str) -> None:
    with pytest.raises(InvalidValue) as error:
        parse_past_date(text, TODAY)
    assert error.value.code == code


def test_a_month_still_running_is_never_in_the_future() -> None:
    assert parse_past_date("mars", date(2025, 3, 1)) == date(2025, 3, 1)


def test_a_leap_day_relative_date_is_clamped_to_the_end_of_february() -> None:
    assert parse_past_date("il y a un an", date(2024, 2, 29)) == date(2023, 2, 28)


def test_last_winter_in_december_is_the_one_that_ended_in_february() -> None:
    assert parse_past_date("l'hiver dernier", date(2024, 12, 10)) == date(2024, 1, 15)


# ------------------------------------------------------------------------------ mileage


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 000 km", 12000),
        ("12\u202f000 km", 12000),
        ("12000", 12000),
        ("12.000", 12000),
        ("12,000 km", 12000),
        ("12'000", 12000),
        ("12,5k", 12500),
        ("12.5k", 12500),
        ("8k", 8000),
        ("8 k", 8000),
        ("8K km", 8000),
        ("1.5k", 1500),
        ("15000 bornes", 15000),
        ("environ 9 500", 9500),
        ("à peu près 7000 kms", 7000),
        ("5000km", 5000),
        ("12 500km", 12500),
        ("10 mille", 10000),
        ("dix mille", 10000),
        ("quinze mille cinq cents", 15500),
        ("quatre-vingt mille km", 80000),
        ("ten thousand km", 10000),
        ("about 9000 miles", 14484),
        ("9000 mi", 14484),
        ("a thousand miles", 1609),
        ("0", 0),
        ("zero", 0),
        ("depuis 2023 j'ai fait 5000 km", 5000),
        ("1 000 000 km", 1_000_000),
        ("1 200", 1200),
        ("ma rs660 a 1200 km", 1200),
    ],
)
def test_parse_mileage_reads_kilometres_as_typed(text: str, expected: int) -> None:
    assert parse_mileage(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("-500", "mileage_negative"),
        ("- 500 km", "mileage_negative"),
        ("2 000 000 km", "mileage_implausible"),
        ("1000001", "mileage_implausible"),
        ("", "not_a_mileage"),
        ("beaucoup", "not_a_mileage"),
        ("une balade", "not_a_mileage"),
        ("a lot", "not_a_mileage"),
        ("DV-2099-0003", "mileage_in_code"),
        ("dv-2026-0412", "mileage_in_code"),
        ("AB-123-CD", "mileage_in_code"),
        ("ZDM1RBBW5KB012345", "mileage_in_code"),
        ("PL-4K7Q2", "mileage_in_code"),
    ],
)
def test_parse_mileage_refuses_with_a_code(text: str, code: str) -> None:
    with pytest.raises(InvalidValue) as error:
        parse_mileage(text)
    assert error.value.code == code


# ------------------------------------------------------------ names, usages, choices


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jean Dupont", "Jean Dupont"),
        ("  jean   dupont ", "jean dupont"),
        ("je m'appelle Marie-Claire O'Neil", "Marie-Claire O'Neil"),
        ("Je m’appelle Léa", "Léa"),
        ("my name is John Smith", "John Smith"),
        ("J. Dupont", "J. Dupont"),
    ],
)
def test_parse_person_name_keeps_the_name(text: str, expected: str) -> None:
    assert parse_person_name(text) == expected


@pytest.mark.parametrize("text", ["", "a", "12", "jean@example.fr", "06 12 34 56 78", "x" * 81])
def test_parse_person_name_refuses_what_is_not_a_name(text: str) -> None:
    with pytest.raises(InvalidValue) as error:
        parse_person_name(text)
    assert error.value.code == "not_a_name"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("road", "road"),
        ("offroad", "offroad"),
        ("sport", "sport"),
        ("sur route surtout", "road"),
        ("Tout-terrain", "offroad"),
        ("je fais de l'enduro", "offroad"),
        ("off-road", "offroad"),
        ("sur piste", "sport"),
        ("track days", "sport"),
        ("plutôt sportive", "sport"),
        ("hors route", "offroad"),
    ],
)
def test_parse_usage_reads_the_riding_usage(text: str, expected: str) -> None:
    assert parse_usage(text) == expected


@pytest.mark.parametrize("text", ["", "je sais pas", "route et piste"])
def test_parse_usage_refuses_none_or_several(text: str) -> None:
    with pytest.raises(InvalidValue) as error:
        parse_usage(text)
    assert error.value.code == "not_a_usage"


AGENCIES = {
    "paris-nord": ["Pitlane Paris Nord", "Paris"],
    "lyon-gerland": ["Pitlane Lyon Gerland", "Lyon"],
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("paris-nord", "paris-nord"),
        ("Pitlane Lyon Gerland", "lyon-gerland"),
        ("lyon", "lyon-gerland"),
        ("celle de Lyon", "lyon-gerland"),
        ("gerland", "lyon-gerland"),
    ],
)
def test_match_choice_finds_the_one_named(text: str, expected: str) -> None:
    assert match_choice(text, AGENCIES) == expected


@pytest.mark.parametrize("text", ["", "pitlane", "marseille", "ly"])
def test_match_choice_refuses_none_or_several(text: str) -> None:
    with pytest.raises(InvalidValue) as error:
        match_choice(text, AGENCIES)
    assert error.value.code == "no_match"


# ------------------------------------------------------------------------------ language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bonjour", "fr"),
        ("bjr", "fr"),
        ("slt", "fr"),
        ("salut je voudrais un rdv", "fr"),
        ("je veux faire réviser ma moto", "fr"),
        ("il y a 8 mois", "fr"),
        ("c'est une 2019", "fr"),
        ("été", "fr"),
        ("merci", "fr"),
        ("hi", "en"),
        ("hello there", "en"),
        ("pls", "en"),
        ("thanks", "en"),
        ("I want to book a test ride", "en"),
        ("my bike is a 2018", "en"),
        ("8 months ago", "en"),
        ("what's your phone number?", "en"),
        ("2019", None),
        ("12 000", None),
        ("/greet", None),
        ('/choose{"slot_choice":"2025-05-21T07:00:00+00:00"}', None),
        ("ok", None),
        ("", None),
        ("Jean Dupont", None),
    ],
)
def test_detect_language_scores_words_or_stays_unsure(text: str, expected: str | None) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("début mars 2024", date(2024, 3, 5)),
        ("mi-mars 2024", date(2024, 3, 15)),
        ("fin mars 2024", date(2024, 3, 26)),
        ("fin 2023", date(2023, 10, 31)),
        ("early last year", date(2024, 3, 1)),
        ("fin de l'année dernière", date(2024, 10, 31)),
        ("late summer", date(2024, 8, 16)),
    ],
)
def test_early_mid_and_late_take_a_third_of_the_period(text: str, expected: date) -> None:
    assert parse_past_date(text, TODAY) == expected
