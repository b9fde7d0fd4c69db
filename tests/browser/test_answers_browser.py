"""The knowledge base's admin page in headless Chromium against the real app (no network): an
answer is tried, added, edited, deactivated and deleted by clicks, and the page breaks no
rule of the content security policy. Set PITLANE_SCREENSHOTS=<dir> to keep screenshots."""

from __future__ import annotations

from tests.browser.support import (
    BROWSER_MARKS,
    SignedInPage,
    screenshot,
    success_after,
    width_on_a_phone,
)

pytestmark = BROWSER_MARKS


def test_an_admin_edits_the_answers_by_clicks(admin_page: SignedInPage) -> None:
    page, base_url, problems = admin_page.page, admin_page.base_url, admin_page.problems

    page.locator('[data-nav="answers"]').click()
    page.wait_for_url(f"{base_url}/staff/admin/answers")
    assert page.locator('[data-answers="list"] tbody tr').count() == 14

    page.get_by_label("Question d'un client").fill("c'est quoi le contrôle 1000 km ?")
    page.get_by_role("button", name="Voir la réponse").click()
    page.locator(".answer-result").wait_for()
    assert page.locator(".answer-result").get_attribute("data-tried") == "visit_1000"
    assert "entre 500 et 1" in page.locator(".answer-result").inner_text()
    screenshot(page, "answers-list.png")

    form = page.locator('[data-answers="create"]')
    form.get_by_label("Sujet").fill("parking")
    form.get_by_label("Pour").select_option("lyon-gerland")
    form.get_by_label("Mots-clés (un par ligne)").fill("parking\nse garer\nwhere to park")
    form.get_by_label("Réponse en français").fill("Parking souterrain, 2 h offertes.")
    form.get_by_label("Réponse en anglais").fill("Underground car park, 2 hours free.")
    assert "« parking » ajoutée" in success_after(
        page, form.get_by_role("button", name="Ajouter la réponse")
    )
    row = page.locator("tr", has_text="parking")
    assert "Pitlane Lyon Gerland" in row.inner_text()

    row.get_by_role("link", name="Modifier").click()
    page.locator('[data-answers="edit"]').wait_for()
    screenshot(page, "answers-edit.png")
    page.get_by_label("Pour").select_option("")
    success_after(page, page.get_by_role("button", name="Enregistrer"))
    row = page.locator("tr", has_text="parking")
    assert "Tout le réseau" in row.inner_text()

    success_after(page, row.get_by_role("button", name="Désactiver"))
    row = page.locator("tr", has_text="parking")
    assert row.get_attribute("data-active") == "false"

    row.get_by_role("link", name="Modifier").click()
    success_after(page, page.get_by_role("button", name="Supprimer cette réponse"))
    assert page.locator("tr", has_text="parking").count() == 0

    width = width_on_a_phone(
        page, f"{base_url}/staff/admin/answers?q=horaires+de+Lyon", "answers-narrow.png"
    )
    assert width <= 390, "the page scrolls sideways on a phone"
    assert problems == []
