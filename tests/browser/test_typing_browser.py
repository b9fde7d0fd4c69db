"""Typing indicators in two browsers (issue 17, item 2): the customer's widget and the
advisor's console on one served app, each showing the other typing, and neither once the
message has come. Set PITLANE_SCREENSHOTS=<dir> to keep screenshots."""

from __future__ import annotations

from core import customers
from tests.browser.support import BROWSER_MARKS, screenshot
from tests.integration.staff_web_support import ADVISOR, units_of_work
from tests.integration.widget_support import customer_key

# What the Rasa stub answers: the custom message of `action_request_advisor`.
SHADOW = "document.getElementById('pitlane-widget').shadowRoot"

pytestmark = BROWSER_MARKS


def hook(name: str) -> str:
    return f'[data-console="{name}"]'


def name_the_customer(page, database_url: str, name: str) -> None:
    """The widget's visitor is known as `name` (as after identifying themselves)."""
    token = page.evaluate("() => localStorage.getItem('pitlane.token')")
    key = customer_key(database_url, token)
    with units_of_work(database_url) as new_uow:
        customers.register_customer(
            new_uow(),
            channel="web",
            external_id=key,
            name=name,
            contact="camille@example.com",
            language="fr",
        )


def test_the_customer_and_the_advisor_see_each_other_typing(
    browser, app_url: str, seeded_sqlite_url: str
) -> None:
    advisor = browser.new_context(viewport={"width": 1440, "height": 900}, locale="fr-FR")
    console = advisor.new_page()
    console.goto(f"{app_url}/staff/login")
    console.get_by_label("Adresse e-mail").fill(ADVISOR[0])
    console.get_by_label("Mot de passe").fill(ADVISOR[1])
    console.get_by_role("button", name="Se connecter").click()
    console.locator(f'{hook("connection")}[data-state="online"]').wait_for()
    with console.expect_response(lambda r: r.url.endswith("/api/staff/me/availability")):
        console.locator(".switch").first.click()  # available: customers may now ask

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
    customer = phone.new_page()
    customer.goto(app_url)
    customer.get_by_role("button", name="Ouvrir la discussion avec l'assistant Pitlane").click()
    customer.locator('[data-pitlane="choice"]', has_text="Annuler ma demande").wait_for()
    name_the_customer(customer, seeded_sqlite_url, "Camille Durand")
    console.locator(hook("queue-item")).locator(hook("accept")).click()
    customer.get_by_text("Vous êtes en relation avec Sophie Moreau").wait_for()

    widget_input = customer.locator('[data-pitlane="input"]')
    widget_input.press_sequentially("Bonjour, ma moto", delay=40)
    typing_line = console.locator(hook("typing"))
    console.get_by_text("Camille Durand écrit…").wait_for()
    assert typing_line.get_attribute("role") == "status"
    assert console.locator(hook("tab-typing")).is_visible()
    screenshot(console, "typing-console.png")

    console.locator(hook("composer-input")).press_sequentially("Je regarde", delay=40)
    shown = customer.locator('[data-pitlane="advisor-typing"]')
    shown.wait_for()
    assert shown.inner_text() == "Sophie Moreau écrit…"
    status = customer.locator('[data-pitlane="advisor-typing-status"]')
    assert status.text_content() == "Sophie Moreau écrit…"
    screenshot(customer, "typing-widget.png", full_page=False)

    console.keyboard.press("Enter")  # the advisor's message comes: no more "écrit…"
    customer.get_by_text("Je regarde").wait_for()
    shown.wait_for(state="detached")
    assert status.text_content() == ""
    widget_input.press("Enter")  # the customer's message comes to the console
    console.locator(hook("message")).get_by_text("Bonjour, ma moto").wait_for()
    console.wait_for_function(
        "() => document.querySelector('[data-console=\"typing\"]').textContent === ''"
    )
    assert not console.locator(hook("tab-typing")).is_visible()
    advisor.close()
    phone.close()
