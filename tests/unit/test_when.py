"""Typed time preferences, French and English, and the slots matching them (core/when.py)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from core.when import (
    HORIZON_DAYS,
    TimePreference,
    match_slots,
    nearest_slots,
    parse_time_preference,
    resolve_preference,
    search_range,
)

PARIS = "Europe/Paris"
NOW = datetime(2025, 11, 19, 9, 30, tzinfo=timezone.utc)  # Wednesday 19 November, 10:30 Paris
TODAY = date(2025, 11, 19)
FOUR_WEEKS = (TODAY, TODAY + timedelta(days=HORIZON_DAYS - 1))


def paris(*args: int) -> datetime:
    """A Paris wall-clock time as an aware UTC datetime."""
    return datetime(*args, tzinfo=ZoneInfo(PARIS)).astimezone(timezone.utc)


def parse(text: str, now: datetime = NOW) -> TimePreference | None:
    return parse_time_preference(text, now, PARIS)


def days_of(text: str, now: datetime = NOW) -> tuple[str, date, date]:
    preference = parse(text, now)
    assert preference is not None, text
    return preference.kind, preference.first_day, preference.last_day


def hours_of(text: str) -> tuple[time | None, time | None, time | None, str | None]:
    preference = parse(text)
    assert preference is not None, text
    return preference.start, preference.end, preference.target, preference.part


def day(month: int, number: int, year: int = 2025) -> tuple[date, date]:
    return date(year, month, number), date(year, month, number)


# ------------------------------------------------------------------------------ days


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("vendredi", ("weekday", *day(11, 21))),
        ("Friday", ("weekday", *day(11, 21))),
        ("ven", ("weekday", *day(11, 21))),
        ("ven.", ("weekday", *day(11, 21))),
        ("fri", ("weekday", *day(11, 21))),
        ("samedi", ("weekday", *day(11, 22))),
        ("sam", ("weekday", *day(11, 22))),
        ("on sat", ("weekday", *day(11, 22))),
        ("lundi", ("weekday", *day(11, 24))),
        ("mardi", ("weekday", *day(11, 25))),
        ("tue", ("weekday", *day(11, 25))),
        ("jeudi", ("weekday", *day(11, 20))),
        ("dimanche", ("weekday", *day(11, 23))),
        ("vendredi prochain", ("weekday", *day(11, 21))),
        ("next friday", ("weekday", *day(11, 21))),
        ("vendredi en huit", ("weekday", *day(11, 28))),
        ("aujourd'hui", ("today", *day(11, 19))),
        ("aujourdhui", ("today", *day(11, 19))),
        ("today", ("today", *day(11, 19))),
        ("ce soir", ("today", *day(11, 19))),
        ("tonight", ("today", *day(11, 19))),
        ("demain", ("tomorrow", *day(11, 20))),
        ("tomorrow", ("tomorrow", *day(11, 20))),
        ("tmrw", ("tomorrow", *day(11, 20))),
        ("après-demain", ("day_after_tomorrow", *day(11, 21))),
        ("apres demain", ("day_after_tomorrow", *day(11, 21))),
        ("the day after tomorrow", ("day_after_tomorrow", *day(11, 21))),
        ("dans 3 jours", ("date", *day(11, 22))),
        ("dans huit jours", ("date", *day(11, 26))),
        ("dans 15 jours", ("date", *day(12, 3))),
        ("la semaine prochaine", ("next_week", date(2025, 11, 24), date(2025, 11, 30))),
        ("plutôt la semaine prochaine", ("next_week", date(2025, 11, 24), date(2025, 11, 30))),
        ("next week", ("next_week", date(2025, 11, 24), date(2025, 11, 30))),
        ("cette semaine", ("this_week", date(2025, 11, 19), date(2025, 11, 23))),
        ("this week", ("this_week", date(2025, 11, 19), date(2025, 11, 23))),
        ("dans 2 semaines", ("week", date(2025, 12, 1), date(2025, 12, 7))),
        ("in two weeks", ("week", date(2025, 12, 1), date(2025, 12, 7))),
        ("en fin de semaine", ("end_of_week", date(2025, 11, 21), date(2025, 11, 23))),
        ("ce week-end", ("weekend", date(2025, 11, 22), date(2025, 11, 23))),
        ("ce weekend", ("weekend", date(2025, 11, 22), date(2025, 11, 23))),
        ("this weekend", ("weekend", date(2025, 11, 22), date(2025, 11, 23))),
        ("le mois prochain", ("month", date(2025, 12, 1), date(2025, 12, 31))),
        ("en décembre", ("month", date(2025, 12, 1), date(2025, 12, 31))),
        ("in January", ("month", date(2026, 1, 1), date(2026, 1, 31))),
        ("fin du mois", ("end_of_month", date(2025, 11, 24), date(2025, 11, 30))),
        ("le plus tôt possible", ("earliest", *FOUR_WEEKS)),
        ("au plus tôt", ("earliest", *FOUR_WEEKS)),
        ("dès que possible", ("earliest", *FOUR_WEEKS)),
        ("asap", ("earliest", *FOUR_WEEKS)),
        ("ASAP please", ("earliest", *FOUR_WEEKS)),
        ("as soon as possible", ("earliest", *FOUR_WEEKS)),
        ("n'importe quand", ("earliest", *FOUR_WEEKS)),
    ],
)
def test_days_are_read_in_french_and_english(text: str, expected: tuple) -> None:
    assert days_of(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("le 9", day(12, 9)),
        ("le 09", day(12, 9)),
        ("the 9th", day(12, 9)),
        ("9th", day(12, 9)),
        ("on the 9th", day(12, 9)),
        ("le 1er", day(12, 1)),
        ("le 19", day(11, 19)),  # today
        ("le 20", day(11, 20)),
        ("9 décembre", day(12, 9)),
        ("9 DECEMBRE", day(12, 9)),
        ("9 decmbre", day(12, 9)),  # a typo
        ("le 9 déc.", day(12, 9)),
        ("December 9", day(12, 9)),
        ("Dec 9th", day(12, 9)),
        ("9 of December", day(12, 9)),
        ("Wednesday 9 Dec", day(12, 9)),
        ("something on Wednesday 9 Dec", day(12, 9)),
        ("mercredi 10", day(12, 10)),
        ("mar. 24 nov. 09:00", day(11, 24)),  # a slot label copied back: the date wins
        ("lundi 1er décembre", day(12, 1)),
        ("le 09/12", day(12, 9)),
        ("9/12", day(12, 9)),
        ("09/12/2025", day(12, 9)),
        ("09.12.2025", day(12, 9)),
        ("2025-12-09", day(12, 9)),
        ("le 5 janvier", day(1, 5, 2026)),
        ("le 18 novembre", day(11, 18, 2026)),  # yesterday's date: next year's
    ],
)
def test_dates_are_the_next_such_date_from_today(text: str, expected: tuple[date, date]) -> None:
    kind, first, last = days_of(text)
    assert (kind, first, last) == ("date", *expected)


@pytest.mark.parametrize(
    ("text", "now", "expected"),
    [
        ("le 9", paris(2025, 12, 5, 10), date(2025, 12, 9)),  # before the 9th: this month
        ("le 9", paris(2025, 12, 9, 10), date(2025, 12, 9)),  # on the 9th: today
        ("le 9", paris(2025, 12, 10, 10), date(2026, 1, 9)),  # after: next month, next year
        ("le 31", paris(2025, 11, 19, 10), date(2025, 12, 31)),  # November has no 31st
        ("le 31", paris(2025, 12, 31, 10), date(2025, 12, 31)),
        ("le 30", paris(2026, 2, 5, 10), date(2026, 3, 30)),  # February has no 30th
        ("le 29", paris(2026, 2, 5, 10), date(2026, 3, 29)),  # 2026 is no leap year
        ("le 29", paris(2028, 2, 5, 10), date(2028, 2, 29)),  # 2028 is
        ("29/02", paris(2026, 2, 5, 10), date(2028, 2, 29)),
        ("31/12", paris(2026, 1, 2, 10), date(2026, 12, 31)),
        ("2 janvier", paris(2025, 12, 20, 10), date(2026, 1, 2)),
        ("le 5", paris(2025, 12, 20, 10), date(2026, 1, 5)),
    ],
)
def test_a_day_of_month_is_the_next_one_skipping_months_without_it(
    text: str, now: datetime, expected: date
) -> None:
    assert days_of(text, now) == ("date", expected, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("demain", ("tomorrow", *day(1, 1, 2026))),
        ("la semaine prochaine", ("next_week", date(2026, 1, 5), date(2026, 1, 11))),
        ("cette semaine", ("this_week", date(2025, 12, 31), date(2026, 1, 4))),
        ("ce week-end", ("weekend", date(2026, 1, 3), date(2026, 1, 4))),
        ("vendredi", ("weekday", *day(1, 2, 2026))),
        ("le mois prochain", ("month", date(2026, 1, 1), date(2026, 1, 31))),
        ("fin du mois", ("end_of_month", date(2025, 12, 31), date(2025, 12, 31))),
        ("le 1er", ("date", *day(1, 1, 2026))),
        ("en décembre", ("month", date(2025, 12, 31), date(2025, 12, 31))),
    ],
)
def test_new_years_eve_moves_into_next_year(text: str, expected: tuple) -> None:
    assert days_of(text, paris(2025, 12, 31, 15)) == expected


@pytest.mark.parametrize(
    ("now", "today", "tomorrow"),
    [
        # 00:30 on Sunday 29 March 2026 in Paris (CET), Saturday 23:30 in UTC
        (datetime(2026, 3, 28, 23, 30, tzinfo=timezone.utc), date(2026, 3, 29), date(2026, 3, 30)),
        # 00:30 on Sunday 26 October 2025 in Paris (CEST), Saturday 22:30 in UTC
        (
            datetime(2025, 10, 25, 22, 30, tzinfo=timezone.utc),
            date(2025, 10, 26),
            date(2025, 10, 27),
        ),
    ],
    ids=["march", "october"],
)
def test_days_are_counted_from_the_local_date_on_dst_nights(
    now: datetime, today: date, tomorrow: date
) -> None:
    assert days_of("aujourd'hui", now) == ("today", today, today)
    assert days_of("demain", now) == ("tomorrow", tomorrow, tomorrow)
    assert days_of("la semaine prochaine", now)[1] == tomorrow  # Monday after that Sunday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lundi ou jeudi", ("days", date(2025, 11, 20), date(2025, 11, 24), {0, 3})),
        ("monday or thursday", ("days", date(2025, 11, 20), date(2025, 11, 24), {0, 3})),
        ("du lundi au mercredi", ("days", date(2025, 11, 24), date(2025, 11, 26), None)),
        ("entre lundi et mercredi", ("days", date(2025, 11, 24), date(2025, 11, 26), None)),
        ("en semaine", ("weekdays", *FOUR_WEEKS, {0, 1, 2, 3, 4})),
        ("pas le vendredi", ("any_day", *FOUR_WEEKS, {0, 1, 2, 3, 5, 6})),
        ("mardi de la semaine prochaine", ("weekday", *day(11, 25), None)),
        ("next week on thursday", ("weekday", *day(11, 27), None)),
        ("samedi ce week-end", ("weekday", *day(11, 22), None)),
        (
            "la semaine prochaine sauf lundi",
            ("next_week", date(2025, 11, 25), date(2025, 11, 30), {1, 2, 3, 4, 5, 6}),
        ),
        ("la semaine du 8 décembre", ("week", date(2025, 12, 8), date(2025, 12, 14), None)),
        ("week of the 8th", ("week", date(2025, 12, 8), date(2025, 12, 14), None)),
    ],
)
def test_several_days_or_days_within_a_week(text: str, expected: tuple) -> None:
    preference = parse(text)
    assert preference is not None
    weekdays = set(preference.weekdays) if preference.weekdays is not None else None
    assert (preference.kind, preference.first_day, preference.last_day, weekdays) == expected


# ------------------------------------------------------------------------------ hours


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("le matin", (time(0), time(11, 59), None, "morning")),
        ("plutôt le matin", (time(0), time(11, 59), None, "morning")),
        ("Plutot le MATIN", (time(0), time(11, 59), None, "morning")),
        ("morning", (time(0), time(11, 59), None, "morning")),
        ("in the morning", (time(0), time(11, 59), None, "morning")),
        ("en début de matinée", (time(0), time(9, 59), None, "early_morning")),
        ("en fin de matinée", (time(10), time(11, 59), None, "late_morning")),
        ("l'après-midi", (time(12), time(17, 59), None, "afternoon")),
        ("l'aprem", (time(12), time(17, 59), None, "afternoon")),
        ("in the afternoon", (time(12), time(17, 59), None, "afternoon")),
        ("en début d'après-midi", (time(12), time(14, 59), None, "early_afternoon")),
        ("en fin de journée", (time(16), time(23, 59), None, "late_day")),
        ("late afternoon", (time(16), time(23, 59), None, "late_day")),
        ("après le travail", (time(16), time(23, 59), None, "late_day")),
        ("le soir", (time(17), time(23, 59), None, "evening")),
        ("in the evening", (time(17), time(23, 59), None, "evening")),
        ("entre midi et deux", (time(12), time(13, 59), None, "lunch")),
        ("pas le matin", (time(12), time(23, 59), None, "not_morning")),
        ("not in the morning", (time(12), time(23, 59), None, "not_morning")),
        ("pas l'après-midi", (time(0), time(11, 59), None, "not_afternoon")),
    ],
)
def test_parts_of_the_day_are_windows_of_slot_starts(text: str, expected: tuple) -> None:
    assert hours_of(text) == expected


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("10h", time(10)),
        ("vers 10h", time(10)),
        ("10 h", time(10)),
        ("10H", time(10)),
        ("10 heures", time(10)),
        ("10h30", time(10, 30)),
        ("10 h 30", time(10, 30)),
        ("10:30", time(10, 30)),
        ("à 14h30", time(14, 30)),
        ("a 14h", time(14)),
        ("14h00", time(14)),
        ("at 10", time(10)),
        ("around 10", time(10)),
        ("10am", time(10)),
        ("10 am", time(10)),
        ("10 a.m.", time(10)),
        ("2pm", time(14)),
        ("2:30 pm", time(14, 30)),
        ("12pm", time(12)),
        ("at 2", time(14)),  # a bare 1..7 is the afternoon
        ("à 3h", time(15)),
        ("7h du matin", time(7)),
        ("8h du soir", time(20)),
        ("à 3h de l'après-midi", time(15)),
        ("vers midi", time(12)),
        ("noon", time(12)),
    ],
)
def test_a_time_is_a_target_with_an_hour_either_side(text: str, target: time) -> None:
    start, end, found, _ = hours_of(text)
    assert found == target
    minutes = target.hour * 60 + target.minute
    assert start == time(*divmod(max(minutes - 60, 0), 60))
    assert end == time(*divmod(min(minutes + 60, 23 * 60 + 59), 60))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("après 16h", (time(16), time(23, 59))),
        ("after 4pm", (time(16), time(23, 59))),
        ("à partir de 14h", (time(14), time(23, 59))),
        ("dès 14h", (time(14), time(23, 59))),
        ("pas avant 10h", (time(10), time(23, 59))),
        ("avant 10h", (time(0), time(9, 59))),
        ("before noon", (time(0), time(11, 59))),
        ("entre 14h et 16h", (time(14), time(15, 59))),
        ("between 2 and 4", (time(14), time(15, 59))),
        ("de 9h à 11h", (time(9), time(10, 59))),
        ("10h-12h", (time(10), time(11, 59))),
        ("10-12h", (time(10), time(11, 59))),
        ("le matin après 10h", (time(10), time(11, 59))),  # both: where they meet
    ],
)
def test_bounds_and_ranges_of_hours(text: str, expected: tuple[time, time]) -> None:
    start, end, target, _ = hours_of(text)
    assert (start, end, target) == (*expected, None)


def test_only_hours_mean_every_day_of_the_next_four_weeks() -> None:
    for text in ("vers 10h", "plutôt le matin", "at 2pm"):
        assert days_of(text) == ("any_day", *FOUR_WEEKS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("vendredi après-midi", (*day(11, 21), time(12), time(17, 59), None)),
        (
            "vous avez quelque chose vendredi après-midi ?",
            (*day(11, 21), time(12), time(17, 59), None),
        ),
        ("samedi vers 10h", (*day(11, 22), time(9), time(11), time(10))),
        ("sam 10h", (*day(11, 22), time(9), time(11), time(10))),
        ("saturday at 10 please", (*day(11, 22), time(9), time(11), time(10))),
        ("sat 10am", (*day(11, 22), time(9), time(11), time(10))),
        ("demain matin", (*day(11, 20), time(0), time(11, 59), None)),
        ("tomorrow at 2pm", (*day(11, 20), time(13), time(15), time(14))),
        ("le 9 à 14h30", (*day(12, 9), time(13, 30), time(15, 30), time(14, 30))),
        ("le 20/11 à 10h30", (*day(11, 20), time(9, 30), time(11, 30), time(10, 30))),
        ("jeudi en fin de journée", (*day(11, 20), time(16), time(23, 59), None)),
        ("at 10 on friday", (*day(11, 21), time(9), time(11), time(10))),
    ],
)
def test_days_and_hours_together(text: str, expected: tuple) -> None:
    preference = parse(text)
    assert preference is not None
    found = (preference.first_day, preference.last_day, preference.start, preference.end)
    assert (*found, preference.target) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("vendredy", day(11, 21)),
        ("VENDREDI", day(11, 21)),
        ("vendredit", day(11, 21)),
        ("samdi", day(11, 22)),
        ("mecredi", day(11, 19)),
        ("wensday", day(11, 19)),
        ("thursay", day(11, 20)),
        ("tommorow", day(11, 20)),
        ("tomorow", day(11, 20)),
        ("demian", day(11, 20)),
        ("Après-Demain", day(11, 21)),
    ],
)
def test_accents_case_and_small_typos_are_tolerated(text: str, expected: tuple) -> None:
    assert days_of(text)[1:] == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "bonjour",
        "Bonjour !",
        "merci",
        "oui",
        "non",
        "ok",
        "12000 km",
        "12 000 km",
        "2019",
        "une 2019",
        "j'ai une 2019 de 12000 km",
        "10",
        "9",
        "il y a 3 jours",
        "I have a 2 year old bike",
        "je veux vendre ma moto",
        "Martin",
        "good morning",
        "bonne journée",
        "le jeu de plaquettes",
        "la mer",
        "I sat down",
        "mon rendez-vous",
        "le 2e créneau",
        "sept",
        "dans 2h",
        "06 12 34 56 78",
        "DV-2026-0412",
        "j'habite au 12 rue de la Paix",
        '/choose{"slot_choice":"2025-11-20T08:00:00+00:00"}',
    ],
)
def test_text_without_a_time_preference_gives_none(text: str) -> None:
    assert parse(text) is None


# ------------------------------------------------------------------------------ Friday rule

FRIDAY_MORNING = paris(2025, 11, 21, 9)
FRIDAY_EVENING = paris(2025, 11, 21, 19)
THIS_FRIDAY, NEXT_FRIDAY = date(2025, 11, 21), date(2025, 11, 28)


def test_a_day_name_said_that_day_is_today_with_next_week_as_the_fallback() -> None:
    for now in (FRIDAY_MORNING, FRIDAY_EVENING):
        preference = parse("vendredi", now)
        assert preference is not None
        assert (preference.first_day, preference.fallback) == (
            THIS_FRIDAY,
            (NEXT_FRIDAY, NEXT_FRIDAY),
        )


def test_a_day_name_said_that_day_after_its_window_is_next_week() -> None:
    afternoon = parse("vendredi après-midi", FRIDAY_EVENING)
    morning = parse("vendredi matin", paris(2025, 11, 21, 13))
    still_on = parse("vendredi après-midi", FRIDAY_MORNING)

    assert afternoon is not None and morning is not None and still_on is not None
    assert (afternoon.first_day, afternoon.fallback) == (NEXT_FRIDAY, None)
    assert (morning.first_day, morning.fallback) == (NEXT_FRIDAY, None)
    assert (still_on.first_day, still_on.fallback) == (THIS_FRIDAY, (NEXT_FRIDAY, NEXT_FRIDAY))


def test_next_friday_said_on_a_friday_is_a_week_later() -> None:
    assert days_of("vendredi prochain", FRIDAY_MORNING) == ("weekday", NEXT_FRIDAY, NEXT_FRIDAY)
    assert days_of("next friday", FRIDAY_MORNING) == ("weekday", NEXT_FRIDAY, NEXT_FRIDAY)


def test_friday_means_todays_slots_when_some_are_left() -> None:
    preference = parse("vendredi", FRIDAY_MORNING)
    assert preference is not None
    slots = [paris(2025, 11, 21, 16), paris(2025, 11, 24, 9), paris(2025, 11, 28, 9)]

    assert resolve_preference(slots, preference, PARIS).first_day == THIS_FRIDAY
    assert match_slots(slots, preference, PARIS) == [paris(2025, 11, 21, 16)]


def test_friday_means_next_friday_when_today_has_nothing_left() -> None:
    preference = parse("vendredi", FRIDAY_EVENING)
    assert preference is not None
    slots = [paris(2025, 11, 24, 9), paris(2025, 11, 28, 9), paris(2025, 11, 28, 14)]

    settled = resolve_preference(slots, preference, PARIS)
    assert (settled.first_day, settled.last_day, settled.fallback) == (
        NEXT_FRIDAY,
        NEXT_FRIDAY,
        None,
    )
    assert match_slots(slots, preference, PARIS) == [
        paris(2025, 11, 28, 9),
        paris(2025, 11, 28, 14),
    ]


def test_the_weekend_said_on_a_saturday_starts_today_and_next_weekend_a_week_later() -> None:
    saturday = paris(2025, 11, 22, 10)
    sunday = paris(2025, 11, 23, 10)
    assert days_of("ce week-end", saturday) == ("weekend", date(2025, 11, 22), date(2025, 11, 23))
    assert days_of("ce week-end", sunday) == ("weekend", date(2025, 11, 23), date(2025, 11, 23))
    assert days_of("le week-end prochain", saturday)[1:] == (date(2025, 11, 29), date(2025, 11, 30))
    assert days_of("next weekend", NOW)[1:] == (date(2025, 11, 22), date(2025, 11, 23))


# ------------------------------------------------------------------------------ matching


def hourly(first: date, days: int, hours: tuple[int, ...] = (9, 10, 11, 14, 15, 16, 17)) -> list:
    """Slots every hour of `hours` (Paris) on `days` days from `first`, as UTC starts."""
    return [
        paris(d.year, d.month, d.day, hour)
        for d in (first + timedelta(days=n) for n in range(days))
        for hour in hours
    ]


def test_matching_slots_are_in_time_order_without_a_target() -> None:
    preference = parse("vendredi après-midi")
    assert preference is not None
    slots = list(reversed(hourly(date(2025, 11, 20), 3)))

    assert match_slots(slots, preference, PARIS) == [
        paris(2025, 11, 21, hour) for hour in (14, 15, 16, 17)
    ]


def test_matching_slots_are_nearest_to_the_target_first_day_by_day() -> None:
    preference = parse("vers 10h")
    assert preference is not None
    slots = hourly(date(2025, 11, 20), 2)

    assert match_slots(slots, preference, PARIS) == [
        paris(2025, 11, 20, 10),
        paris(2025, 11, 20, 9),
        paris(2025, 11, 20, 11),
        paris(2025, 11, 21, 10),
        paris(2025, 11, 21, 9),
        paris(2025, 11, 21, 11),
    ]


def test_window_bounds_are_included_and_the_afternoon_ends_before_six() -> None:
    preference = parse("demain après-midi")
    assert preference is not None
    slots = [paris(2025, 11, 20, h, m) for h, m in ((11, 59), (12, 0), (17, 59), (18, 0))]

    assert match_slots(slots, preference, PARIS) == [
        paris(2025, 11, 20, 12, 0),
        paris(2025, 11, 20, 17, 59),
    ]


def test_only_the_days_named_match() -> None:
    preference = parse("lundi ou jeudi le matin")
    assert preference is not None
    slots = hourly(date(2025, 11, 19), 7, hours=(9, 14))

    assert match_slots(slots, preference, PARIS) == [
        paris(2025, 11, 20, 9),
        paris(2025, 11, 24, 9),
    ]


@pytest.mark.parametrize(
    ("now", "sunday", "text", "expected_utc"),
    [
        # Sunday 29 March 2026: 10:00 in Paris is 08:00 UTC (CEST), no longer 09:00
        (paris(2026, 3, 27, 12), date(2026, 3, 29), "dimanche vers 10h", (2026, 3, 29, 8)),
        (paris(2026, 3, 27, 12), date(2026, 3, 29), "sunday morning", (2026, 3, 29, 7)),
        # Sunday 26 October 2025: 10:00 in Paris is 09:00 UTC (CET), no longer 08:00
        (paris(2025, 10, 24, 12), date(2025, 10, 26), "dimanche vers 10h", (2025, 10, 26, 9)),
        (paris(2025, 10, 24, 12), date(2025, 10, 26), "sunday morning", (2025, 10, 26, 8)),
    ],
    ids=["march-target", "march-morning", "october-target", "october-morning"],
)
def test_dst_sundays_match_on_local_wall_clock_time(
    now: datetime, sunday: date, text: str, expected_utc: tuple[int, ...]
) -> None:
    preference = parse(text, now)
    assert preference is not None
    slots = hourly(sunday - timedelta(days=2), 4, hours=(9, 10, 11, 14))

    found = match_slots(slots, preference, PARIS)

    assert found[0] == datetime(*expected_utc, tzinfo=timezone.utc)
    assert {start.astimezone(ZoneInfo(PARIS)).date() for start in found} == {sunday}
    assert all(start.astimezone(ZoneInfo(PARIS)).hour < 12 for start in found)


def test_nothing_matches_when_the_wanted_day_has_no_free_slot() -> None:
    preference = parse("samedi vers 10h")
    assert preference is not None
    assert match_slots(hourly(date(2025, 11, 20), 2), preference, PARIS) == []


# ------------------------------------------------------------------------------ nearest


def test_nearest_slots_are_the_closest_to_the_wanted_hours_in_time_order() -> None:
    preference = parse("samedi vers 10h")  # Saturday 22 November, 09:00-11:00
    assert preference is not None
    slots = [
        paris(2025, 11, 20, 9),
        paris(2025, 11, 21, 17),  # 16 h before 09:00 Saturday
        paris(2025, 11, 22, 15),  # 4 h after 11:00 Saturday
        paris(2025, 11, 24, 9),  # 46 h after
        paris(2025, 11, 25, 9),
    ]

    assert nearest_slots(slots, preference, PARIS, n=2) == [
        paris(2025, 11, 21, 17),
        paris(2025, 11, 22, 15),
    ]
    assert nearest_slots(slots, preference, PARIS, n=1) == [paris(2025, 11, 22, 15)]


def test_nearest_slots_give_ties_to_the_earlier_one() -> None:
    preference = parse("mercredi 26 novembre l'après-midi")  # 12:00-17:59
    assert preference is not None
    before, after = paris(2025, 11, 26, 11), paris(2025, 11, 26, 18, 59)

    assert nearest_slots([after, before], preference, PARIS, n=1) == [before]


def test_nearest_slots_across_the_october_dst_change_count_real_hours() -> None:
    preference = parse("dimanche vers 10h", paris(2025, 10, 24, 12))  # 09:00-11:00 CET
    assert preference is not None
    # clocks go back at 03:00 that night: 01:00 CEST is 8 wall-clock hours before 09:00 but
    # 9 real ones; 19:00 CET is 8 hours after 11:00 either way
    night, evening = paris(2025, 10, 26, 1), paris(2025, 10, 26, 19)

    assert nearest_slots([night, evening], preference, PARIS, n=1) == [evening]


def test_with_no_wanted_day_in_range_the_earliest_slots_are_nearest() -> None:
    preference = TimePreference(
        "days", date(2025, 11, 20), date(2025, 11, 20), weekdays=frozenset({5})
    )
    slots = [paris(2025, 11, 25, 9), paris(2025, 11, 24, 9), paris(2025, 11, 26, 9)]

    assert nearest_slots(slots, preference, PARIS, n=2) == [
        paris(2025, 11, 24, 9),
        paris(2025, 11, 25, 9),
    ]


def test_next_friday_is_what_is_near_when_friday_said_on_friday_has_nothing() -> None:
    preference = parse("vendredi", FRIDAY_EVENING)
    assert preference is not None
    slots = [paris(2025, 11, 24, 9), paris(2025, 11, 27, 17), paris(2025, 12, 1, 9)]

    assert nearest_slots(slots, preference, PARIS, n=1) == [paris(2025, 11, 27, 17)]


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_time_preference("demain", datetime(2025, 11, 19, 10), PARIS)


# ------------------------------------------------------------------------------ search range


def test_the_search_range_covers_four_weeks_and_a_week_past_the_wanted_days() -> None:
    soon, later, far = parse("demain"), parse("le 9 janvier"), parse("09/12/2027")
    friday = parse("vendredi", FRIDAY_MORNING)
    assert soon is not None and later is not None and far is not None and friday is not None

    assert search_range(soon, NOW, PARIS) == FOUR_WEEKS
    assert search_range(later, NOW, PARIS) == (TODAY, date(2026, 1, 16))
    assert search_range(far, NOW, PARIS) == (TODAY, TODAY + timedelta(days=365))
    assert search_range(friday, FRIDAY_MORNING, PARIS) == (
        THIS_FRIDAY,
        THIS_FRIDAY + timedelta(days=HORIZON_DAYS - 1),
    )
