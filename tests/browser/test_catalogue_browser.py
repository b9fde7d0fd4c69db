"""The test-ride catalogue's admin page in headless Chromium against the real app (no
network): a model is added, edited, deactivated and deleted by clicks, and the page breaks no rule
of the content security policy. Set PITLANE_SCREENSHOTS=<dir> to keep screenshots."""

from __future__ import annotations

from tests.browser.support import (
    BROWSER_MARKS,
    SignedInPage,
    screenshot,
    success_after,
    width_on_a_phone,
)

pytestmark = BROWSER_MARKS


def test_an_admin_edits_the_catalogue_by_clicks(admin_page: SignedInPage) -> None:
    page, base_url, problems = admin_page.page, admin_page.base_url, admin_page.problems

    page.locator('[data-nav="models"]').click()
    page.wait_for_url(f"{base_url}/staff/admin/models")
    assert page.locator('[data-models="list"] tbody tr').count() == 14
    screenshot(page, "catalogue-list.png")

    form = page.locator('[data-models="create"]')
    form.get_by_label("Marque").fill("Royal Enfield")
    form.get_by_label("Modèle", exact=True).fill("Himalayan 450")
    form.get_by_label("Usage").select_option("offroad")
    form.get_by_label("Cylindrée (cm³)", exact=False).fill("452")
    form.get_by_label("Pitlane Bordeaux Lac").check()
    form.get_by_label("Description en français").fill("Trail simple et robuste.")
    assert "Himalayan 450 ajouté" in success_after(
        page, form.get_by_role("button", name="Ajouter au catalogue")
    )
    row = page.locator("tr", has_text="Royal Enfield Himalayan 450")
    assert "Pitlane Bordeaux Lac" in row.inner_text()

    row.get_by_role("link", name="Modifier").click()
    page.locator('[data-models="edit"]').wait_for()
    screenshot(page, "catalogue-edit.png")
    page.get_by_label("Pitlane Lyon Gerland").check()
    success_after(page, page.get_by_role("button", name="Enregistrer"))
    row = page.locator("tr", has_text="Royal Enfield Himalayan 450")
    assert "Pitlane Bordeaux Lac, Pitlane Lyon Gerland" in row.inner_text()

    success_after(page, row.get_by_role("button", name="Désactiver"))
    row = page.locator("tr", has_text="Royal Enfield Himalayan 450")
    assert row.get_attribute("data-active") == "false"
    screenshot(page, "catalogue-after.png")

    row.get_by_role("link", name="Modifier").click()
    success_after(page, page.get_by_role("button", name="Supprimer ce modèle"))
    assert page.locator("tr", has_text="Royal Enfield Himalayan 450").count() == 0

    width = width_on_a_phone(page, f"{base_url}/staff/admin/models", "catalogue-narrow.png")
    assert width <= 390, "the page scrolls sideways on a phone"
    assert problems == []
