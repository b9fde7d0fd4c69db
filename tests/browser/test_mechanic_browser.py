"""A mechanic's day in headless Chromium against the real app (demo data): they sign in, land
on today's jobs, open one, move it to its next status and add a note; the pages fit a phone
and break no rule of the content security policy. PITLANE_SCREENSHOTS=<dir> keeps
screenshots."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.support import BROWSER_MARKS, console_errors, screenshot, success_after
from tests.integration.staff_web_support import MECHANIC
from tests.integration.web_support import served_app, web_settings

pytestmark = BROWSER_MARKS


@pytest.fixture
def base_url(seeded_sqlite_url: str) -> Iterator[str]:
    with served_app(web_settings(seeded_sqlite_url, "http://127.0.0.1:9")) as url:
        yield url


def test_a_mechanic_moves_todays_job_to_its_next_status_and_adds_a_note(
    browser, base_url: str
) -> None:
    page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 900})
    problems = console_errors(page)
    page.goto(f"{base_url}/staff/login")
    page.get_by_label("Adresse e-mail").fill(MECHANIC[0])
    page.get_by_label("Mot de passe").fill(MECHANIC[1])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base_url}/staff/workshop")
    cards = page.locator("[data-planning=list] .job-card")
    assert cards.count() >= 4
    screenshot(page, "mechanic-planning.png")

    received = page.locator(".job-card", has=page.locator('[data-status="received"]'))
    received.get_by_role("link", name="Ducati Monster 821 (AB-123-CD)").click()
    page.wait_for_selector("[data-job=moves]")
    assert page.locator("[data-job=status]").inner_text() == "Reçu"
    assert page.locator("[data-job=photos] img").count() == 0  # this walk-in has none
    done = success_after(page, page.get_by_role("button", name="Diagnostic en cours"))
    assert done == "Statut changé."
    assert page.locator("[data-job=status]").inner_text() == "Diagnostic en cours"
    page.get_by_label("Note", exact=True).fill("Disque avant voilé, plaquettes à 1 mm.")
    done = success_after(page, page.get_by_role("button", name="Enregistrer la note"))
    assert done == "Note ajoutée."
    history = page.locator("[data-job=history] li").first.inner_text()
    assert "Karim Benali" in history and "Disque avant voilé" in history
    screenshot(page, "mechanic-job.png")

    page.set_viewport_size({"width": 390, "height": 844})
    for path, shot in (
        (page.url, "mechanic-job-phone.png"),
        ("/staff/workshop", "mechanic-planning-phone.png"),
    ):
        page.goto(path if path.startswith("http") else f"{base_url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, shot
        screenshot(page, shot)
    assert problems == []
    page.close()
