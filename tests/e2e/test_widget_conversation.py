"""One whole conversation in the website widget, in headless Chromium, against the three
real processes: a road test ride booked by clicking buttons and typing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.chat import REFERENCE, booking
from tests.e2e.conftest import API_TOKEN

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
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
def page(stack) -> Iterator:
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
        page = context.new_page()
        page.set_default_timeout(60_000)
        yield page
        browser.close()


def wait_for_answer(page, count: int) -> None:
    """Wait for a bot message beyond the `count` already shown (the page's CSP forbids eval,
    so no wait_for_function)."""
    page.locator(BOT).nth(count).wait_for()


def click_choice(page, title: re.Pattern | str) -> None:
    count = page.locator(BOT).count()
    page.locator(CHOICE).filter(has_text=title).last.click()
    wait_for_answer(page, count)


def test_a_road_test_ride_is_booked_in_the_widget(stack, page):
    page.goto(stack.config.web_url + "/")
    page.locator('[data-pitlane="launcher"]').click()
    page.locator(CHOICE).filter(has_text="Infos").first.wait_for()

    click_choice(page, "Infos")
    click_choice(page, "Route")
    if page.locator(CHOICE).filter(has_text="Pitlane").count():
        click_choice(page, re.compile("Pitlane"))  # the agency
    click_choice(page, re.compile(r"\d\d:\d\d"))  # the first slot offered
    click_choice(page, "Confirmer")  # under the one-line summary
    for answer in ("Sophie Bernard", "sophie.bernard@example.com"):
        count = page.locator(BOT).count()
        page.locator('[data-pitlane="input"]').fill(answer)
        page.keyboard.press("Enter")
        wait_for_answer(page, count)

    confirmation = page.locator(BOT).filter(has_text=REFERENCE).first
    confirmation.wait_for()
    page.locator(CHOICE).filter(has_text="Menu").last.wait_for()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "e2e-widget-booking.png"))
    texts = page.locator(BOT).all_text_contents()
    reference = next(REFERENCE.search(t).group(0) for t in texts if REFERENCE.search(t))
    assert booking(stack.config.web_url, API_TOKEN, reference)["service"] == "road_test"
    # the confirmation stays in view, followed by one "Menu" button (not the whole menu)
    shown, box = page.locator('[data-pitlane="log"]').bounding_box(), confirmation.bounding_box()
    assert shown["y"] <= box["y"] and box["y"] + box["height"] <= shown["y"] + shown["height"]
    last = page.locator(BOT).last.locator(CHOICE)
    assert last.all_text_contents() == ["Menu"]

    # the language control: the panel's labels and the assistant's replies switch
    count = page.locator(BOT).count()
    page.locator('[data-pitlane="language"]').click()
    wait_for_answer(page, count)
    assert "English" in page.locator(BOT).last.text_content()
    assert page.locator('[data-pitlane="input"]').get_attribute("placeholder") == (
        "Type your message…"
    )
    assert page.locator('[data-pitlane="language"]').text_content() == "FR"

    page.reload()  # the open panel and the conversation are kept across reloads
    page.locator(BOT).filter(has_text=reference).first.wait_for()
    # the language chosen is kept too
    assert page.locator('[data-pitlane="language"]').text_content() == "FR"
