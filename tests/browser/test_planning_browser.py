"""The manager's planning in headless Chromium against the real app (no network): the
manager signs in, sees the week calendar of their agency, moves an incoming request to a free
slot, opens the dashboard (SVG charts, no script) and the page fits a phone. Set
PITLANE_SCREENSHOTS=<dir> to keep screenshots."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.support import BROWSER_MARKS, console_errors, screenshot, width_on_a_phone
from tests.integration.staff_web_support import MANAGER
from tests.integration.test_workshop_pages import customer, diagnostic_booking
from tests.integration.web_support import closed_port, served_app, web_settings

pytestmark = BROWSER_MARKS


@pytest.fixture
def base_url(seeded_sqlite_url: str) -> Iterator[str]:
    settings = web_settings(seeded_sqlite_url, f"http://127.0.0.1:{closed_port()}")
    with served_app(settings) as url:
        yield url


def test_a_manager_moves_a_request_on_the_week_calendar_and_opens_the_dashboard(
    browser, base_url: str, seeded_sqlite_url: str
) -> None:
    customer_id, _ = customer(seeded_sqlite_url, "Camille Martin")
    booking = diagnostic_booking(seeded_sqlite_url, customer_id, {})
    page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 900})
    problems = console_errors(page)
    page.goto(f"{base_url}/staff/login")
    page.get_by_label("Adresse e-mail").fill(MANAGER[0])
    page.get_by_label("Mot de passe").fill(MANAGER[1])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base_url}/staff/bookings")
    page.get_by_role("link", name="Planning").click()
    page.wait_for_url(f"{base_url}/staff/planning")
    assert page.locator(".day-card").count() == 7
    assert page.locator('[data-planning="period"]').inner_text().startswith("Du ")
    page.select_option('select[name="service"]', "diagnostic")
    page.get_by_role("button", name="Filtrer").click()
    request = page.locator(f'[data-request="{booking.reference}"]')
    target = request.locator('select[name="start"] option').nth(1)
    label = target.inner_text()
    request.locator('select[name="start"]').select_option(index=1)
    screenshot(page, "planning-week.png")
    request.get_by_role("button", name="Déplacer").click()
    alert = page.locator(".alert-success")
    alert.wait_for()
    assert booking.reference in alert.inner_text() and label in alert.inner_text()
    assert page.locator(f'[data-request="{booking.reference}"]').count() == 0
    planning_url = f"{base_url}/staff/planning?service=diagnostic"
    phone_width = width_on_a_phone(page, planning_url, "planning-phone.png")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Tableau de bord").click()
    page.wait_for_url(f"{base_url}/staff/dashboard")
    assert page.locator("svg.week-chart").count() == 3
    assert page.locator('[data-dashboard="weeks"] tbody tr').count() == 12
    screenshot(page, "dashboard.png")
    dashboard_phone = width_on_a_phone(page, page.url, "dashboard-phone.png")
    page.close()
    assert phone_width <= 390 and dashboard_phone <= 390
    assert problems == []
