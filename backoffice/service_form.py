"""The service settings form (backoffice/service_pages.py) read and written: the fields as
typed, the pending settings carried by the choice form, and the typed settings they make."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from backoffice.workshop_layout import Catalogue
from core.calendars import WEEKDAYS
from core.errors import InvalidValue
from core.service_settings import CalendarSettings

RANGES = 2  # time ranges per weekday in the form
MAX_CLOSED_FIELDS = 400


@dataclass(frozen=True)
class FormValues:
    """The form as typed (strings), to show it again as it was."""

    capacity: str
    staff_count: str
    slot_minutes: str
    hours: dict[str, list[tuple[str, str]]]
    closed: list[str]


def chosen_calendar(raw: str, known: Catalogue) -> tuple[str, str] | None:
    """(agency, service) from "agency:service"; the first calendar when empty; None if unknown."""
    if not raw or raw == ":":
        for agency in sorted(known.offered, key=known.agency_name):
            return agency, known.offered[agency][0]
        return None
    agency, _, service = raw.partition(":")
    return (agency, service) if service in known.offered.get(agency, []) else None


def values_from_fields(fields: dict[str, str]) -> FormValues:
    hours = {
        day: [
            (fields.get(f"{day}_{n}_start", "").strip(), fields.get(f"{day}_{n}_end", "").strip())
            for n in range(1, RANGES + 1)
        ]
        for day in WEEKDAYS
    }
    closed = [
        fields[f"closed_{i}"]
        for i in range(MAX_CLOSED_FIELDS)
        if f"closed_{i}" in fields and f"remove_{i}" not in fields
    ]
    added = fields.get("closed_new", "").strip()
    if added:
        closed.append(added)
    return FormValues(
        capacity=fields.get("capacity", "").strip(),
        staff_count=fields.get("staff_count", "").strip(),
        slot_minutes=fields.get("slot_minutes", "").strip(),
        hours=hours,
        closed=closed,
    )


def pending_values(raw: str) -> FormValues:
    """The settings carried by the choice form (JSON written by the conflict page)."""
    try:
        data = json.loads(raw)
        hours = {day: [(str(s), str(e)) for s, e in data["hours"].get(day, [])] for day in WEEKDAYS}
        return FormValues(
            str(data["capacity"]),
            str(data["staff_count"]),
            str(data["slot_minutes"]),
            hours,
            [str(d) for d in data["closed"]],
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidValue("invalid_opening_hours", "the pending settings are unreadable") from exc


def typed_settings(values: FormValues) -> CalendarSettings:
    """The typed settings of the form; InvalidValue with the core's codes."""
    hours: dict[str, list[list[str]]] = {}
    for day, ranges in values.hours.items():
        kept = []
        for start, end in ranges:
            if not start and not end:
                continue
            if not start or not end:
                raise InvalidValue("invalid_time", f"{day}: a range needs a start and an end")
            kept.append([start[:5], end[:5]])
        if kept:
            hours[day] = kept
    closed = []
    for text in values.closed:
        try:
            closed.append(date.fromisoformat(text.strip()))
        except ValueError as exc:
            raise InvalidValue("invalid_closed_date", f"not a date: {text!r}") from exc
    return CalendarSettings(
        capacity=whole_number(values.capacity, "invalid_capacity"),
        staff_count=whole_number(values.staff_count, "invalid_staff_count"),
        slot_minutes=whole_number(values.slot_minutes, "invalid_slot_minutes"),
        opening_hours=hours,
        closed_dates=closed,
    )


def whole_number(text: str, code: str) -> int:
    if not text.isdigit() or len(text) > 4:
        raise InvalidValue(code, "a whole number is expected")
    return int(text)


def values_of(settings: CalendarSettings) -> FormValues:
    hours = {
        day: [tuple(r) for r in settings.opening_hours.get(day, [])][:RANGES] for day in WEEKDAYS
    }
    return FormValues(
        str(settings.capacity),
        str(settings.staff_count),
        str(settings.slot_minutes),
        {day: [(s, e) for s, e in ranges] for day, ranges in hours.items()},
        [d.isoformat() for d in settings.closed_dates],
    )


def pending_json(values: FormValues) -> str:
    return json.dumps(
        {
            "capacity": values.capacity,
            "staff_count": values.staff_count,
            "slot_minutes": values.slot_minutes,
            "hours": {
                day: [list(r) for r in ranges if any(r)] for day, ranges in values.hours.items()
            },
            "closed": values.closed,
        },
        separators=(",", ":"),
    )
