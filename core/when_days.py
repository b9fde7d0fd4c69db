"""Days as customers type them ("vendredi", "le 9", "9 décembre", "demain", "la semaine
prochaine", "ce week-end", "asap"), read as a stretch of local days for core/when.py."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import NamedTuple

from core.parsing import _MONTHS
from core.when_text import QUANTITY, mask, negated

HORIZON_DAYS = 28  # no day named: every day from today over the next 4 weeks


class Days(NamedTuple):
    """Local days, both included; `fallback`: the days meant when none of these matches."""

    kind: str
    first: date
    last: date
    weekdays: frozenset[int] | None = None
    fallback: tuple[date, date] | None = None


_DAY = r"(?P<day>[0-3]?\d)(?!\d)"
_NOT_TIME = r"(?!\s*(?:h\b|h\d|heures?\b|hrs?\b|:\d|am\b|pm\b))"
_NOT_A_CHOICE = (  # "le 2e créneau" is a choice among the slots, not the 2nd
    r"(?!\s+(?:creneau|slot|horaire|option|choix|one|proposition|dispo\w*|rdv|rendez|fois"
    r"|time))"
)
_NOT_A_DAY = _NOT_TIME + r"(?!" + QUANTITY.pattern + ")" + _NOT_A_CHOICE
_ORDINAL = r"(?:er|st|nd|rd|th|eme|e)?\b"
_MONTH_WORD = r"(?P<month>[a-z]+)\b\.?"
_DATE_PATTERNS = [  # groups day, month (number or word), year; the first date found wins
    re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})\b"),
    re.compile(r"(?<![\d/.])" + _DAY + r"/(?P<month>[01]?\d)(?:/(?P<year>\d{4}|\d{2}))?(?![\d/])"),
    re.compile(r"(?<![\d.-])" + _DAY + r"[.-](?P<month>[01]?\d)[.-](?P<year>\d{4}|\d{2})(?!\d)"),
    re.compile(
        r"(?<![\d/.:,])"
        + _DAY
        + _ORDINAL
        + r"\s+(?:of\s+|de\s+)?"
        + _MONTH_WORD
        + r"(?:\s+(?P<year>\d{4}))?"
    ),
    re.compile(
        r"\b"
        + _MONTH_WORD
        + r"\s+(?:the\s+)?"
        + _DAY
        + r"(?:st|nd|rd|th|er)?\b"
        + _NOT_A_DAY
        + r"(?:\s+(?P<year>\d{4}))?"
    ),
]
_DAY_OF_MONTH_PATTERNS = [  # a day without a month
    re.compile(
        r"\b(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday|wednesday"
        r"|thursday|friday|saturday|sunday|lun|mar|mer|jeu|ven|sam|dim|tue|tues|wed|thu"
        r"|thur|thurs|fri|sat|sun)\.?\s+(?:the\s+|le\s+)?" + _DAY + _ORDINAL + _NOT_A_DAY
    ),
    re.compile(r"\b(?:le|the|du|on the)\s+" + _DAY + _ORDINAL + _NOT_A_DAY + r"(?!\s+\d\d\b)"),
    re.compile(r"(?<![\d/.:,])" + _DAY + r"(?:er|st|nd|rd|th)\b" + _NOT_A_CHOICE),
]
_WEEK_OF = re.compile(r"\b(?:semaine du|week of(?: the)?)\s*$")
_MONTH_CONTEXT = re.compile(
    r"\b(?:en|in|au mois d'|au mois de|mois de|month of|courant|during)\s*(?P<month>[a-z]{3,})\b"
)


def _valid_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _next_date(month: int, day: int, today: date) -> date | None:
    """The next (month, day) from today, today included (29 February: the next leap year)."""
    for year in range(today.year, today.year + 9):
        found = _valid_date(year, month, day)
        if found is not None and found >= today:
            return found
    return None


def _next_day_of_month(day: int, today: date) -> date | None:
    """The next date with that day number from today, skipping the months without it."""
    for offset in range(13):
        year, month = divmod(today.month - 1 + offset, 12)
        found = _valid_date(today.year + year, month + 1, day)
        if found is not None and found >= today:
            return found
    return None


def _date_of(match: re.Match[str], today: date) -> date | None:
    """The date a _DATE_PATTERNS match names, or None when it is no date."""
    month_text = match["month"]
    month = int(month_text) if month_text.isdigit() else _MONTHS.get(month_text)
    if month is None or (month_text == "mar" and match.re is _DATE_PATTERNS[-1]):
        return None  # "mar 24" is Tuesday the 24th, read below
    day = int(match["day"])
    if match["year"]:
        year = int(match["year"])
        return _valid_date(year if year > 99 else 2000 + year, month, day)
    return _next_date(month, day, today) if 1 <= month <= 12 else None


def explicit_date(text: str, today: date) -> tuple[Days | None, str]:
    """A date typed in full or as a day of month, and the text without it."""
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            found = _date_of(match, today)
            if found is not None:
                return _date_days(found, text[: match.start("day")]), mask(text, match)
    for pattern in _DAY_OF_MONTH_PATTERNS:
        for match in pattern.finditer(text):
            found = _next_day_of_month(int(match["day"]), today)
            if found is not None:
                return _date_days(found, text[: match.start("day")]), mask(text, match)
    return None, text


def _date_days(found: date, before: str) -> Days:
    if _WEEK_OF.search(before):  # "la semaine du 15"
        monday = found - timedelta(days=found.weekday())
        return Days("week", monday, monday + timedelta(days=6))
    return Days("date", found, found)


def _month_only(text: str, today: date) -> Days | None:
    """A month: "en décembre", "in January", or a message that is only its name (not "sept",
    which is also seven); the current month from today."""
    match = _MONTH_CONTEXT.search(text)
    word = match["month"] if match else text.strip(" .")
    month = _MONTHS.get(word)
    if month is None or (match is None and word == "sept"):
        return None
    year = today.year if month >= today.month else today.year + 1
    first = max(today, date(year, month, 1))
    return Days("month", first, _month_end(year, month))


def _month_end(year: int, month: int) -> date:
    """The last day of that month."""
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


_WEEKDAY_NAMES = {
    **dict.fromkeys(["lundi", "monday"], 0),
    **dict.fromkeys(["mardi", "tuesday"], 1),
    **dict.fromkeys(["mercredi", "wednesday"], 2),
    **dict.fromkeys(["jeudi", "thursday"], 3),
    **dict.fromkeys(["vendredi", "friday"], 4),
    **dict.fromkeys(["samedi", "saturday"], 5),
    **dict.fromkeys(["dimanche", "sunday"], 6),
}
_STRONG_ABBREVIATIONS = {"lun": 0, "tue": 1, "tues": 1, "thu": 3, "thur": 3, "thurs": 3, "ven": 4}
_STRONG_ABBREVIATIONS["fri"] = 4
# words of their own too ("la mer", "un jeu", "I sat"): a day only when the context says so;
# "mon" (French "my") is never read as Monday
_WEAK_ABBREVIATIONS = {"mar": 1, "mer": 2, "wed": 2, "jeu": 3, "sam": 5, "sat": 5, "dim": 6}
_WEAK_ABBREVIATIONS["sun"] = 6
_ABBREVIATIONS = {**_STRONG_ABBREVIATIONS, **_WEAK_ABBREVIATIONS}
_WEEKDAY = re.compile(
    rf"\b(?:(?P<name>{'|'.join(_WEEKDAY_NAMES)})s?"
    rf"|(?P<abbr>{'|'.join(sorted(_ABBREVIATIONS, key=len, reverse=True))}))\b\.?"
)
_WEAK_CONTEXT_AFTER = re.compile(
    r"\s*(?:\d|(?:a|at|vers|around)\s+\d|matin|apres-midi|soir|morning|afternoon|evening"
    r"|am\b|pm\b|prochain|next|en huit)"
)
_RANGE_BETWEEN = re.compile(r"^\s*(?:au|a|to|-|jusqu'au|jusqu'a|through|thru|till|until)\s*$")

_NUMBERS = {
    **dict.fromkeys(["un", "une", "one", "a"], 1),
    **dict.fromkeys(["deux", "two"], 2),
    **dict.fromkeys(["trois", "three"], 3),
    **dict.fromkeys(["quatre", "four"], 4),
    **dict.fromkeys(["cinq", "five"], 5),
    **dict.fromkeys(["six"], 6),
    **dict.fromkeys(["huit", "eight"], 8),
    **dict.fromkeys(["dix", "ten"], 10),
    **dict.fromkeys(["quinze", "fifteen"], 15),
}
_COUNT = r"(?P<n>\d{1,2}|" + "|".join(_NUMBERS) + r")"
_SINGLE_DAYS = [  # (pattern, kind, days from today)
    (r"\bapres-demain\b|\bday after tomorrow\b", "day_after_tomorrow", 2),
    (r"\bdemain\b|\btomorrow\b", "tomorrow", 1),
    (
        r"\baujourdhui\b|\btoday\b|\bce jour\b|\btonight\b|\bdans la journee\b"
        r"|\b(?:ce|cet|this) (?:soir|matin|apres-midi|evening|morning|afternoon)\b",
        "today",
        0,
    ),
]
_EARLIEST = re.compile(
    r"\b(?:le plus tot|au plus tot|plus tot possible|des que possible|au plus vite"
    r"|le plus vite|asap|as soon as possible|earliest|soonest|first available|next available"
    r"|premier (?:creneau )?dispo\w*|prochain creneau|prochaine dispo\w*|n'importe quand"
    r"|quand vous voulez|anytime|any time|whenever|peu importe|rapidement|urgent)\b"
)


class _Mention(NamedTuple):
    weekday: int
    negated: bool
    strict: bool  # "prochain" / "next": strictly after today
    week_later: bool  # "en huit"
    start: int
    end: int


def _weekday_mentions(text: str) -> list[_Mention]:
    """Day names in the text, with what is said around them."""
    mentions = []
    for match in _WEEKDAY.finditer(text):
        before, after = text[: match.start()], text[match.end() :]
        abbr = match["abbr"]
        if abbr in _WEAK_ABBREVIATIONS and not _weak_abbreviation_is_a_day(before, after):
            continue
        weekday = _WEEKDAY_NAMES[match["name"]] if match["name"] else _ABBREVIATIONS[abbr]
        strict = bool(
            re.search(r"\b(?:next|prochaine?)\s+$", before)
            or re.match(r"\s*(?:prochaine?\b|qui vient)", after)
        )
        week_later = re.match(r"\s*en huit\b", after) is not None
        said_not = negated(before)
        mentions.append(_Mention(weekday, said_not, strict, week_later, match.start(), match.end()))
    return mentions


def _weak_abbreviation_is_a_day(before: str, after: str) -> bool:
    """ "sam 10h", "ce sam", "jeu matin" or "sam" alone are days; "le jeu de plaquettes" is not."""
    alone = not after.strip() and before.strip() in {"", "le", "ce", "on", "this", "next"}
    context_before = re.search(r"\b(?:ce|this|next|on)\s+$", before) is not None
    return alone or context_before or _WEAK_CONTEXT_AFTER.match(after) is not None


def _occurrence(weekday: int, today: date, strict: bool) -> date:
    """The next `weekday` from today (today included unless `strict`)."""
    ahead = (weekday - today.weekday()) % 7
    return today + timedelta(days=7 if ahead == 0 and strict else ahead)


def horizon(today: date) -> tuple[date, date]:
    """From today over HORIZON_DAYS days: the days meant when no day is named."""
    return today, today + timedelta(days=HORIZON_DAYS - 1)


def _single_day(text: str, today: date) -> Days | None:
    """ "demain", "après-demain", "aujourd'hui", "dans 3 jours"."""
    for pattern, kind, ahead in _SINGLE_DAYS:
        if re.search(pattern, text):
            day = today + timedelta(days=ahead)
            return Days(kind, day, day)
    match = re.search(rf"\b(?:dans|in)\s+{_COUNT}\s+(?:jours?|days?)\b", text)
    if match is not None:
        count = _count(match["n"])
        count = {8: 7, 15: 14}.get(count, count)  # "dans huit jours": a week from today
        day = today + timedelta(days=count)
        return Days("date", day, day)
    return None


def _count(raw: str) -> int:
    return int(raw) if raw.isdigit() else _NUMBERS[raw]


def _week_range(text: str, today: date) -> Days | None:
    """Named weeks: "dans 2 semaines", next week, this week, its end, the weekend, weekdays."""
    monday = today - timedelta(days=today.weekday())
    sunday = monday + timedelta(days=6)
    if match := re.search(rf"\b(?:dans|in)\s+{_COUNT}\s+(?:semaines?|weeks?)\b", text):
        start = monday + timedelta(weeks=_count(match["n"]))
        return Days("week", start, start + timedelta(days=6))
    if re.search(
        r"\bsemaine (?:pro|prochaine?|d'apres|suivante)\b|\bprochaine semaine\b"
        r"|\bnext week\b|\bfollowing week\b|\bweek after\b",
        text,
    ):
        return Days("next_week", monday + timedelta(days=7), sunday + timedelta(days=7))
    if re.search(
        r"\bcette semaine\b|\bdans la semaine\b|\bthis week\b|\bd'ici (?:la )?fin de (?:la )?"
        r"semaine\b|\bavant la fin de (?:la )?semaine\b",
        text,
    ):
        return Days("this_week", today, sunday)
    if re.search(r"\bfin de (?:la )?semaine\b|\bend of (?:the |this )?week\b", text):
        return Days("end_of_week", max(today, monday + timedelta(days=4)), sunday)
    if match := re.search(r"\bweekend\b", text):
        return _weekend(text, match, today)
    if re.search(r"\ben semaine\b|\bon (?:a )?weekdays?\b|\bduring the week\b|\bweekdays\b", text):
        return Days("weekdays", *horizon(today), frozenset(range(5)))
    return None


def _weekend(text: str, match: re.Match[str], today: date) -> Days:
    """ "ce week-end": the coming Saturday..Sunday (today included); "prochain": after today."""
    strict = bool(
        re.search(r"\b(?:next|prochain)\s+$", text[: match.start()])
        or re.match(r"\s*prochain\b", text[match.end() :])
    )
    if today.weekday() == 6 and not strict:
        return Days("weekend", today, today)
    saturday = _occurrence(5, today, strict)
    return Days("weekend", saturday, saturday + timedelta(days=1))


def _month_range(text: str, today: date) -> Days | None:
    """ "le mois prochain", "ce mois-ci", "fin du mois"."""
    end = _month_end(today.year, today.month)
    if re.search(r"\bmois prochain\b|\bnext month\b", text):
        first = end + timedelta(days=1)
        return Days("month", first, _month_end(first.year, first.month))
    if re.search(r"\bfin (?:du|de ce) mois\b|\bend of (?:the |this )?month\b", text):
        return Days("end_of_month", max(today, end - timedelta(days=6)), end)
    if re.search(r"\bce mois-?ci\b|\bthis month\b|\bdans le mois\b", text):
        return Days("month", today, end)
    return _month_only(text, today)


def _earliest(text: str, today: date) -> Days | None:
    """ "le plus tôt possible", "asap", "n'importe quand": every day from today."""
    return Days("earliest", *horizon(today)) if _EARLIEST.search(text) else None


def _weekday_filter(mentions: list[_Mention]) -> frozenset[int] | None:
    """The days named (or all but those said not to be), None when no day is named."""
    said = frozenset(m.weekday for m in mentions if not m.negated)
    if said:
        return said
    unwanted = frozenset(m.weekday for m in mentions)
    return frozenset(range(7)) - unwanted if unwanted else None


def _narrowed(days: Days, weekdays: frozenset[int] | None, single: bool) -> Days:
    """A stretch of days kept to some weekdays ("mardi de la semaine prochaine")."""
    if weekdays is None:
        return days
    count = (days.last - days.first).days + 1
    kept = [
        day
        for day in (days.first + timedelta(days=i) for i in range(count))
        if day.weekday() in weekdays
    ]
    if not kept:
        return days._replace(weekdays=weekdays)
    if single and len(kept) == 1:
        return Days("weekday", kept[0], kept[0])
    return Days(days.kind, kept[0], kept[-1], weekdays)


def _named_weekdays(
    mentions: list[_Mention], text: str, today: date, window_over: bool
) -> Days | None:
    """Day names on their own: the next one(s); "vendredi" said on a Friday: see the module."""
    said = [m for m in mentions if not m.negated]
    if not said:
        weekdays = _weekday_filter(mentions)
        return Days("any_day", *horizon(today), weekdays) if weekdays else None
    if len(said) == 1:
        return _one_weekday(said[0], today, window_over)
    first, second = said[0], said[1]
    start = _occurrence(first.weekday, today, first.strict)
    if _is_range(text, first, second):
        return Days("days", start, start + timedelta(days=(second.weekday - first.weekday) % 7))
    dates = [_occurrence(m.weekday, today, m.strict) for m in said]
    return Days("days", min(dates), max(dates), frozenset(m.weekday for m in said))


def _one_weekday(mention: _Mention, today: date, window_over: bool) -> Days:
    """Its next occurrence; said on that very day, today with next week's as the fallback
    (today's window already over: next week's)."""
    day = _occurrence(mention.weekday, today, mention.strict or mention.week_later)
    day += timedelta(days=7 if mention.week_later else 0)
    if day != today:
        return Days("weekday", day, day)
    later = day + timedelta(days=7)
    if window_over:
        return Days("weekday", later, later)
    return Days("weekday", day, day, fallback=(later, later))


def _is_range(text: str, first: _Mention, second: _Mention) -> bool:
    """ "du lundi au mercredi", "monday to wednesday", "entre lundi et mercredi"."""
    between = text[first.end : second.start]
    if _RANGE_BETWEEN.match(between):
        return True
    return bool(
        re.match(r"^\s*(?:et|and)\s*$", between)
        and re.search(r"\b(?:entre|between)\s+$", text[: first.start])
    )


def read_days(text: str, today: date, window_over: bool) -> Days | None:
    """The days the text names, read in order of precision."""
    single = _single_day(text, today)
    if single is not None:
        return single
    mentions = _weekday_mentions(text)
    stretch = _week_range(text, today) or _month_range(text, today) or _earliest(text, today)
    if stretch is not None:
        said = [m for m in mentions if not m.negated]
        return _narrowed(stretch, _weekday_filter(mentions), single=len(said) == 1)
    return _named_weekdays(mentions, text, today, window_over)
