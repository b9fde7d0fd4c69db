"""Two-factor sign-in in headless Chromium (issue 14, item 8): an admin required to enrol is
sent to enrolment, scans (reads) the key, confirms, keeps the recovery codes, signs out, and
signs in again with the password then the code. Screenshots: /tmp/shots/totp-*.png."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest

from tests.browser.support import BROWSER_MARKS
from tests.integration.staff_web_support import ADMIN
from tests.integration.web_support import served_app, web_settings

SHOTS = Path("/tmp/shots")
pytestmark = BROWSER_MARKS


@pytest.fixture
def base_url(seeded_sqlite_url: str) -> Iterator[str]:
    settings = web_settings(seeded_sqlite_url, "http://127.0.0.1:9", staff_totp_required=True)
    with served_app(settings) as url:
        yield url


def test_an_admin_enrols_then_signs_in_with_a_code(browser, base_url: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(locale="fr-FR", viewport={"width": 1200, "height": 900})
    page.goto(f"{base_url}/staff/login")
    page.get_by_label("Adresse e-mail").fill(ADMIN[0])
    page.get_by_label("Mot de passe").fill(ADMIN[1])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base_url}/staff/account/totp")  # sent to enrolment first

    page.get_by_role("button", name="Configurer").click()
    assert page.locator('[data-console="totp-qr"] svg').count() == 1
    secret = page.locator('[data-console="totp-secret"]').inner_text().strip()
    page.screenshot(path=str(SHOTS / "totp-enrol.png"))
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code à 6 chiffres").fill(totp.now())
    page.get_by_role("button", name="Activer").click()
    assert page.locator('[data-console="recovery-codes"] li').count() == 10
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(f"{base_url}/staff/login")

    page.get_by_label("Adresse e-mail").fill(ADMIN[0])
    page.get_by_label("Mot de passe").fill(ADMIN[1])
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Code", exact=True).wait_for()
    page.screenshot(path=str(SHOTS / "totp-login-code.png"))
    page.get_by_label("Code", exact=True).fill(totp.at(time.time() + 30))  # a later step
    page.get_by_role("button", name="Vérifier").click()
    page.wait_for_url(f"{base_url}/staff/console")
