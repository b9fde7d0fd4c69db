"""The planning's part of the demo dataset (issue 16, item 7): where the workshop staff
work, and past bookings (some no-shows, some rated) so the dashboard has weeks to show."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.calendars import parse_opening_hours, week_slots
from core.models import Agency, StaffUser, SurveyResponse
from core.slot_places import get_calendar, reserve_place
from core.staff import clean_email


def tie_staff_agencies(session: Session, data: dict[str, Any]) -> None:
    """`staff_agencies: {email: agency code}`: staff not tied to an agency yet get theirs
    (an agency the database does not have is left out: staff added to a database without
    the demo agencies)."""
    for email, code in (data.get("staff_agencies") or {}).items():
        agency_id = session.scalar(select(Agency.id).where(Agency.code == code))
        if agency_id is None:
            continue
        session.execute(
            update(StaffUser)
            .where(StaffUser.email == clean_email(email), StaffUser.agency_id.is_(None))
            .values(agency_id=agency_id)
            .execution_options(synchronize_session=False)
        )


def add_history(session: Session, data: dict[str, Any], now: datetime, tz: str) -> None:
    """`planning_history`: for each entry, `per_week` past bookings in each of the last
    `weeks` weeks; every `no_show_every`-th one a no-show, the others rated in turn from
    `ratings` (answered the day after). They belong to no demo customer: the customers'
    own histories (vehicle history, my bookings) stay the ones data/demo.yaml tells."""
    for entry in data.get("planning_history") or []:
        calendar = get_calendar(session, entry["agency"], entry["service"])
        hours = parse_opening_hours(calendar.opening_hours)
        ratings = list(entry.get("ratings") or [])
        every = int(entry.get("no_show_every", 0))
        count = 0
        for weeks_back in range(int(entry["weeks"]), 0, -1):
            slots = week_slots(hours, calendar.slot_minutes, now, tz, -weeks_back)
            step = max(1, len(slots) // int(entry["per_week"]))
            for slot in slots[::step][: int(entry["per_week"])]:
                booking = reserve_place(session, calendar, slot, customer_id=None, channel="demo")
                booking.created_at = slot.start_utc - timedelta(days=3)
                count += 1
                if every and count % every == 0:
                    booking.status = "no_show"
                elif ratings:
                    session.flush()
                    session.add(
                        SurveyResponse(
                            booking_id=booking.id,
                            sent_at=slot.end_utc,
                            rating=ratings[count % len(ratings)],
                            answered_at=slot.end_utc + timedelta(days=1),
                        )
                    )
    session.flush()
