"""Slot offers shared by the booking and the move of a booking: a typed wish ("vendredi
après-midi", "next week", "samedi vers 10h") read by core.when, and the slots as buttons.

The payloads fill `slot_choice` (`/choose{"slot_choice": "<UTC start>"}`), the last button is
"more times" (`/choose{"slot_choice": "more"}`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from core import i18n
from core.bookings import free_slots
from core.errors import InvalidValue, NotFound
from core.formatting import format_day_span, format_slot
from core.uow import UnitOfWork
from core.when import (
    match_slots,
    nearest_slots,
    parse_time_preference,
    resolve_preference,
    search_range,
)

MORE_SLOTS = "more"  # slot_choice value of the "more times" button
WISHED_SLOTS = 6  # slots offered for a typed wish
UNNAMED_DAYS = ("any_day", "earliest")  # wishes that said no day: the answer names none


def choose_payload(slot: str, value: str) -> str:
    """A button payload that fills one slot: `/choose{"slot_choice":"..."}`."""
    return "/choose" + json.dumps({slot: value}, separators=(",", ":"))


def iso_utc(start: datetime) -> str:
    """'2031-03-04T08:00:00+00:00': the slot_choice value of a slot."""
    return start.astimezone(timezone.utc).isoformat()


def slot_buttons(
    starts: list[datetime], tz: str, language: str, *, more: bool = True
) -> list[dict[str, str]]:
    """One button per slot start, then "more times" when `more`."""
    buttons = [
        {
            "title": format_slot(start, tz, language),
            "payload": choose_payload("slot_choice", iso_utc(start)),
        }
        for start in starts
    ]
    if more:
        buttons.append(
            {
                "title": i18n.text("actions", "more_slots", language),
                "payload": choose_payload("slot_choice", MORE_SLOTS),
            }
        )
    return buttons


def near_wish(start: datetime | None, tz: str) -> str | None:
    """A wish for the time of `start` ("25/11/2025 14:00"), so that the next offer shows the
    free slots nearest to a slot that was just taken. The customer never reads it: it goes
    back to core.when's parser as typed text, so it is one fixed, numeric form, not a
    language's way of writing a date (Babel's)."""
    if start is None:
        return None
    return start.astimezone(ZoneInfo(tz)).strftime("%d/%m/%Y %H:%M")


def is_wish(text: str, now: datetime, tz: str) -> bool:
    """Whether typed text says a day or a time the customer wants."""
    return parse_time_preference(text, now, tz) is not None


@dataclass(frozen=True)
class WishedSlots:
    starts: list[datetime]
    matching: bool  # False: none matches, these are the nearest free ones
    days: tuple[date, date] | None = None  # the local days the wish settled on, if it named any

    def days_text(self, today: date, language: str) -> str:
        """ " le ven. 11 déc." / " on Fri 11 Dec" for the answer, "" when no day was named."""
        if self.days is None:
            return ""
        return " " + format_day_span(*self.days, today, language)


def wished_slots(
    uow: UnitOfWork,
    agency: str,
    service: str,
    wish: str,
    now: datetime,
    tz: str,
    *,
    exclude: tuple[datetime, ...] = (),
) -> WishedSlots | None:
    """The free slots of one calendar matching a typed wish, else the nearest ones; None when
    the wish cannot be read or nothing is free around it."""
    preference = parse_time_preference(wish, now, tz)
    if preference is None:
        return None
    first, last = search_range(preference, now, tz)
    try:
        offers = free_slots(uow, agency, service, now, first, last)
    except (NotFound, InvalidValue):
        return None
    starts = [offer.start_utc for offer in offers if offer.start_utc not in exclude]
    settled = resolve_preference(starts, preference, tz)
    days = None if settled.kind in UNNAMED_DAYS else (settled.first_day, settled.last_day)
    matching = match_slots(starts, settled, tz)[:WISHED_SLOTS]
    if matching:
        return WishedSlots(matching, True, days)
    nearest = nearest_slots(starts, preference, tz, n=WISHED_SLOTS)
    return WishedSlots(nearest, False, days) if nearest else None
