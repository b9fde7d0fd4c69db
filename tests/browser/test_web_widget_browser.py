"""The widget in headless Chromium against the real app (Rasa down: the hub answers)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.support import BROWSER_MARKS, screenshot
from tests.integration.web_support import closed_port, served_app, web_settings

BOT = '[data-pitlane="bot-message"]'
USER = '[data-pitlane="user-message"]'

pytestmark = BROWSER_MARKS


@pytest.fixture
def base_url(seeded_sqlite_url: str) -> Iterator[str]:
    """The web app served by uvicorn on a free local port, in a thread (Rasa unreachable)."""
    with served_app(web_settings(seeded_sqlite_url, f"http://127.0.0.1:{closed_port()}")) as url:
        yield url


def test_opens_greets_keeps_the_conversation_across_a_reload_and_forgets_it_on_demand(
    browser, base_url: str
) -> None:
    page = browser.new_page(locale="fr-FR")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(base_url)

    page.get_by_role("button", name="Ouvrir la discussion avec l'assistant Pitlane").click()
    bot = page.locator(BOT)
    bot.first.wait_for()  # the greeting was sent by the widget; Rasa is down
    assert "indisponible" in bot.first.inner_text()

    page.get_by_label("Votre message").fill("Je voudrais un essai <b>moto</b>")
    page.keyboard.press("Enter")
    page.locator(BOT).nth(1).wait_for()
    user_text = page.locator(USER).last.inner_text()
    assert user_text.endswith("Je voudrais un essai <b>moto</b>")  # shown as text, not HTML

    page.reload()
    page.locator(USER).first.wait_for()  # the panel stays open
    assert page.locator(BOT).count() == 2
    screenshot(page, "widget-after-reload.png")  # PITLANE_SCREENSHOTS=<folder>

    token = page.evaluate("localStorage.getItem('pitlane.token')")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Oublier cet appareil").click()
    page.wait_for_function(
        "t => { const v = localStorage.getItem('pitlane.token'); return v && v !== t; }",
        arg=token,
    )  # revoked, then a new identity
    page.locator(USER).first.wait_for(state="detached")
    page.locator(BOT).first.wait_for()  # a new conversation, greeted again
    assert page.locator(USER).count() == 0 and page.locator(BOT).count() == 1
    assert errors == []


def test_takes_the_whole_screen_on_a_phone_and_speaks_english(browser, base_url: str) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="en-US")
    page.goto(base_url)

    page.get_by_role("button", name="Open the chat with the Pitlane assistant").click()
    page.locator(BOT).first.wait_for()

    page.wait_for_timeout(400)  # the panel's opening animation

    box = page.locator(".pl-panel").bounding_box() or {}
    assert {key: round(value) for key, value in box.items()} == {
        "x": 0,
        "y": 0,
        "width": 390,
        "height": 844,
    }
    assert "unavailable" in page.locator(BOT).first.inner_text()
    assert page.get_by_label("Your message").get_attribute("maxlength") == "2000"


FOCUSED = "(() => { const a = document.getElementById('pitlane-widget').shadowRoot.activeElement;"
FOCUSED += " return a ? a.getAttribute('data-pitlane') : null; })()"


def test_the_keyboard_stays_in_the_panel_after_a_reply_button_and_escape_closes_it(
    browser, base_url: str
) -> None:
    """WAI-ARIA dialog pattern: a reply button chosen with the keyboard is disabled with the
    others, the focus goes back to the input (not to the page), and Escape still closes the
    panel and gives the focus back to the launcher."""
    page = browser.new_page(locale="fr-FR")
    page.goto(base_url)
    page.get_by_role("button", name="Ouvrir la discussion avec l'assistant Pitlane").click()
    page.locator(BOT).first.wait_for()
    assert page.evaluate(FOCUSED) == "input"

    page.get_by_label("Votre message").fill("/pas_un_choix")  # the hub offers the menu back
    page.keyboard.press("Enter")
    choice = page.locator('[data-pitlane="choice"]:enabled').first
    choice.wait_for()
    choice.focus()
    page.keyboard.press("Enter")  # chosen with the keyboard
    page.locator(USER).nth(1).wait_for()
    assert page.locator('[data-pitlane="choice"]:enabled').count() == 0
    assert page.evaluate(FOCUSED) == "input"

    page.keyboard.press("Escape")
    page.locator('[data-pitlane="panel"]').wait_for(state="hidden")
    assert page.evaluate(FOCUSED) == "launcher"
    page.keyboard.press("Enter")  # the launcher opens it again
    page.locator('[data-pitlane="panel"]').wait_for(state="visible")
    assert page.evaluate(FOCUSED) == "input"
