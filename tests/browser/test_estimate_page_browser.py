"""A job's estimate in headless Chromium against the real app (demo data): a mechanic adds
two lines in French decimals and sends the estimate; an advisor records the customer's
approval given at the counter, finishes the job and issues the invoice. The pages fit a phone
and break no rule of the content security policy. PITLANE_SCREENSHOTS=<dir> keeps
screenshots."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.support import BROWSER_MARKS, console_errors, screenshot, success_after
from tests.integration.staff_web_support import ADVISOR, MECHANIC
from tests.integration.test_job_pages import job_of
from tests.integration.web_support import served_app, web_settings

pytestmark = BROWSER_MARKS


@pytest.fixture
def base_url(seeded_sqlite_url: str) -> Iterator[str]:
    with served_app(web_settings(seeded_sqlite_url, "http://127.0.0.1:9")) as url:
        yield url


def signed_in(browser, base_url: str, who: tuple[str, str]):
    page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page.goto(f"{base_url}/staff/login")
    page.get_by_label("Adresse e-mail").fill(who[0])
    page.get_by_label("Mot de passe").fill(who[1])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    return page


def fits_a_phone(page, shot: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, shot
    screenshot(page, shot)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_mechanic_sends_an_estimate_the_counter_approves_it_and_invoices_the_job(
    browser, base_url: str, seeded_sqlite_url: str
) -> None:
    job = job_of(seeded_sqlite_url, "PR-654-ST")  # diagnosing, no estimate yet
    estimate_url = f"{base_url}/staff/jobs/{job.id}/estimate"

    page = signed_in(browser, base_url, MECHANIC)
    problems = console_errors(page)
    page.goto(f"{base_url}/staff/jobs/{job.id}")
    page.locator("[data-job=estimate]").click()
    page.wait_for_url(estimate_url)
    part = page.locator("[data-estimate-form=part]")
    part.get_by_label("Désignation").fill("Durite inférieure de refroidissement")
    part.get_by_label("Quantité").fill("1")
    part.get_by_label("Prix unitaire HT (€)").fill("18,90")
    assert success_after(page, part.get_by_role("button", name="Ajouter")) == "Ligne ajoutée."
    labour = page.locator("[data-estimate-form=labour]")
    labour.get_by_label("Désignation").fill("Remplacement de la durite")
    labour.get_by_label("Heures").fill("0,8")
    labour.get_by_label("Taux horaire HT (€)").fill("68")
    assert success_after(page, labour.get_by_role("button", name="Ajouter")) == "Ligne ajoutée."
    assert page.locator("[data-estimate=lines] tbody tr").count() == 2
    total = page.locator("[data-estimate=total-incl]").inner_text()
    assert total.replace("\u202f", " ").replace("\xa0", " ") == "87,96 €"  # (18,90 + 54,40) × 1,2
    screenshot(page, "estimate-draft.png")
    fits_a_phone(page, "estimate-draft-phone.png")
    done = success_after(page, page.get_by_role("button", name="Envoyer le devis au client"))
    assert done == "Devis envoyé au client."
    assert page.locator("[data-estimate=status]").inner_text() == "Envoyé au client"
    assert page.locator("[data-estimate-form=decision]").count() == 0  # the counter's job
    screenshot(page, "estimate-sent-mechanic.png")
    assert problems == []
    page.close()

    page = signed_in(browser, base_url, ADVISOR)
    problems = console_errors(page)
    page.goto(estimate_url)
    page.get_by_label("Accord reçu au comptoir / par téléphone").select_option("counter")
    done = success_after(page, page.get_by_role("button", name="Le client accepte"))
    assert done == "Réponse du client enregistrée."
    assert "(au comptoir)" in page.locator("[data-estimate=state-detail]").inner_text()
    screenshot(page, "estimate-approved.png")

    page.goto(f"{base_url}/staff/jobs/{job.id}")  # the work is done
    for status in ("Travaux en cours", "Prêt à récupérer"):
        assert success_after(page, page.get_by_role("button", name=status)) == "Statut changé."
    page.locator("[data-job=estimate]").click()
    page.wait_for_url(estimate_url)
    done = success_after(page, page.get_by_role("button", name="Émettre la facture"))
    assert done == "Facture émise."
    assert page.locator("[data-estimate=invoice]").inner_text().startswith("Facture PN-")
    with page.expect_download() as download:
        page.locator("[data-estimate=invoice-pdf]").click()
    assert download.value.suggested_filename.startswith("PN-")
    screenshot(page, "estimate-invoiced.png")
    fits_a_phone(page, "estimate-invoiced-phone.png")
    page.goto(f"{base_url}/staff/jobs/{job.id}")
    assert page.locator("[data-job=invoice]").inner_text().startswith("Facture PN-")
    screenshot(page, "estimate-job-page.png")
    assert problems == []
    page.close()
