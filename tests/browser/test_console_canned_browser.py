"""Canned replies in the advisor console, in headless Chromium against the real app: two
browsers, the customer's widget and the advisor's console (the pattern of
test_web_console_browser.py). Set PITLANE_SCREENSHOTS=<dir> to keep screenshots."""

from __future__ import annotations

from core import customers, handoff
from tests.browser.support import BROWSER_MARKS, screenshot
from tests.browser.test_web_console_browser import hook, sign_in
from tests.integration.staff_web_support import units_of_work

pytestmark = BROWSER_MARKS
# data/demo.yaml's French /bonjour, filled for Léa Dupont
GREETING = "Bonjour Léa, je suis votre conseiller Pitlane. Comment puis-je vous aider ?"


def name_the_customer(database_url: str, request_id: int, name: str) -> None:
    """The widget's visitor of that request becomes a known customer called `name`."""
    with units_of_work(database_url) as new_uow:
        request = handoff.get_request(new_uow(), request_id)
        customers.register_customer(
            new_uow(),
            channel=request.channel,
            external_id=request.external_id,
            name=name,
            contact="lea.dupont@example.com",
            language="fr",
        )


def test_slash_a_letter_and_enter_put_the_filled_reply_in_the_composer_and_it_reaches_the_widget(
    browser, app_url: str, seeded_sqlite_url: str
) -> None:
    advisor = browser.new_context(viewport={"width": 1440, "height": 900}, locale="fr-FR")
    console = advisor.new_page()
    errors: list[str] = []
    console.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(console, app_url)
    with console.expect_response(lambda r: r.url.endswith("/api/staff/me/availability")):
        console.locator(".switch").first.click()  # available: customers may now ask

    customer = browser.new_context(locale="fr-FR").new_page()
    customer.goto(app_url)
    customer.get_by_role("button", name="Ouvrir la discussion avec l'assistant Pitlane").click()
    item = console.locator(hook("queue-item"))
    item.wait_for()  # the greeting asked for an advisor (the Rasa stub always does)
    name_the_customer(seeded_sqlite_url, int(item.get_attribute("data-request-id")), "Léa Dupont")
    with console.expect_response(lambda r: r.url.endswith("/canned-replies")) as loaded:
        item.locator(hook("accept")).click()
    assert loaded.value.status == 200  # fetched as the conversation opens

    composer = console.locator(hook("composer-input"))
    composer.click()
    console.keyboard.type("/")
    assert composer.get_attribute("aria-expanded") == "true"
    assert console.locator(hook("canned-option")).count() >= 4  # every French reply
    screenshot(console, "console-canned-list.png")
    console.keyboard.type("b")  # the second keystroke: /bonjour is the only match
    options = console.locator(hook("canned-option"))
    assert options.locator(".canned-title").all_inner_texts() == ["Accueil"]
    assert options.first.get_attribute("data-shortcut") == "bonjour"
    listbox = console.locator(f"#{composer.get_attribute('aria-controls')}")
    assert listbox.get_attribute("role") == "listbox" and composer.get_attribute("role") == (
        "combobox"
    )
    assert composer.get_attribute("aria-activedescendant") == options.first.get_attribute("id")
    assert options.first.get_attribute("aria-selected") == "true"
    screenshot(console, "console-canned-open.png")

    console.keyboard.press("Enter")  # inserts, does not send

    assert composer.input_value() == GREETING
    assert composer.get_attribute("aria-expanded") == "false"
    assert console.locator(f'{hook("message")}[data-role="advisor"]').count() == 0
    console.keyboard.type(" À bientôt.")  # editable before sending
    console.keyboard.press("Enter")  # sends
    console.locator(f'{hook("message")}[data-role="advisor"]').get_by_text("À bientôt.").wait_for()
    customer.get_by_text(GREETING + " À bientôt.").wait_for()  # in the customer's widget
    assert composer.input_value() == ""
    assert errors == []
    advisor.close()
