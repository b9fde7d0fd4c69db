"""Slots shown to the customer in their language and time zone (core/formatting.py)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from core.formatting import (
    format_age,
    format_datetime,
    format_day,
    format_day_span,
    format_number,
    format_slot,
    format_week_label,
)

UTC = timezone.utc


@pytest.mark.parametrize(
    ("start_utc", "language", "expected"),
    [
        (datetime(2026, 11, 24, 8, 0, tzinfo=UTC), "fr", "mar. 24 nov. 09:00"),
        (datetime(2026, 11, 24, 8, 0, tzinfo=UTC), "en", "Tue 24 Nov 09:00"),
        (datetime(2025, 8, 15, 12, 30, tzinfo=UTC), "fr", "ven. 15 août 14:30"),  # UTC+2
        (datetime(2025, 8, 15, 12, 30, tzinfo=UTC), "en", "Fri 15 Aug 14:30"),
        (datetime(2025, 2, 2, 8, 0, tzinfo=UTC), "fr", "dim. 2 févr. 09:00"),
        (datetime(2025, 12, 1, 16, 0, tzinfo=UTC), "fr", "lun. 1 déc. 17:00"),
        (datetime(2025, 12, 31, 23, 30, tzinfo=UTC), "en", "Thu 1 Jan 00:30"),  # next day
    ],
)
def test_format_slot_in_paris_time(start_utc: datetime, language: str, expected: str) -> None:
    assert format_slot(start_utc, "Europe/Paris", language) == expected


def test_format_slot_follows_the_dst_change() -> None:
    before = datetime(2025, 10, 25, 7, 0, tzinfo=UTC)  # Saturday, UTC+2
    after = datetime(2025, 10, 27, 8, 0, tzinfo=UTC)  # Monday, UTC+1
    assert format_slot(before, "Europe/Paris", "en") == "Sat 25 Oct 09:00"
    assert format_slot(after, "Europe/Paris", "en") == "Mon 27 Oct 09:00"


def test_format_slot_uses_the_given_time_zone() -> None:
    start = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    assert format_slot(start, "America/New_York", "en") == "Tue 24 Nov 03:00"


def test_a_naive_datetime_is_taken_as_utc() -> None:
    assert format_slot(datetime(2026, 11, 24, 8, 0), "Europe/Paris", "fr") == "mar. 24 nov. 09:00"


@pytest.mark.parametrize("language", [None, "de", ""])
def test_an_unknown_language_is_shown_in_french(language: str | None) -> None:
    assert format_day(date(2026, 11, 24), language) == "mar. 24 nov."


def test_format_week_label() -> None:
    assert format_week_label(date(2026, 11, 23), "fr") == "semaine du lun. 23 nov."
    assert format_week_label(date(2026, 11, 23), "en") == "week of Mon 23 Nov"


@pytest.mark.parametrize(
    ("days", "language", "text"),
    [
        (2780, "fr", "plus de 7 ans"),
        (2780, "en", "more than 7 years"),
        (365, "fr", "1 an"),
        (365, "en", "1 year"),
        (730, "fr", "2 ans"),
        (60, "fr", "2 mois"),
        (20, "en", "20 days"),
    ],
)
def test_a_vehicle_age_is_said_as_people_say_it(days, language, text) -> None:
    assert format_age(days, language) == text


@pytest.mark.parametrize(
    ("first", "last", "language", "expected"),
    [
        (date(2026, 12, 4), date(2026, 12, 4), "fr", "aujourd'hui (ven. 4 déc.)"),
        (date(2026, 12, 5), date(2026, 12, 5), "en", "tomorrow (Sat 5 Dec)"),
        (date(2026, 12, 11), date(2026, 12, 11), "fr", "le ven. 11 déc."),
        (date(2026, 12, 31), date(2027, 1, 1), "en", "from Thu 31 Dec to Fri 1 Jan"),
        (date(2026, 12, 7), date(2026, 12, 13), "fr", "du lun. 7 déc. au dim. 13 déc."),
    ],
)
def test_the_days_of_a_wish_are_named_as_customers_read_them(
    first: date, last: date, language: str, expected: str
) -> None:
    assert format_day_span(first, last, date(2026, 12, 4), language) == expected


@pytest.mark.parametrize("language", ["fr", "en", None])
def test_format_datetime_is_day_first_on_a_24_hour_clock_in_local_time(
    language: str | None,
) -> None:
    sent = datetime(2025, 7, 14, 8, 5, 9, tzinfo=UTC)  # 10:05 in Paris (summer)
    assert format_datetime(sent, "Europe/Paris", language) == "14/07/2025 10:05"
    assert format_datetime(sent, "Europe/Paris", language, seconds=True) == "14/07/2025 10:05:09"


def test_format_datetime_takes_a_naive_value_as_utc() -> None:
    assert format_datetime(datetime(2025, 1, 2, 23, 30), "Europe/Paris", "fr") == "03/01/2025 00:30"


@pytest.mark.parametrize(
    ("value", "language", "decimals", "expected"),
    [
        (12500, "fr", None, "12\u202f500"),
        (12500, "en", None, "12,500"),
        (13 / 3, "fr", 1, "4,3"),
        (13 / 3, "en", 1, "4.3"),
        (5, "fr", 1, "5,0"),
    ],
)
def test_format_number_groups_digits_and_fixes_decimals_in_the_language(
    value: float, language: str, decimals: int | None, expected: str
) -> None:
    assert format_number(value, language, decimals=decimals) == expected


def test_amounts_and_hundredths_are_written_as_each_language_reads_them() -> None:
    from core.formatting import format_hundredths, format_money

    assert format_money(123450, "fr") == "1\u202f234,50\xa0€"
    assert format_money(123450, "en") == "€1,234.50"
    assert format_money(-500, "fr") == "-5,00\xa0€"
    assert (format_hundredths(150, "fr"), format_hundredths(150, "en")) == ("1,5", "1.5")
    assert format_hundredths(2000, "fr") == "20" and format_hundredths(550, "fr") == "5,5"
