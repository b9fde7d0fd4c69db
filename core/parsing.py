"""Values as people type them in a chat, French and English; pure functions, no I/O.

Every parser raises `InvalidValue` with a stable `code` when it cannot understand:
- `parse_year`: "not_a_year", "year_implausible" (outside 1950..next year);
- `parse_past_date`: "not_a_date", "date_future";
- `parse_mileage`: "not_a_mileage", "mileage_negative", "mileage_implausible" (> 1,000,000);
- `parse_person_name`: "not_a_name";
- `parse_usage`: "not_a_usage".

Conventions (documented once, tested in tests/unit/test_parsing.py):
- Text is compared without accents and case, so "été", "ete" and "ÉTÉ" are alike; month
  names tolerate small typos ("fevirer", "setpembre").
- Numeric dates are day first (French/European): "12/09/2024" is 12 September 2024.
- A period without a day ("mars 2023", "l'été dernier", "en 2023", "le mois dernier")
  becomes its middle day (rounded down); when the period is still running, the middle of
  its elapsed part, so the date is never in the future. "début" / "early", "mi" / "mid"
  and "fin" / "late" take the first, middle or last third of the period.
- Relative dates ("il y a 8 mois", "a year ago") keep today's day of month (clamped to the
  month's end). For the one-year rule, "il y a un an" is exactly one year: not overdue.
- Why the middle: the rule is "strictly more than one year ago", and the middle is the
  smallest error either way; the 1st would declare "mai 2024" overdue on 2025-05-02.
- Seasons are meteorological (spring = March..May, summer = June..August, autumn =
  September..November, winter = December..February); "winter 2023" is the one that starts
  in December 2023; "last summer" is the most recent summer already over.
- Two-digit years: "une 19", "my '19", "modèle 19" or a message that is only "19" mean
  2019 (a year up to next year's two digits is 20xx, otherwise 19xx); a two-digit number
  elsewhere in a sentence is not read as a year. "sept 24" is September 2024.
- Mileages are kilometres; miles ("9000 miles", "9000 mi") are converted (1 mi =
  1.609344 km, rounded). "mille"/"milles" is the French thousand.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from core.errors import InvalidValue

MIN_YEAR = 1950
MAX_MILEAGE_KM = 1_000_000
KM_PER_MILE = Decimal("1.609344")


def normalize(text: str) -> str:
    """Lower case, no accents, plain apostrophes and single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.lower().replace("\u2019", "'").replace("`", "'")
    return re.sub(r"\s+", " ", plain).strip()


# --------------------------------------------------------------------------- years

_YEAR_CONTEXT = r"(?:une|un|modele|model|annee|year|from|de|du|a|an|my|ma|mon|the)"
_UNIT_AFTER = (  # a number followed by one of these is a distance or a duration, not a year
    r"\s*(?:km|kms|kilometres?|kilometers?|bornes?|miles?|mi|k|ans?|annees?|years?|yrs?|mois"
    r"|months?|jours?|days?|semaines?|weeks?|euros?|eur)\b"
)


def _two_digit_year(yy: int, today: date) -> int:
    return 2000 + yy if yy <= (today.year + 1) % 100 else 1900 + yy


def parse_year(text: str, today: date) -> int:
    """A vehicle's model year: "une 2019", "c'est une 2017", "my bike is a 2018", "une 19"."""
    norm = normalize(text)
    year: int | None = None
    four = [
        m for m in re.finditer(r"(?<![\d.,])(\d{4})(?![\d.,])", norm) if not _unit_follows(norm, m)
    ]
    if four:
        year = int(four[0].group(1))
    else:
        short = (
            re.fullmatch(r"'?(\d{2})", norm)
            or re.search(rf"\b{_YEAR_CONTEXT}\s+'?(\d{{2}})\b(?![.,/]\d)", norm)
            or re.search(r"(?<![\w])'(\d{2})\b", norm)
        )
        if short and not _unit_follows(norm, short):
            year = _two_digit_year(int(short.group(1)), today)
    if year is None:
        raise InvalidValue("not_a_year", f"no year in {text!r}")
    if not MIN_YEAR <= year <= today.year + 1:
        raise InvalidValue("year_implausible", f"{year} is outside {MIN_YEAR}..{today.year + 1}")
    return year


