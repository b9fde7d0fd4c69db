"""`GET /api/bookings` shows what the customer told with each booking (`details`)."""

from __future__ import annotations

from datetime import datetime, timezone

from core.bookings import book_slot, offer_slots
from core.db import make_engine, make_session_factory
from core.uow import uow_factory as make_uow_factory
from tests.integration.web_support import API_TOKEN, web_client


def test_each_booking_comes_with_its_details_or_null(seeded_sqlite_url: str) -> None:
    engine = make_engine(seeded_sqlite_url)
    new_uow = make_uow_factory(make_session_factory(engine), timezone="Europe/Paris")
    now = datetime.now(timezone.utc)
    start = offer_slots(new_uow(), "paris-nord", "diagnostic", now).slots[0].start_utc
    details = {"description": "Voyant moteur allumé", "attachment_ids": [7]}
    booking = book_slot(
        new_uow(),
        agency_code="paris-nord",
        service_code="diagnostic",
        start_utc=start,
        customer_id=None,
        channel="web",
        now=now,
        details=details,
    )
    engine.dispose()

    with web_client(seeded_sqlite_url) as client:
        response = client.get("/api/bookings", headers={"Authorization": f"Bearer {API_TOKEN}"})

    assert response.status_code == 200
    shown = {item["reference"]: item["details"] for item in response.json()}
    assert shown[booking.reference] == details
    others = [value for ref, value in shown.items() if ref != booking.reference]
    assert None in others  # a demo booking with nothing told: null
    # the demo's past visits told what they were for
    assert {"description": "Révision des 24 000 km, vidange"} in others
    assert all(value is None or isinstance(value, dict) for value in others)
