"""The staff's vehicle history API and page on the demo data (the Ducati AB-123-CD has two
past visits, three readings and reminders on): a mechanic reads it, a reading going back is
refused and changes nothing, an unknown vehicle is 404, output is escaped."""

from __future__ import annotations

from sqlalchemy import create_engine, select, update
from sqlalchemy.pool import NullPool

from core.models import Booking, Vehicle
from tests.integration.staff_web_support import MECHANIC, login
from tests.integration.web_support import web_client


def demo_vehicle(url: str) -> int:
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        vehicle_id = connection.scalar(select(Vehicle.id).where(Vehicle.plate == "AB-123-CD"))
        connection.execute(  # a description a customer typed, to be escaped on the page
            update(Booking)
            .where(Booking.details["description"].as_string() == "Pneu arrière remplacé")
            .values(details={"description": "<script>alert(1)</script> pneu"})
        )
    engine.dispose()
    return vehicle_id


def test_a_mechanic_reads_the_history_and_a_reading_going_back_is_refused(seeded_sqlite_url):
    vehicle_id = demo_vehicle(seeded_sqlite_url)
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, MECHANIC)
        found = client.get(f"/api/vehicles/{vehicle_id}/history").json()
        refused = client.post(
            f"/api/vehicles/{vehicle_id}/readings", json={"km": 100}, headers={"X-CSRF-Token": csrf}
        )
        added = client.post(
            f"/api/vehicles/{vehicle_id}/readings",
            json={"km": 40_000},
            headers={"X-CSRF-Token": csrf},
        )
        after = client.get(f"/api/vehicles/{vehicle_id}/history").json()
        unknown = client.get("/api/vehicles/999999/history")
        page = client.get(f"/staff/vehicles/{vehicle_id}")

    assert found["vehicle"] == "Ducati Monster 821 (AB-123-CD)"
    assert found["owner_first_name"] == "Camille" and found["year"] == 2019
    # the demo's returned job (its invoice) and its two past visits, newest first
    assert [e["kind"] for e in found["entries"]] == ["job", "visit", "visit"]
    assert [r["km"] for r in found["readings"]] == [31_900, 28_300, 24_100]
    assert found["latest_km"] == 31_900 and found["last_service"] is not None
    assert found["next_service_due"] is not None and found["reminder"]["active"] is True
    assert (
        refused.status_code == 422 and refused.json()["error"]["code"] == "mileage_below_previous"
    )
    assert added.status_code == 201 and added.json()["source"] == "staff"
    assert [r["km"] for r in after["readings"]] == [40_000, 31_900, 28_300, 24_100]
    assert unknown.status_code == 404
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt; pneu" in page.text
    assert "<script>alert(1)" not in page.text
