"""`GET /api/bookings`: the bookings as JSON, for staff (session) and scripts (bearer token)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import anyio.to_thread
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from backoffice.api.deps import SettingsDep, UowFactoryDep
from backoffice.auth import bookings_reader
from channels.http import http_error as api_error
from core.bookings import BookingView, list_bookings

router = APIRouter(prefix="/api", tags=["bookings"], dependencies=[Depends(bookings_reader)])


class BookingOut(BaseModel):
    reference: str
    service: str
    agency: str
    agency_name: str
    start: datetime
    end: datetime
    customer: str | None
    channel: str
    status: str
    # what the customer told: mileage, description, attachment_ids, quote_number
    details: dict[str, Any] | None = None


_SPACED_OFFSET = re.compile(r"(:\d\d(?:\.\d+)?) (\d\d:?\d\d)$")
_BOUND_HELP = "an ISO date (2025-11-24) or date-time (2025-11-24T09:00, with or without offset)"


@router.get("/bookings", response_model=list[BookingOut])
async def get_bookings(
    settings: SettingsDep,
    uow_factory: UowFactoryDep,
    service: Annotated[str | None, Query(max_length=64, description="service code")] = None,
    agency: Annotated[str | None, Query(max_length=64, description="agency code")] = None,
    start_from: Annotated[str | None, Query(alias="from", description=_BOUND_HELP)] = None,
    start_to: Annotated[str | None, Query(alias="to", description=_BOUND_HELP)] = None,
) -> list[BookingOut]:
    """List bookings; start times in the configured time zone with their UTC offset."""
    tz = ZoneInfo(settings.timezone)
    lower = _parse_bound("from", start_from, tz, end_of_day=False)
    upper = _parse_bound("to", start_to, tz, end_of_day=True)
    if lower and upper and lower > upper:
        raise api_error(422, "invalid_range", "'from' is after 'to'")

    def query() -> list[BookingView]:
        with uow_factory() as uow:
            return list_bookings(
                uow, service=service, agency=agency, start_from=lower, start_to=upper
            )

    views = await anyio.to_thread.run_sync(query)
    return [_render(view, tz) for view in views]


def _render(view: BookingView, tz: ZoneInfo) -> BookingOut:
    return BookingOut(
        reference=view.reference,
        service=view.service,
        agency=view.agency,
        agency_name=view.agency_name,
        start=view.start_utc.astimezone(tz),
        end=view.end_utc.astimezone(tz),
        customer=view.customer_name,
        channel=view.channel,
        status=view.status,
        details=view.details,
    )


def _parse_bound(
    name: str, value: str | None, tz: ZoneInfo, *, end_of_day: bool
) -> datetime | None:
    """An ISO date or date-time filter as an aware UTC datetime (local time when naive).

    A bare date covers the whole local day: `from` starts at its midnight, `to` ends at the
    next midnight.
    """
    if value is None:
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text) + timedelta(days=1 if end_of_day else 0)
            moment = datetime.combine(day, time.min, tzinfo=tz)
        else:
            # An unencoded '+' in a query string arrives as a space: "09:00 01:00".
            text = _SPACED_OFFSET.sub(r"\1+\2", text).replace("Z", "+00:00")
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=tz)
        return moment.astimezone(ZoneInfo("UTC"))
    except (ValueError, OverflowError):
        raise api_error(422, "invalid_" + name, f"'{name}' must be {_BOUND_HELP}") from None
