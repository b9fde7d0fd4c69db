"""Dates and times as the customer reads them, in French or English.

Own day and month names: the `locale` module depends on the machine's installed locales
and is process-global, so it is not used.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

_DAYS = {
    "fr": ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
_MONTHS = {
    "fr": (
        "janv.",
        "févr.",
        "mars",
        "avr.",
        "mai",
        "juin",
        "juil.",
        "août",
        "sept.",
        "oct.",
        "nov.",
        "déc.",
    ),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
_WEEK_OF = {"fr": "semaine du {day}", "en": "week of {day}"}
_DAY_SPAN = {
    "fr": {
        "today": "aujourd'hui ({day})",
        "tomorrow": "demain ({day})",
        "day": "le {day}",
        "span": "du {first} au {last}",
    },
    "en": {
        "today": "today ({day})",
        "tomorrow": "tomorrow ({day})",
        "day": "on {day}",
        "span": "from {first} to {last}",
    },
}


def _lang(language: str | None) -> str:
    return "en" if language == "en" else "fr"


def local_time(start_utc: datetime, tz: str) -> datetime:
    """The UTC instant in the given IANA time zone (naive datetimes are taken as UTC)."""
    if start_utc.tzinfo is None:
        start_utc = start_utc.replace(tzinfo=timezone.utc)
    return start_utc.astimezone(ZoneInfo(tz))


def format_day(day: date, language: str | None) -> str:
    """'mar. 24 nov.' (fr) / 'Tue 24 Nov' (en)."""
    lang = _lang(language)
    return f"{_DAYS[lang][day.weekday()]} {day.day} {_MONTHS[lang][day.month - 1]}"


def format_slot(start_utc: datetime, tz: str, language: str | None) -> str:
    """'mar. 24 nov. 09:00' (fr) / 'Tue 24 Nov 09:00' (en), in local time."""
    local = local_time(start_utc, tz)
    return f"{format_day(local.date(), language)} {local:%H:%M}"


def format_day_span(first: date, last: date, today: date, language: str | None) -> str:
    """The days a wish settled on, as the answer names them: "aujourd'hui (ven. 4 déc.)",
    "le ven. 11 déc.", "du lun. 7 déc. au dim. 13 déc." / "today (Fri 4 Dec)", "on Fri 11
    Dec", "from Mon 7 Dec to Sun 13 Dec"."""
    texts = _DAY_SPAN[_lang(language)]
    if first != last:
        return texts["span"].format(
            first=format_day(first, language), last=format_day(last, language)
        )
    key = {today: "today", date.fromordinal(today.toordinal() + 1): "tomorrow"}.get(first, "day")
    return texts[key].format(day=format_day(first, language))


def format_week_label(monday: date, language: str | None) -> str:
    """'semaine du lun. 23 nov.' / 'week of Mon 23 Nov'."""
    lang = _lang(language)
    return _WEEK_OF[lang].format(day=format_day(monday, lang))


def format_age(days: int, language: str | None) -> str:
    """A vehicle's age as people say it: 'plus de 7 ans' / 'more than 7 years', '1 an' /
    '1 year', '8 mois' / '8 months', '20 jours' / '20 days'."""
    lang = _lang(language)
    years, rest = divmod(days, 365)
    if years:
        unit = (
            ("an" if years == 1 else "ans") if lang == "fr" else ("year" if years == 1 else "years")
        )
        if rest <= 7:
            return f"{years} {unit}"
        return f"plus de {years} {unit}" if lang == "fr" else f"more than {years} {unit}"
    if days >= 60:
        months = days // 30
        return f"{months} mois" if lang == "fr" else f"{months} months"
    unit = ("jour" if days == 1 else "jours") if lang == "fr" else ("day" if days == 1 else "days")
    return f"{days} {unit}"