def _unit_follows(norm: str, match: re.Match[str]) -> bool:
    return re.match(_UNIT_AFTER, norm[match.end() :]) is not None


# --------------------------------------------------------------------------- dates

_MONTHS = {
    **dict.fromkeys(["janvier", "janv", "jan", "january"], 1),
    **dict.fromkeys(["fevrier", "fevr", "fev", "february", "feb"], 2),
    **dict.fromkeys(["mars", "mar", "march"], 3),
    **dict.fromkeys(["avril", "avr", "april", "apr"], 4),
    **dict.fromkeys(["mai", "may"], 5),
    **dict.fromkeys(["juin", "june", "jun"], 6),
    **dict.fromkeys(["juillet", "juil", "july", "jul"], 7),
    **dict.fromkeys(["aout", "aou", "august", "aug"], 8),
    **dict.fromkeys(["septembre", "sept", "sep", "september"], 9),
    **dict.fromkeys(["octobre", "oct", "october"], 10),
    **dict.fromkeys(["novembre", "nov", "november"], 11),
    **dict.fromkeys(["decembre", "dec", "december"], 12),
}
_SEASONS = {  # first month of the meteorological season
    **dict.fromkeys(["printemps", "spring"], 3),
    **dict.fromkeys(["ete", "summer"], 6),
    **dict.fromkeys(["automne", "autumn", "fall"], 9),
    **dict.fromkeys(["hiver", "hivers", "winter"], 12),
}
_LAST = {"dernier", "derniere", "passe", "passee", "last", "previous", "past"}
_THIS = {"cet", "cette", "ce", "this"}
_NUMBER_WORDS = {
    **dict.fromkeys(["un", "une", "one", "a", "an"], 1),
    **dict.fromkeys(["deux", "two", "couple"], 2),
    **dict.fromkeys(["trois", "three"], 3),
    **dict.fromkeys(["quatre", "four"], 4),
    **dict.fromkeys(["cinq", "five"], 5),
    **dict.fromkeys(["six"], 6),
    **dict.fromkeys(["sept", "seven"], 7),
    **dict.fromkeys(["huit", "eight"], 8),
    **dict.fromkeys(["neuf", "nine"], 9),
    **dict.fromkeys(["dix", "ten"], 10),
    **dict.fromkeys(["onze", "eleven"], 11),
    **dict.fromkeys(["douze", "twelve"], 12),
    **dict.fromkeys(["quinze", "fifteen"], 15),
    **dict.fromkeys(["dix-huit", "eighteen"], 18),
    **dict.fromkeys(["vingt", "twenty"], 20),
}
_UNITS = {  # unit word -> (days, months) per unit
    **dict.fromkeys(["jour", "jours", "j", "day", "days", "d"], (1, 0)),
    **dict.fromkeys(["semaine", "semaines", "sem", "week", "weeks", "wk", "wks"], (7, 0)),
    **dict.fromkeys(["mois", "month", "months", "mo"], (0, 1)),
    **dict.fromkeys(["an", "ans", "annee", "annees", "year", "years", "yr", "yrs"], (0, 12)),
}
_QTY = r"(\d+(?:[.,]\d+)?|" + "|".join(sorted(map(re.escape, _NUMBER_WORDS), key=len)[::-1]) + ")"
_UNIT = r"(" + "|".join(sorted(map(re.escape, _UNITS), key=len)[::-1]) + r")\b"
_HALF = r"(\s+(?:et\s+demie?|and\s+a\s+half))?"
_RELATIVE = re.compile(rf"(?<![\w/.-]){_QTY}\s*{_UNIT}{_HALF}")
_FUTURE_HINT = re.compile(
    r"\b(?:dans|in|demain|tomorrow|prochaine?|next|apres[- ]demain)\b|\bd'ici\b"
)
_PAST_HINT = re.compile(r"\b(?:ago|il y a|y a|ya|ilya|depuis|ca fait|fait|back)\b")


