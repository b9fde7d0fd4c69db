"""A customer in the widget asks for an advisor; an advisor logged into the console accepts,
they talk both ways, the advisor closes, and the bot answers the customer again. Two
browser contexts in headless Chromium, against the three real processes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
ADVISOR = ("conseiller@pitlane.example", "advisor-demo-2026")  # demo staff from data/demo.yaml
BOT = '[data-pitlane="bot-message"]'
CHOICE = '[data-pitlane="choice"]'

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="skipped: needs Debian's chromium at /usr/bin/chromium"
    ),
]


@pytest.fixture
def browser(stack) -> Iterator:
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def console(sel: str) -> str:
    return f'[data-console="{sel}"]'


def test_customer_and_advisor_talk_then_the_bot_takes_over_again(stack, browser):
    base = stack.config.web_url
    advisor = browser.new_context(
        viewport={"width": 1280, "height": 860}, locale="fr-FR"
    ).new_page()
    customer = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="fr-FR"
    ).new_page()
    for page in (advisor, customer):
        page.set_default_timeout(60_000)

    # The advisor logs in and says they are available.
    advisor.goto(f"{base}/staff/login")
    advisor.fill("#email", ADVISOR[0])
    advisor.fill("#password", ADVISOR[1])
    advisor.locator('button[type="submit"]').click()
    advisor.locator(console("connection") + '[data-state="online"]').wait_for()
    if not advisor.locator(console("availability")).is_checked():
        advisor.locator(".switch").first.click()
    advisor.wait_for_timeout(500)

    # The customer asks for an advisor with the menu button.
    customer.goto(f"{base}/")
    customer.locator('[data-pitlane="launcher"]').click()
    customer.locator(CHOICE).filter(has_text="conseiller").first.click()
    customer.locator(BOT).filter(
        has_text=re.compile(r"file|attente|position", re.I)
    ).first.wait_for()

    # The request appears live in the console; the advisor accepts it.
    item = advisor.locator(console("queue-item")).first
    item.wait_for()
    item.locator(console("accept")).click()
    advisor.locator(console("conversation")).first.wait_for()
    customer.locator(BOT).filter(has_text="Sophie").first.wait_for()  # told who they talk to

    # Both ways, live; the customer's HTML stays inert in the console.
    customer.locator('[data-pitlane="input"]').fill("Bonjour <b>gras</b> j'ai une question")
    customer.keyboard.press("Enter")
    log = advisor.locator(console("log")).first
    log.locator(console("message-text")).filter(has_text="<b>gras</b>").first.wait_for()
    assert log.locator("b").count() == 0

    advisor.locator(console("composer-input")).first.fill("Bonjour, je suis là pour vous aider.")
    advisor.keyboard.press("Enter")
    customer.locator('[data-pitlane="advisor-message"]').filter(
        has_text="je suis là pour vous aider"
    ).first.wait_for()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    customer.screenshot(path=str(SCREENSHOTS / "e2e-handoff-customer.png"))
    advisor.screenshot(path=str(SCREENSHOTS / "e2e-handoff-console.png"))

    # The advisor closes; the customer is told and the bot answers the next message.
    advisor.on("dialog", lambda dialog: dialog.accept())
    count = customer.locator(BOT).count()
    advisor.locator(console("close")).first.click()
    customer.locator(BOT).nth(count).wait_for()
    assert "assistant" in customer.locator(BOT).nth(count).text_content().lower()
    count = customer.locator(BOT).count()
    customer.locator('[data-pitlane="input"]').fill("bonjour")
    customer.keyboard.press("Enter")
    customer.locator(BOT).nth(count).wait_for()
    customer.locator(CHOICE).filter(has_text="entretien").last.wait_for()  # the bot's menu
