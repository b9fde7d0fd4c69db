"""The agencies page in headless Chromium: an admin creates an agency, opens a service and
edits its hours, with no console error; the page fits a phone. PITLANE_SCREENSHOTS=<dir>
keeps screenshots."""

from __future__ import annotations

from tests.browser.support import (
    BROWSER_MARKS,
    SignedInPage,
    screenshot,
    success_after,
    width_on_a_phone,
)

pytestmark = BROWSER_MARKS


def test_an_admin_creates_an_agency_opens_a_service_and_edits_its_hours(
    admin_page: SignedInPage,
) -> None:
    page, base = admin_page.page, admin_page.base_url
    page.goto(f"{base}/staff/admin/agencies")
    screenshot(page, "agencies-list.png")
    form = page.locator('[data-agencies="new"]')
    for label, value in [
        ("Code", "nantes-est"),
        ("Nom", "Pitlane Nantes Est"),
        ("Adresse", "3 rue de la Loire"),
        ("Code postal", "44000"),
        ("Ville", "Nantes"),
        ("Latitude (−90 à 90)", "47,2184"),
        ("Longitude (−180 à 180)", "-1.5536"),
        ("Téléphone", "+33 2 40 00 00 00"),
        ("E-mail", "nantes@pitlane.example"),
    ]:
        form.get_by_label(label, exact=True).fill(value)
    created = success_after(page, form.get_by_role("button", name="Créer l'agence"))

    row = page.locator('[data-service="quick_service"]')
    opened = success_after(page, row.get_by_role("button", name="Ouvrir"))
    hours = page.locator('[data-agencies="hours"]')
    hours.get_by_label("Lundi Matin de").fill("08:30")
    hours.get_by_label("Lundi Matin à").fill("12:00")
    saved = success_after(page, hours.get_by_role("button", name="Enregistrer les horaires"))
    screenshot(page, "agency-desktop.png")
    width = width_on_a_phone(page, f"{base}/staff/admin/agencies/nantes-est", "agency-phone.png")

    assert "Pitlane Nantes Est" in created
    assert "Service rapide" in opened
    assert "Horaires" in saved
    assert page.locator('[data-service="quick_service"][data-state="open"]').count() == 1
    assert hours.get_by_label("Lundi Matin de").input_value() == "08:30"
    assert width <= 390
    assert admin_page.problems == []
