"""The staff's vehicle page in headless Chromium on the demo data: the demo Ducati's history
and readings are shown, a reading going back is refused, a new one is added; the page
breaks no rule of the content security policy. PITLANE_SCREENSHOTS=<dir> keeps screenshots."""

from __future__ import annotations

from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool

from core.models import Vehicle
from tests.browser.support import BROWSER_MARKS, screenshot

pytestmark = BROWSER_MARKS


def test_the_demo_vehicles_page_shows_its_history_and_takes_a_reading(
    admin_page, seeded_sqlite_url
) -> None:
    engine = create_engine(seeded_sqlite_url, poolclass=NullPool)
    with engine.connect() as connection:
        vehicle_id = connection.scalar(select(Vehicle.id).where(Vehicle.plate == "AB-123-CD"))
    engine.dispose()
    page = admin_page.page

    page.goto(f"{admin_page.base_url}/staff/vehicles/{vehicle_id}")
    assert "Ducati Monster 821 (AB-123-CD)" in page.inner_text("[data-vehicle=facts]")
    history = page.inner_text("[data-vehicle=history]")
    assert "Pneu arrière remplacé" in history and "Révision des 24 000 km" in history
    assert "31" in page.inner_text("[data-vehicle=readings]")
    screenshot(page, "vehicle-page.png")

    page.fill("input[name=km]", "30000")
    page.click("[data-vehicle=reading-form] button")
    assert "inférieur à un relevé précédent" in page.inner_text("body")

    page.fill("input[name=km]", "32500")
    page.click("[data-vehicle=reading-form] button")
    assert "Relevé enregistré" in page.inner_text("body")
    assert "32" in page.inner_text("[data-vehicle=readings] tbody tr:first-child")
    screenshot(page, "vehicle-page-reading-added.png")
    # the refused reading answers 422, which Chromium logs; nothing else may be logged
    assert [p for p in admin_page.problems if "422" not in p] == []
