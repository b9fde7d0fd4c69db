"""A human chat from start to end in three browsers: the customer's widget, the advisor's
console and a colleague's (the demo admin). A staff note stays in the consoles, the chat is
transferred to the colleague, the customer ends it from the widget and rates it.

Rasa is a stub that answers every message with the bot's handoff request (the greeting
asks for an advisor). Set PITLANE_SCREENSHOTS=<dir> to keep screenshots."""

from __future__ import annotations

from tests.browser.support import BROWSER_MARKS, screenshot, sign_in_as_admin
from tests.browser.test_web_console_browser import hook, sign_in

pytestmark = BROWSER_MARKS
NOTE = "Client fidèle, geste commercial possible"


def available(console) -> None:
    with console.expect_response(lambda r: r.url.endswith("/api/staff/me/availability")):
        console.locator(".switch").first.click()


def test_a_note_a_transfer_then_the_customer_ends_and_rates_the_chat(browser, app_url: str) -> None:
    advisor = browser.new_context(viewport={"width": 1440, "height": 900}, locale="fr-FR")
    mine = advisor.new_page()
    sign_in(mine, app_url)
    available(mine)
    colleague = browser.new_context(viewport={"width": 1440, "height": 900}, locale="fr-FR")
    theirs = colleague.new_page()
    sign_in_as_admin(theirs, app_url)
    theirs.locator(f'{hook("connection")}[data-state="online"]').wait_for()
    available(theirs)

    customer = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
    widget = customer.new_page()
    widget.goto(app_url)
    widget.get_by_role("button", name="Ouvrir la discussion avec l'assistant Pitlane").click()
    widget.locator('[data-pitlane="choice"]', has_text="Annuler ma demande").wait_for()
    end_bar = widget.locator('[data-pitlane="end-bar"]')
    assert end_bar.is_hidden()

    mine.locator(hook("queue-item")).locator(hook("accept")).click()
    widget.get_by_text("Vous êtes en relation avec Sophie Moreau").wait_for()
    assert end_bar.is_visible()

    # a staff note: in the console's log, never in the widget
    mine.locator(hook("note-mode")).check()
    mine.locator(hook("composer-input")).fill(NOTE)
    mine.locator(hook("send")).click()
    mine.locator(hook("note")).get_by_text(NOTE).wait_for()
    screenshot(mine, "console-note.png")

    # the transfer: only the available colleague can be picked
    mine.locator(hook("transfer")).click()
    target = mine.locator(hook("transfer-target"))
    target.wait_for()
    assert target.locator("option:not([disabled])").all_inner_texts() == ["Marc Lefèvre (0/3)"]
    mine.locator(hook("transfer-note")).fill("Veut un devis pneus")
    screenshot(mine, "console-transfer.png")
    mine.locator(hook("transfer-submit")).click()
    mine.get_by_text("transférée à Marc Lefèvre").wait_for()
    assert mine.locator(hook("conversation")).count() == 0

    theirs.locator(hook("conversation")).wait_for()
    notes = theirs.locator(hook("note"))
    notes.get_by_text("Transférée par Sophie Moreau à Marc Lefèvre").wait_for()
    assert notes.get_by_text(NOTE).count() == 1 and notes.get_by_text("Veut un devis pneus").count()
    widget.get_by_text("Marc Lefèvre reprend la conversation avec vous").wait_for()
    assert widget.locator(".pl-title").inner_text() == "Marc Lefèvre"
    assert widget.get_by_text(NOTE).count() == 0

    # the customer ends the chat from the widget, then rates it
    widget.locator('[data-pitlane="end-chat"]').click()
    widget.get_by_text("Vous avez terminé la conversation avec Marc Lefèvre").wait_for()
    theirs.get_by_text("a terminé la conversation").wait_for()
    assert end_bar.is_hidden()
    screenshot(widget, "widget-rating.png")
    widget.locator('[data-pitlane="choice"]', has_text="4 ★").click()
    widget.get_by_text("Merci pour votre note (4/5) !").wait_for()
    screenshot(widget, "widget-rated.png")
    for context in (advisor, colleague, customer):
        context.close()
