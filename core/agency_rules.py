"""What an agency's details must be (issue 16, item 7), checked without the database: the
backoffice's agencies page (core/agencies_admin.py stores them). Each refusal is an
InvalidValue whose code the page translates (`agency_error_<code>`)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import available_timezones

from core.errors import InvalidValue
from core.service_rules import clean_opening_hours
from core.staff_accounts import clean_email
from core.unicode_text import encodable

CODE_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")  # a slug: "paris-nord"
CODE_MIN, CODE_MAX = 2, 40
_POSTCODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{1,19}$")
_PHONE = re.compile(r"^\+?[0-9 .()-]{6,40}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
RANGES_PER_DAY = 2  # an agency's day: a morning and an afternoon (the lunch break between)
TIMEZONES = frozenset(available_timezones())


@dataclass(frozen=True)
class AgencyDetails:
    """Everything an admin gives of an agency but its code (fixed once created)."""

    name: str
    address: str
    postcode: str
    city: str
    latitude: float
    longitude: float
    phone: str
    email: str
    timezone: str


@dataclass(frozen=True)
class AgencyContact:
    """What an agency's manager may change besides its hours."""

    phone: str
    email: str


def clean_code(raw: str) -> str:
    code = str(raw).strip().lower()
    if not CODE_MIN <= len(code) <= CODE_MAX or not CODE_PATTERN.match(code):
        raise InvalidValue(
            "invalid_agency_code", "a code is 2 to 40 letters, digits and single dashes"
        )
    return code


def clean_details(fields: Mapping[str, str]) -> AgencyDetails:
    """The details typed in the form (strings), checked; InvalidValue on the first bad one."""
    contact = clean_contact(fields)
    timezone = str(fields.get("timezone", "")).strip()
    if timezone not in TIMEZONES:
        raise InvalidValue("invalid_timezone", f"unknown time zone {timezone!r}")
    return AgencyDetails(
        name=_line(fields.get("name", ""), "invalid_agency_name", 100),
        address=_line(fields.get("address", ""), "invalid_address", 200),
        postcode=_matching(fields.get("postcode", ""), _POSTCODE, "invalid_postcode"),
        city=_line(fields.get("city", ""), "invalid_city", 100),
        latitude=_coordinate(fields.get("latitude", ""), 90.0, "invalid_latitude"),
        longitude=_coordinate(fields.get("longitude", ""), 180.0, "invalid_longitude"),
        phone=contact.phone,
        email=contact.email,
        timezone=timezone,
    )


def clean_contact(fields: Mapping[str, str]) -> AgencyContact:
    phone = _matching(fields.get("phone", ""), _PHONE, "invalid_phone")
    if sum(ch.isdigit() for ch in phone) < 6:
        raise InvalidValue("invalid_phone", "a phone number has at least 6 digits")
    return AgencyContact(phone=phone, email=clean_email(fields.get("email", "")))


def clean_agency_hours(raw: Any) -> dict[str, list[list[str]]]:
    """An agency's opening hours: at most a morning and an afternoon a day, HH:MM, in order,
    not overlapping; the codes of core.service_rules (invalid_time, interval_order, ...)."""
    hours = clean_opening_hours(raw, 1)
    for day, intervals in hours.items():
        if len(intervals) > RANGES_PER_DAY:
            raise InvalidValue("too_many_intervals", f"{day}: a morning and an afternoon at most")
    return hours


def _line(raw: str, code: str, longest: int) -> str:
    text = " ".join(str(raw).split())
    if not text or len(text) > longest or _CONTROL.search(text) or not encodable(text):
        raise InvalidValue(code, f"expected a text of 1 to {longest} characters")
    return text


def _matching(raw: str, pattern: re.Pattern[str], code: str) -> str:
    text = " ".join(str(raw).split())
    if not pattern.match(text):
        raise InvalidValue(code, f"{text!r} is not valid")
    return text


def _coordinate(raw: str, bound: float, code: str) -> float:
    text = str(raw).strip().replace(",", ".")
    try:
        value = float(text) if len(text) <= 20 else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not -bound <= value <= bound:
        raise InvalidValue(code, f"a number from {-bound:g} to {bound:g} is expected")
    return value
