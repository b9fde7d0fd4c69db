"""Dates, times, numbers and ages as the customer reads them, in French or English.

Day and month names, numbers and plural rules come from Babel (CLDR data, no dependency on
the machine's locales, nothing process-global); the words around them from the `dates`
context of the gettext catalogues (core/i18n.py).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal

from core import i18n

DAY_PATTERN = "EEE d MMM"  # CLDR pattern: 'mar. 24 nov.' / 'Tue 24 Nov'
# The locale whose short numeric date and time staff pages show: day first and a 24-hour
# clock in English too (the dealers' staff are in Europe), hence British English.
NUMERIC_LOCALES = {"fr": "fr", "en": "en_GB"}


def local_time(start_utc: datetime, tz: str) -> datetime:
    """The UTC instant in the given IANA time zone (naive datetimes are taken as UTC)."""
    if start_utc.tzinfo is None:
        start_utc = start_utc.replace(tzinfo=timezone.utc)
    return start_utc.astimezone(ZoneInfo(tz))


def format_day(day: date, language: str | None) -> str:
    """'mar. 24 nov.' (fr) / 'Tue 24 Nov' (en)."""
    return format_date(day, DAY_PATTERN, locale=i18n.language_of(language))


def format_slot(start_utc: datetime, tz: str, language: str | None) -> str:
    """'mar. 24 nov. 09:00' (fr) / 'Tue 24 Nov 09:00' (en), in local time."""
    local = local_time(start_utc, tz)
    return f"{format_day(local.date(), language)} {local:%H:%M}"


def format_datetime(
    value: datetime, tz: str, language: str | None, *, seconds: bool = False
) -> str:
    """'14/07/2025 10:05' (fr and en), '14/07/2025 10:05:09' with `seconds`, in local time
    (a naive value is taken as UTC): CLDR's short date and time (NUMERIC_LOCALES)."""
    local = local_time(value, tz)
    locale = NUMERIC_LOCALES[i18n.language_of(language)]
    day = format_date(local.date(), "short", locale=locale)
    time = format_time(local.time(), "medium" if seconds else "short", locale=locale)
    return f"{day} {time}"


def format_short_date(day: date, language: str | None) -> str:
    """'14/07/2025' (fr and en): CLDR's short date with the year in full (NUMERIC_LOCALES)."""
    return format_date(day, "dd/MM/yyyy", locale=NUMERIC_LOCALES[i18n.language_of(language)])


def format_day_span(first: date, last: date, today: date, language: str | None) -> str:
    """The days a wish settled on, as the answer names them: "aujourd'hui (ven. 4 déc.)",
    "le ven. 11 déc.", "du lun. 7 déc. au dim. 13 déc." / "today (Fri 4 Dec)", "on Fri 11
    Dec", "from Mon 7 Dec to Sun 13 Dec"."""
    if first != last:
        return i18n.text(
            "dates",
            "span",
            language,
            first=format_day(first, language),
            last=format_day(last, language),
        )
    key = {today: "today", date.fromordinal(today.toordinal() + 1): "tomorrow"}.get(first, "day")
    return i18n.text("dates", key, language, day=format_day(first, language))


def format_week_label(monday: date, language: str | None) -> str:
    """'semaine du lun. 23 nov.' / 'week of Mon 23 Nov'."""
    return i18n.text("dates", "week_of", language, day=format_day(monday, language))


def format_number(value: int | float, language: str | None, *, decimals: int | None = None) -> str:
    """'12 000' (fr, narrow no-break space) / '12,000' (en); with `decimals`, exactly that
    many digits after the separator: '4,3' / '4.3' for one."""
    pattern = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=i18n.language_of(language))


def format_money(cents: int, language: str | None) -> str:
    """An amount in euros: '1 234,50 €' (fr, narrow no-break space) / '€1,234.50' (en)."""
    locale = NUMERIC_LOCALES[i18n.language_of(language)]
    return format_currency(Decimal(cents) / 100, "EUR", locale=locale)


def format_hundredths(value: int, language: str | None) -> str:
    """A quantity or rate kept in hundredths, as few decimals as it needs: '1,5' / '1.5'."""
    return format_decimal(Decimal(value) / 100, locale=i18n.language_of(language))


def format_age(days: int, language: str | None) -> str:
    """A vehicle's age as people say it: 'plus de 7 ans' / 'more than 7 years', '1 an' /
    '1 year', '8 mois' / '8 months', '20 jours' / '20 days'."""
    years, rest = divmod(days, 365)
    if years:
        age = _count("years", years, language)
        return age if rest <= 7 else i18n.text("dates", "more_than", language, age=age)
    if days >= 60:
        return _count("months", days // 30, language)
    return _count("days", days, language)


def _count(unit: str, count: int, language: str | None) -> str:
    """'{count} an' or '{count} ans': the plural form is the language's (CLDR), the key
    `<unit>_one` or `<unit>_other`."""
    lang = i18n.language_of(language)
    form = "one" if Locale.parse(lang).plural_form(count) == "one" else "other"
    return i18n.text("dates", f"{unit}_{form}", lang, count=count)
