"""Automated accessibility checks (axe-core, from npm: package.json's devDependencies) of the
widget and the advisor console in headless Chromium: no violation of "serious" or
"critical" impact. axe reads the widget inside its open shadow root."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.support import BROWSER_MARKS
from tests.browser.test_web_console_browser import customer_says, hook, sign_in

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BOT = '[data-pitlane="bot-message"]'

pytestmark = BROWSER_MARKS


def new_page(browser, **options):
    """A page whose Content-Security-Policy lets the test inject axe (the app's own pages
    allow no inline script)."""
    return browser.new_context(bypass_csp=True, locale="fr-FR", **options).new_page()


def serious_violations(page, context: object) -> list[str]:
    """axe-core's violations of serious or critical impact in `context`, one line each."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make venvs` installs the npm packages (npm ci)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "ctx => axe.run(ctx, { resultTypes: ['violations'] })",
        context,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_the_widget_open_with_reply_buttons_has_no_serious_violation(browser, app_url: str) -> None:
    page = new_page(browser)
    page.goto(app_url)
    launcher = page.locator('[data-pitlane="launcher"]')
    assert serious_violations(page, {"include": [["#pitlane-widget"]]}) == []  # closed

    launcher.click()
    page.locator(BOT).first.wait_for()
    page.get_by_label("Votre message").fill("/pas_un_choix")  # the menu's buttons come back
    page.keyboard.press("Enter")
    page.locator('[data-pitlane="choice"]:enabled').first.wait_for()
    page.wait_for_timeout(400)  # the panel's animation

    assert serious_violations(page, {"include": [["#pitlane-widget"]]}) == []


def test_the_advisor_console_with_a_request_has_no_serious_violation(browser, app_url: str) -> None:
    page = new_page(browser, viewport={"width": 1440, "height": 900})
    sign_in(page, app_url)
    with page.expect_response(lambda r: r.url.endswith("/api/staff/me/availability")):
        page.locator(".switch").first.click()  # available: customers may now ask
    customer_says(app_url, "a11y-1", "je veux parler à un conseiller")
    page.locator(hook("queue-item")).wait_for()

    assert serious_violations(page, "body") == []