def _month_end(year: int, month: int) -> date:
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def _minus_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, _month_end(year, month + 1).day))


class Period(NamedTuple):
    """A stretch of days named without a day ("mars 2023", "l'été dernier", "2023")."""

    start: date
    end: date


_PARTS = [  # "début mars", "fin 2023", "mid-summer": a third of the period
    (re.compile(r"\b(?:debut|early|beginning)\b"), 0),
    (re.compile(r"\b(?:mi|milieu|mid|middle)\b"), 1),
    (re.compile(r"\b(?:fin|late|end)\b"), 2),
]


def _narrowed(period: Period, norm: str) -> Period:
    for pattern, third in _PARTS:
        if pattern.search(norm):
            length = (period.end - period.start).days + 1
            start = period.start + timedelta(days=length * third // 3)
            end = period.start + timedelta(days=length * (third + 1) // 3 - 1)
            return Period(start, end)
    return period


def _middle(period: Period, today: date) -> date:
    """Middle day of a period, or of its elapsed part; future periods are refused."""
    if period.start > today:
        raise InvalidValue("date_future", f"{period.start} is in the future")
    end = min(period.end, today)
    return period.start + timedelta(days=(end - period.start).days // 2)


def _year_of(token: str, today: date) -> int:
    digits = token.lstrip("'")
    return int(digits) if len(digits) == 4 else _two_digit_year(int(digits), today)


def _checked(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise InvalidValue("not_a_date", f"{day}/{month}/{year} does not exist") from exc


def _latest_past(month: int, day: int | None, today: date, strictly_over: bool) -> date | Period:
    """The most recent (day, month) not in the future; a whole month when day is None."""
    for year in (today.year, today.year - 1):
        start = date(year, month, 1)
        end = _month_end(year, month)
        if strictly_over and end >= today:
            continue
        if day is None:
            if start <= today:
                return Period(start, end)
            continue
        candidate = _checked(year, month, day) if day <= end.day else None
        if candidate is not None and candidate <= today:
            return candidate
    raise InvalidValue("not_a_date", f"no past {day}/{month}")


def _numeric_date(norm: str, today: date) -> date | Period | None:
    if m := re.search(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b", norm):
        return _checked(int(m[1]), int(m[2]), int(m[3]))
    if m := re.search(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})\b", norm):
        return _checked(_year_of(m[3], today), int(m[2]), int(m[1]))
    if m := re.search(r"\b(\d{1,2})[-/.](\d{4})\b", norm):
        month, year = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise InvalidValue("not_a_date", f"no month {month}")
        return Period(date(year, month, 1), _month_end(year, month))
    if m := re.search(r"\b(\d{1,2})/(\d{1,2})\b", norm):
        first, second = int(m[1]), int(m[2])
        if 1 <= second <= 12:
            return _latest_past(second, first, today, strictly_over=False)
        if 1 <= first <= 12:  # "09/24": month and two-digit year
            year = _two_digit_year(second, today)
            return Period(date(year, first, 1), _month_end(year, first))
        raise InvalidValue("not_a_date", f"cannot read {m[0]!r}")
    return None


def _relative_date(norm: str, today: date) -> date | None:
    m = _RELATIVE.search(norm)
    if m is None:
        return None
    raw = m[1].replace(",", ".")
    qty = Decimal(_NUMBER_WORDS[raw]) if raw in _NUMBER_WORDS else Decimal(raw)
    if m[3]:
        qty += Decimal("0.5")
    days, months = _UNITS[m[2]]
    future = bool(_FUTURE_HINT.search(norm[: m.start()])) and not _PAST_HINT.search(norm)
    if future:
        raise InvalidValue("date_future", f"{m[0]!r} is ahead")
    if months:
        whole = int((qty * months).to_integral_value(ROUND_HALF_UP))
        return _minus_months(today, whole)
    return today - timedelta(days=int((qty * days).to_integral_value(ROUND_HALF_UP)))


_LAST_YEAR = re.compile(r"\b(?:an|annee) (?:derniere?|passee?)\b|\blast year\b")
_KEYWORDS = [  # (pattern, days back); negative = future
    (r"\bavant[- ]?hier\b|\bday before yesterday\b", 2),
    (r"\bapres[- ]?demain\b|\bday after tomorrow\b", -2),
    (r"\bhier\b|\byesterday\b", 1),
    (r"\bdemain\b|\btomorrow\b", -1),
    (r"\baujourd'?hui\b|\btoday\b|\bce matin\b|\bthis morning\b|\btout a l'heure\b", 0),
    (r"\bsemaine (?:derniere|passee)\b|\blast week\b", 7),
]


def _keyword_date(norm: str, today: date) -> date | Period | None:
    for pattern, back in _KEYWORDS:
        if re.search(pattern, norm):
            if back < 0:
                raise InvalidValue("date_future", "that is ahead")
            return today - timedelta(days=back)
    if re.search(r"\bmois (?:dernier|passe)\b|\blast month\b", norm):
        previous = _minus_months(today.replace(day=1), 1)
        return Period(previous, _month_end(previous.year, previous.month))
    if _LAST_YEAR.search(norm):
        return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    if re.search(r"\bcette annee\b|\bthis year\b", norm):
        return Period(date(today.year, 1, 1), today)
    if re.search(r"\b(?:semaine|mois|annee) prochaine?\b|\bnext (?:week|month|year)\b", norm):
        raise InvalidValue("date_future", "that is ahead")
    return None


def _tokens(norm: str) -> list[str]:
    return re.findall(r"[a-z]+|'?\d+(?:er|st|nd|rd|th)?", norm)


def _fuzzy(token: str, vocabulary: dict[str, int]) -> int | None:
    if token in vocabulary:
        return vocabulary[token]
    if len(token) < 5:
        return None
    long_words = [word for word in vocabulary if len(word) >= 5]
    close = difflib.get_close_matches(token, long_words, n=1, cutoff=0.8)
    return vocabulary[close[0]] if close else None


def _season_date(norm: str, tokens: list[str], today: date) -> date | Period | None:
    for i, token in enumerate(tokens):
        first_month = _fuzzy(token, _SEASONS)
        if first_month is None:
            continue
        if token == "ete" and not re.search(
            r"(?:\bl'|\bcet |\ben |\bcet |\bl )ete\b|\bete (?:dernier|passe|\d{4})", norm
        ):
            continue  # "a ete" is the verb, not the summer
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        before = tokens[i - 1] if i > 0 else ""
        if re.fullmatch(r"\d{4}", after):
            start = date(int(after), first_month, 1)
            return Period(start, _season_end(start))
        last = after in _LAST or before in _LAST
        for year in range(today.year, today.year - 3, -1):
            start = date(year, first_month, 1)
            end = _season_end(start)
            if start > today or (last and end >= today):
                continue
            return Period(start, end)
    return None


def _season_end(start: date) -> date:
    last_month = _minus_months(start, -2)
    return _month_end(last_month.year, last_month.month)


def _month_name_date(norm: str, tokens: list[str], today: date) -> date | Period | None:
    for i, token in enumerate(tokens):
        month = _fuzzy(token, _MONTHS)
        if month is None:
            continue
        before = tokens[i - 1] if i > 0 else ""
        if before == "of" and i > 1:
            before = tokens[i - 2]
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        after2 = tokens[i + 2] if i + 2 < len(tokens) else ""
        day = _day_number(before)
        year: int | None = None
        if day is None and re.fullmatch(r"\d{1,2}(st|nd|rd|th)", after):
            day = _day_number(after)
            after = after2
        elif day is None and re.fullmatch(r"\d{1,2}", after) and re.fullmatch(r"\d{4}", after2):
            day, after = int(after), after2  # "september 12, 2024"
        if re.fullmatch(r"'?\d{4}|'?\d{2}", after):
            year = _year_of(after, today)
        elif _LAST_YEAR.search(norm):
            year = today.year - 1
        last = after in _LAST or before in _LAST
        if year is None:
            return _latest_past(month, day, today, strictly_over=last and day is None)
        if day is None:
            return Period(date(year, month, 1), _month_end(year, month))
        return _checked(year, month, day)
    return None


def _day_number(token: str) -> int | None:
    m = re.fullmatch(r"(\d{1,2})(?:er|st|nd|rd|th)?", token)
    if m and 1 <= int(m[1]) <= 31:
        return int(m[1])
    return None


def _year_only(norm: str, today: date) -> date | Period | None:
    m = re.search(r"(?<![\d.,/-])(\d{4})(?![\d.,/-])", norm)
    if m is None:
        return None
    year = int(m[1])
    if year < MIN_YEAR:
        raise InvalidValue("not_a_date", f"{year} is too long ago")
    return Period(date(year, 1, 1), date(year, 12, 31))


def parse_past_date(text: str, today: date) -> date:
    """A date in the past: "mars 2023", "il y a 8 mois", "l'été dernier", "12/09/2024"."""
    norm = normalize(text)
    tokens = _tokens(norm)
    found = (
        _numeric_date(norm, today)
        or _relative_date(norm, today)
        or _month_name_date(norm, tokens, today)
        or _keyword_date(norm, today)
        or _season_date(norm, tokens, today)
        or _year_only(norm, today)
    )
    if found is None:
        raise InvalidValue("not_a_date", f"no date in {text!r}")
    if isinstance(found, Period):
        found = _middle(_narrowed(found, norm), today)
    if found > today:
        raise InvalidValue("date_future", f"{found} is after {today}")
    if found.year < MIN_YEAR:
        raise InvalidValue("not_a_date", f"{found} is too long ago")
    return found


# --------------------------------------------------------------------------- mileage

_MILEAGE = re.compile(
    r"(?:(?<![\w-])(?P<sign>-\s?))?"
    r"(?P<num>\d{1,3}(?:[ .,']\d{3})+(?!\d)(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
    r"(?:\s*(?P<mult>k(?![a-z])|milles?\b|thousand\b))?"
    r"(?:\s*(?P<unit>kms?\b|kilometres?\b|kilometers?\b|bornes?\b|miles?\b|mi\b))?"
)
_WORD_VALUES = {
    **dict.fromkeys(["zero", "aucun", "none"], 0),
    **{w: v for w, v in _NUMBER_WORDS.items() if w not in {"a", "an", "couple"}},
    **dict.fromkeys(["treize", "thirteen"], 13),
    **dict.fromkeys(["quatorze", "fourteen"], 14),
    **dict.fromkeys(["seize", "sixteen"], 16),
    **dict.fromkeys(["seventeen"], 17),
    **dict.fromkeys(["nineteen"], 19),
    **dict.fromkeys(["vingts"], 20),
    **dict.fromkeys(["trente", "thirty"], 30),
    **dict.fromkeys(["quarante", "forty"], 40),
    **dict.fromkeys(["cinquante", "fifty"], 50),
    **dict.fromkeys(["soixante", "sixty"], 60),
    **dict.fromkeys(["seventy"], 70),
    **dict.fromkeys(["eighty"], 80),
    **dict.fromkeys(["ninety"], 90),
}
_HUNDRED = {"cent", "cents", "hundred"}
_THOUSAND = {"mille", "milles", "thousand"}


def _number_from_words(words: list[str]) -> int | None:
    """'dix mille', 'quinze mille cinq cents', 'twelve thousand': small and forgiving."""
    total = current = 0
    seen = False
    for word in words:
        if word in _WORD_VALUES:
            value = _WORD_VALUES[word]
            if value == 20 and current % 10 == 4 and current % 100 < 10:  # quatre-vingt(s)
                current += 76
            else:
                current += value
            seen = True
        elif word in _HUNDRED:
            current = max(current, 1) * 100
            seen = True
        elif word in _THOUSAND:
            total += max(current, 1) * 1000
            current = 0
            seen = True
        elif word not in {"et", "and"} and seen:
            break
    return total + current if seen else None


def _to_km(value: Decimal, unit: str | None) -> int:
    if unit and unit.startswith("mi") and not unit.startswith("mill"):
        value *= KM_PER_MILE
    return int(value.to_integral_value(ROUND_HALF_UP))


def _inside_code(norm: str, match: re.Match[str]) -> bool:
    """The number is part of a reference or a word ("DV-2099-0003", "AB123", "rs660"), not
    a distance: glued to a letter or digit, or joined to one by - / _ #."""
    before, after = norm[: match.start("num")], norm[match.end() :]
    if re.search(r"[a-z0-9]$|[a-z0-9][-/_#]$", before):
        return True
    return re.match(r"[a-z0-9]|[-/_#][a-z0-9]", after) is not None


def parse_mileage(text: str) -> int:
    """Kilometres: "12 000 km", "12.000", "12,5k", "8k", "15000 bornes", "9000 miles".

    A number that is part of a code ("DV-2099-0003") is no mileage:
    InvalidValue("mileage_in_code") when the text has no other number.
    """
    norm = normalize(text)
    found = list(_MILEAGE.finditer(norm))
    matches = [m for m in found if not _inside_code(norm, m)]
    if found and not matches:
        raise InvalidValue("mileage_in_code", f"{text!r} is a reference, not a mileage")
    if matches:
        m = next((x for x in matches if x["unit"]), matches[0])
        value = _decimal(m["num"])
        if m["mult"]:
            value *= 1000
        if m["sign"]:
            raise InvalidValue("mileage_negative", f"{text!r} is negative")
        unit = m["unit"]
    else:
        words = re.findall(r"[a-z]+", norm.replace("-", " "))
        start = next((i for i, w in enumerate(words) if w in _WORD_VALUES or w in _THOUSAND), None)
        number = _number_from_words(words[start:]) if start is not None else None
        if number == 1 and not set(words) & (_HUNDRED | _THOUSAND):
            number = None  # "une balade" is not one kilometre
        if number is None:
            raise InvalidValue("not_a_mileage", f"no mileage in {text!r}")
        value = Decimal(number)
        unit = "miles" if re.search(r"\bmiles?\b", norm) else None
    km = _to_km(value, unit)
    if km > MAX_MILEAGE_KM:
        raise InvalidValue("mileage_implausible", f"{km} km is too much")
    return km


def _decimal(raw: str) -> Decimal:
    """'12 000', '12.000', '12,000' -> 12000; '12,5', '12.5' -> 12.5."""
    if re.fullmatch(r"\d{1,3}(?:[ .,']\d{3})+", raw):
        return Decimal(re.sub(r"[ .,']", "", raw))
    grouped = re.fullmatch(r"(\d{1,3}(?:[ .,']\d{3})+)[.,](\d+)", raw)
    if grouped:
        return Decimal(re.sub(r"[ .,']", "", grouped[1]) + "." + grouped[2])
    return Decimal(raw.replace(",", "."))


# --------------------------------------------------------------------------- names

_NAME_PREFIX = re.compile(
    r"^(?:je m[’']?appel+e|je suis|moi c[’']?est|c[’']?est|mon nom(?: est)?|nom ?:|"
    r"my name is|my name[’']s|i am|i[’']m|it[’']s|name ?:)\s+",
    re.IGNORECASE,
)


def parse_person_name(text: str) -> str:
    """A name as typed, without "je m'appelle" / "my name is"; letters, spaces, - ' ."""
    name = re.sub(r"\s+", " ", text).strip().strip(".,!")
    name = _NAME_PREFIX.sub("", name).strip()
    letters = sum(c.isalpha() for c in name)
    if (
        letters < 2
        or len(name) > 80
        or not re.fullmatch(r"[^\W\d_]+(?:[ .'\u2019-]+[^\W\d_]+)*\.?", name)
    ):
        raise InvalidValue("not_a_name", f"{text!r} is not a name")
    return name


# --------------------------------------------------------------------------- usage

_USAGES = {
    "road": r"(?<!off-)(?<!off )road|(?<!hors-)(?<!hors )route|routiere?s?|street|ville|city"
    r"|urbain|touring|balade|tourisme",
    "offroad": r"off[- ]?road|hors[- ]route|tout[- ]?terrain|tt|enduro|cross|trail|chemins?"
    r"|terre|dirt|trial",
    "sport": r"sport(?:ive?|if|y)?|piste|track|circuit|racing|course",
}


def parse_usage(text: str) -> str:
    """How the customer rides: "road", "offroad" or "sport" ("tout-terrain", "piste", ...)."""
    norm = normalize(text)
    found = {usage for usage, words in _USAGES.items() if re.search(rf"\b(?:{words})\b", norm)}
    if len(found) != 1:
        raise InvalidValue("not_a_usage", f"no single usage in {text!r}")
    return found.pop()


# --------------------------------------------------------------------------- choices


def match_choice(text: str, choices: dict[str, list[str]]) -> str:
    """The key of the one choice named by `text` (its key or one of its labels, typed loosely).

    An exact match wins; otherwise a label containing the text, or contained in it, when
    only one choice has such a label. InvalidValue("no_match") otherwise.
    """
    typed = normalize(text)
    if not typed:
        raise InvalidValue("no_match", "nothing typed")
    labels = {
        key: {normalize(key), *(normalize(label) for label in names)}
        for key, names in choices.items()
    }
    exact = [key for key, names in labels.items() if typed in names]
    if len(exact) == 1:
        return exact[0]
    loose = [
        key
        for key, names in labels.items()
        if len(typed) >= 3
        and any(len(name) >= 3 and (typed in name or name in typed) for name in names)
    ]
    if len(loose) == 1:
        return loose[0]
    raise InvalidValue("no_match", f"{text!r} names no single choice")


# --------------------------------------------------------------------------- language


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_FR_WORDS = _word_set(
    """le la les un une des du de je j tu il elle nous vous est c suis mon ma mes et ou pour
    avec pas ne oui non merci bonjour bonsoir salut bjr slt cc coucou stp svp moto voiture
    quel quelle quels comment pourquoi veux voudrais voudrait entretien revision rendez rdv
    y mois ans annee dernier derniere hier semaine combien adresse telephone tel numero que
    qui quoi faire fait essai routier piste chemin aide besoin au aux ce cette cet ca sur
    dans depuis environ bornes kilometres beaucoup ouais qu jai cest bien bonne journee
    aussi peux pouvez ete printemps automne hiver avoir votre vos notre"""
)
_EN_WORDS = _word_set(
    """the is are i my you your it to of and or for with not yes no thanks thank hello hi
    hey please pls plz thx what how why want would like bike car ago last month months
    year years yesterday week phone number can do does need book appointment ride
    help address about around miles morning good evening this that there here was
    were have has had just get im whats which when where who bye goodbye sure yeah yep
    nope summer spring autumn winter"""
)
_FR_EXPRESSIONS = re.compile(r"\b(?:il y a|y a|c'est|j'ai|qu'|n'|d'|l')")
_EN_EXPRESSIONS = re.compile(r"\b(?:i'm|it's|don't|can't|what's|i'd|i've)\b")


def detect_language(text: str) -> str | None:
    """'fr' or 'en' from function words, accents and chat words; None when unsure."""
    stripped = text.strip()
    if not stripped or stripped.startswith("/"):
        return None
    fr = sum(c in "éèêàçùûôîëïœ" for c in stripped.lower())
    norm = normalize(stripped)
    fr += len(_FR_EXPRESSIONS.findall(norm))
    en = len(_EN_EXPRESSIONS.findall(norm))
    for word in re.findall(r"[a-z]+", norm):
        fr += word in _FR_WORDS
        en += word in _EN_WORDS
    if fr == en:
        return None
    return "fr" if fr > en else "en"
