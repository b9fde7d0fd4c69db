"""The invoices page in headless Chromium against the real app (the demo's invoices): the
filters, a PDF link that downloads, a payment recorded by clicks, and no broken rule of the
content security policy. Set PITLANE_SCREENSHOTS=<dir> to keep screenshots."""

from __future__ import annotations

from tests.browser.support import BROWSER_MARKS, screenshot, success_after

pytestmark = BROWSER_MARKS


def test_the_counter_records_a_payment_and_downloads_an_invoice(admin_page) -> None:
    page, base = admin_page.page, admin_page.base_url
    page.goto(f"{base}/staff/invoices")
    rows = page.locator("[data-invoice]")
    assert rows.count() == 4  # the demo: three invoices and a credit note
    screenshot(page, "invoices.png")

    unpaid = page.locator("[data-invoice^='LG-']")
    assert unpaid.locator("[data-status]").get_attribute("data-status") == "unpaid"
    unpaid.get_by_label("Moyen de paiement").select_option("transfer")
    done = success_after(page, unpaid.get_by_role("button", name="Enregistrer le paiement"))
    assert "Paiement de la facture LG-" in done
    paid = page.locator("[data-invoice^='LG-'] [data-status]")
    assert paid.get_attribute("data-status") == "paid" and "Virement" in paid.inner_text()

    page.goto(f"{base}/staff/invoices?status=credit")
    assert page.locator("[data-invoice]").count() == 1
    with page.expect_download() as download:
        page.locator("[data-invoice] a").first.click()
    assert download.value.suggested_filename.startswith("AV-PN-")
    assert admin_page.problems == []
