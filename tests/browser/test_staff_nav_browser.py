"""The staff top bar in headless Chromium at a desktop and a phone width: the menu wraps
cleanly, "sign out" stays on one line and on screen, no link is cut. Screenshots go to
/tmp/shots/polish-*.png for a look."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.support import BROWSER_MARKS
from tests.integration.staff_web_support import ADMIN, MANAGER, MECHANIC
from tests.integration.web_support import served_app, web_settings

SHOTS = Path("/tmp/shots")

pytestmark = BROWSER_MARKS

# For each element: how many lines its text takes, and whether it lies inside the window.
LAYOUT = """
selector => Array.from(document.querySelectorAll(selector)).map(node => {
  const range = document.createRange();
  range.selectNodeContents(node);
  const lines = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
  const box = node.getBoundingClientRect();
  return {
    text: node.textContent.trim(),
    lines: lines.size,
    inside: box.left >= 0 && box.right <= window.innerWidth + 0.5,
  };
})
"""


@pytest.fixture
def base_url(seeded_sqlite_url: str) -> Iterator[str]:
    # development: the longest menu (the outbox link too)
    settings = web_settings(seeded_sqlite_url, "http://127.0.0.1:9", env="development")
    with served_app(settings) as url:
        yield url


@pytest.mark.parametrize("width", [1280, 390])
def test_the_staff_bar_wraps_cleanly_and_keeps_sign_out_whole(
    browser, base_url: str, width: int
) -> None:
    page = browser.new_page(locale="fr-FR", viewport={"width": width, "height": 800})
    page.goto(f"{base_url}/staff/login")
    page.get_by_label("Adresse e-mail").fill(ADMIN[0])
    page.get_by_label("Mot de passe").fill(ADMIN[1])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base_url}/staff/console")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in (("console", "/staff/console"), ("bookings", "/staff/bookings")):
        page.goto(f"{base_url}{path}")
        page.screenshot(path=str(SHOTS / f"polish-{name}-{width}.png"))
        [logout] = page.evaluate(LAYOUT, '[data-console="logout"]')
        links = page.evaluate(LAYOUT, ".bar-nav .bar-link")
        overflow = page.evaluate(
            "() => { const bar = document.querySelector('header.bar');"
            " return bar.scrollWidth - bar.clientWidth; }"
        )
        assert logout == {"text": "Se déconnecter", "lines": 1, "inside": True}, (name, logout)
        # with "Mon compte", "Équipe" (14), "Atelier", "Factures", "Avis", "Planning" and
        # "Tableau de bord" (16), "Agences" (16, agencies), "Réponses types" (17)
        assert len(links) == 22, name
        assert all(link["lines"] == 1 and link["inside"] for link in links), (name, links)
        assert overflow <= 0, (name, overflow)
    page.close()


@pytest.mark.parametrize(
    ("who", "home", "menu"),
    [
        (
            MANAGER,
            "/staff/bookings",
            [
                "Réservations",
                "Atelier",
                "Factures",
                "Satisfaction",
                "Avis",
                "Planning",
                "Tableau de bord",
                "Mon compte",
                "Agences",
            ],
        ),
        (MECHANIC, "/staff/workshop", ["Atelier", "Mon compte"]),
    ],
)
def test_a_manager_and_a_mechanic_land_on_their_page_with_only_their_links(
    browser, base_url: str, who: tuple[str, str], home: str, menu: list[str]
) -> None:
    page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 800})
    page.goto(f"{base_url}/staff/login")
    page.get_by_label("Adresse e-mail").fill(who[0])
    page.get_by_label("Mot de passe").fill(who[1])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base_url}{home}")
    links = [link["text"] for link in page.evaluate(LAYOUT, ".bar-nav .bar-link")]
    assert links == menu
    refused = page.goto(f"{base_url}/staff/console")
    assert refused is not None and refused.status == 403
    page.get_by_role("link", name="Retour à mon espace").click()
    page.wait_for_url(f"{base_url}{home}")
    page.close()
