"""The answers computed from the data rather than written in the knowledge base: opening hours
(from each calendar's service settings, core/service_settings.py), addresses and contact
details (from the agencies and the group's settings). Pure formatting, French and English.

Opening hours are grouped as customers think of them: the workshop (every workshop service's
calendar of the agency, their hours merged) and each kind of test ride. Days with the same
hours are joined ("lun.–ven. 9h–12h et 14h–18h ; sam. 9h–12h"); a closed date of the group
in the coming fortnight is named.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from babel.dates import get_day_names

from core import i18n
from core.calendars import WEEKDAYS
from core.formatting import format_age, format_day, format_number

CLOSURE_HORIZON_DAYS = 14

Hours = Mapping[str, Sequence[Sequence[str]]]  # {"mon": [["09:00", "12:00"], ...]}


@dataclass(frozen=True)
class CalendarFacts:
    """One calendar of an agency: its service and its service settings."""

    service_code: str
    name_fr: str
    name_en: str
    kind: str  # "workshop" | "test_ride"
    opening_hours: Hours
    closed: frozenset[date] = frozenset()


@dataclass(frozen=True)
class AgencyFacts:
    code: str
    name: str
    address: str
    postcode: str
    city: str
    phone: str
    email: str
    calendars: tuple[CalendarFacts, ...] = ()

    @property
    def postal_address(self) -> str:
        return f"{self.address}, {self.postcode} {self.city}"


def lang_of(language: str | None) -> str:
    return "en" if language == "en" else "fr"


def _texts(language: str | None) -> dict[str, str]:
    """The words around the facts: the `facts` context of the catalogues (core/i18n.py)."""
    return i18n.messages("facts", language)


def _day_names(language: str) -> tuple[str, ...]:
    """'lun.' ... 'dim.' / 'Mon' ... 'Sun' (CLDR's abbreviated names, Monday first)."""
    names = get_day_names("abbreviated", locale=language)  # 0 is Monday
    return tuple(names[day] for day in range(7))


def merge_hours(all_hours: Iterable[Hours]) -> dict[str, list[list[str]]]:
    """The union of several calendars' hours: overlapping or touching intervals joined."""
    merged: dict[str, list[list[str]]] = {}
    for hours in all_hours:
        for day, intervals in hours.items():
            merged.setdefault(day, []).extend([str(i[0]), str(i[1])] for i in intervals)
    result: dict[str, list[list[str]]] = {}
    for day in WEEKDAYS:
        joined: list[list[str]] = []
        for start, end in sorted(merged.get(day, [])):  # "HH:MM" sorts as time
            if joined and start <= joined[-1][1]:
                joined[-1][1] = max(joined[-1][1], end)
            else:
                joined.append([start, end])
        if joined:
            result[day] = joined
    return result


def format_time(hhmm: str, language: str | None) -> str:
    """ "09:00" -> "9h" (fr) / "9:00" (en); "09:30" -> "9h30" / "9:30"."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    if lang_of(language) == "en":
        return f"{hours}:{minutes:02d}"
    return f"{hours}h{minutes:02d}" if minutes else f"{hours}h"


def format_week(hours: Hours, language: str | None) -> str:
    """ "lun.–ven. 9h–12h et 14h–18h ; sam. 9h–12h"; days in a row with the same hours are
    one range (three days or more), "fermé" / "closed" without any open day."""
    lang = lang_of(language)
    texts, names = _texts(lang), _day_names(lang)
    runs: list[tuple[int, int, str]] = []  # first day, last day, hours
    for index, day in enumerate(WEEKDAYS):
        intervals = hours.get(day) or []
        if not intervals:
            continue
        spans = texts["and"].join(
            f"{format_time(start, lang)}–{format_time(end, lang)}" for start, end in intervals
        )
        if runs and runs[-1][1] == index - 1 and runs[-1][2] == spans:
            runs[-1] = (runs[-1][0], index, spans)
        else:
            runs.append((index, index, spans))
    parts = []
    for first, last, spans in runs:
        if last - first >= 2:
            parts.append(f"{names[first]}–{names[last]} {spans}")
        else:
            parts.extend(f"{names[day]} {spans}" for day in range(first, last + 1))
    return texts["days"].join(parts) if parts else texts["closed"]


@dataclass(frozen=True)
class HoursGroup:
    """Hours as customers ask for them: the workshop, or one kind of test ride."""

    label: str
    hours: dict[str, list[list[str]]]
    closed: frozenset[date]


def hours_groups(agency: AgencyFacts, language: str | None) -> list[HoursGroup]:
    """The workshop first (its calendars merged, closed only on the dates all are closed),
    then each test ride, in the order of the agency's calendars."""
    lang = lang_of(language)
    workshop = [c for c in agency.calendars if c.kind == "workshop"]
    groups = []
    if workshop:
        closed = frozenset.intersection(*(c.closed for c in workshop))
        hours = merge_hours(c.opening_hours for c in workshop)
        groups.append(HoursGroup(_texts(lang)["workshop"], hours, closed))
    for calendar in agency.calendars:
        if calendar.kind != "workshop":
            name = calendar.name_en if lang == "en" else calendar.name_fr
            groups.append(HoursGroup(name, merge_hours([calendar.opening_hours]), calendar.closed))
    return groups


def group_line(group: HoursGroup, language: str | None, today: date | None) -> str:
    """ "lun.–ven. 9h–12h ; sam. 9h–12h (fermé exceptionnellement le jeu. 27 nov.)"."""
    lang = lang_of(language)
    line = format_week(group.hours, lang)
    if today is not None:
        horizon = today + timedelta(days=CLOSURE_HORIZON_DAYS)
        days = sorted(
            day
            for day in group.closed
            if today <= day <= horizon and WEEKDAYS[day.weekday()] in group.hours
        )
        if days:
            named = _texts(lang)["and"].join(format_day(day, lang) for day in days)
            line += _texts(lang)["closed_on"].format(days=named)
    return line


def agency_hours(agency: AgencyFacts, language: str | None, today: date | None = None) -> str:
    """Every group's hours of one agency, a line each, under the agency's name and address."""
    texts = _texts(language)
    head = texts["hours_of"].format(agency=agency.name, address=agency.postal_address)
    lines = [
        f"• {group.label}{texts['colon']}{group_line(group, language, today)}"
        for group in hours_groups(agency, language)
    ]
    return "\n".join([head, *lines])


def network_hours(
    agencies: Sequence[AgencyFacts], language: str | None, today: date | None = None
) -> str:
    """The workshop hours of every agency (a line each), then how to ask for test rides."""
    texts = _texts(language)
    lines = [texts["hours_all"]]
    for agency in agencies:
        groups = hours_groups(agency, language)
        if groups:
            line = group_line(groups[0], language, today)
            lines.append(f"• {agency.name}{texts['colon']}{line}")
    if any(len(hours_groups(agency, language)) > 1 for agency in agencies):
        lines.append(texts["tests_hint"].format(city=agencies[0].city))
    return "\n".join(lines)


def hours_text(
    agencies: Sequence[AgencyFacts], language: str | None, today: date | None = None
) -> str:
    """One agency: all its hours; several: the workshop hours of each."""
    if len(agencies) == 1:
        return agency_hours(agencies[0], language, today)
    return network_hours(agencies, language, today)


def address_text(agencies: Sequence[AgencyFacts], language: str | None) -> str:
    """ "• Pitlane Lyon Gerland : 15 avenue Tony Garnier, 69007 Lyon · +33 4 65 71 07 07"."""
    colon = _texts(language)["colon"]
    return "\n".join(
        f"• {agency.name}{colon}{agency.postal_address} · {agency.phone}" for agency in agencies
    )


def contact_text(
    phone: str | None, email: str | None, agencies: Sequence[AgencyFacts], language: str | None
) -> str:
    """The group's phone and e-mail, then the agencies' own (when one or two are asked)."""
    texts = _texts(language)
    lines = []
    if phone and email:
        lines.append(texts["contact"].format(phone=phone, email=email))
    lines.extend(
        f"• {agency.name}{texts['colon']}{agency.phone} · {agency.email}" for agency in agencies
    )
    return "\n".join(lines)


def visit_1000_text(min_km: int, max_km: int, max_age_days: int, language: str | None) -> str:
    """Who may have the 1000 km visit, from the group's rule (/staff/admin/rules)."""
    texts = _texts(language)
    age = texts["age_of"].format(age=format_age(max_age_days, language))
    return texts["visit_1000"].format(
        min_km=format_number(min_km, language),
        max_km=format_number(max_km, language),
        age=texts["one_year"] if max_age_days in (365, 366) else age,
    )
