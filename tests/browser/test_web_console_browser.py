"""The advisor console in headless Chromium against the real app.

Rasa is a stub that answers every message with the bot's handoff request, so a customer
writing on the REST channel asks for an advisor; the console must show it live, and show
every customer text as text. Set PITLANE_SCREENSHOTS=<dir> to keep screenshots.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.browser.support import BROWSER_MARKS, screenshot
from tests.integration.staff_web_support import ADMIN, ADVISOR, staff_id
from tests.integration.web_support import REST_AUTH, served_app, web_settings

HOSTILE = "<script>alert(1)</script><b>x</b>"
# What the Rasa stub answers: the custom message of `action_request_advisor`.

pytestmark = BROWSER_MARKS


def hook(name: str) -> str:
    return f'[data-console="{name}"]'


def customer_says(app_url: str, sender: str, text: str) -> list[dict]:
    response = httpx.post(
        f"{app_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        headers=REST_AUTH,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def sign_in(page, app_url: str) -> None:
    page.goto(f"{app_url}/staff/login")
    screenshot(page, "console-login.png")
    page.get_by_label("Adresse e-mail").fill(ADVISOR[0])
    page.get_by_label("Mot de passe").fill(ADVISOR[1])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{app_url}/staff/console")
    page.locator(f'{hook("connection")}[data-state="online"]').wait_for()


def test_a_request_appears_live_and_customer_html_stays_inert(browser, app_url: str) -> None:
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="fr-FR")
    errors: list[str] = []
    dialogs: list[tuple[str, str]] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda d: (dialogs.append((d.type, d.message)), d.accept()))
    sign_in(page, app_url)
    assert page.locator(hook("queue-empty")).is_visible()

    with page.expect_response(lambda r: r.url.endswith("/api/staff/me/availability")) as put:
        page.locator(".switch").first.click()  # available: customers may now ask
    assert put.value.status == 200

    sender = "browser-customer-1"
    answer = customer_says(app_url, sender, HOSTILE)
    assert "1" in answer[0]["text"]  # told their place in the queue

    item = page.locator(hook("queue-item"))
    item.wait_for()  # no reload: the socket pushed the new queue
    assert page.locator(hook("queue-count")).inner_text() == "1"
    preview = item.locator(hook("message-text")).first
    assert preview.inner_text() == HOSTILE
    assert page.locator(f"{hook('queue')} b").count() == 0
    waited = item.locator(hook("waiting")).inner_text()
    page.wait_for_timeout(2500)
    assert item.locator(hook("waiting")).inner_text() != waited  # the waiting time ticks
    screenshot(page, "console-queue.png")

    item.locator(hook("refuse")).click()  # the advisor is told the reason reaches the customer
    hint = item.locator(hook("refuse-hint"))
    assert hint.inner_text() == "Le client lira ce motif tel quel, dans sa conversation."
    assert item.locator(hook("refuse-reason")).get_attribute("aria-describedby") == (
        hint.get_attribute("id")
    )
    item.locator(hook("refuse-cancel")).click()

    item.locator(hook("accept")).click()
    conversation = page.locator(hook("conversation"))
    conversation.wait_for()
    page.locator(hook("queue-empty")).wait_for()

    customer_says(app_url, sender, "Et aussi <img src=x onerror=alert(2)> merci")
    last_customer = conversation.locator(f'{hook("message")}[data-role="customer"]').last
    last_customer.get_by_text("merci").wait_for()
    assert "<img src=x onerror=alert(2)>" in last_customer.inner_text()

    page.locator(hook("composer-input")).fill("Bonjour, je suis Sophie. Que puis-je faire ?")
    page.keyboard.press("Enter")
    advisor_message = conversation.locator(f'{hook("message")}[data-role="advisor"]')
    advisor_message.get_by_text("Que puis-je faire").wait_for()
    screenshot(page, "console-conversation.png")

    assert page.locator(f"{hook('conversation')} b, {hook('conversation')} img").count() == 0
    assert conversation.locator(hook("message-text")).first.inner_text() == HOSTILE

    page.locator(hook("close")).click()  # confirmed by the dialog handler
    conversation.wait_for(state="detached")
    page.locator(f'{hook("tab")}[data-tab="closed"]').click()
    closed_item = page.locator(hook("closed-item"))
    closed_item.wait_for()
    closed_item.click()
    page.locator(f"{hook('closed-transcript')} {hook('message')}").first.wait_for()
    screenshot(page, "console-closed.png")

    assert [kind for kind, _ in dialogs] == ["confirm"]  # no alert ever ran
    assert errors == []


def test_signing_out_returns_to_the_sign_in_form(browser, app_url: str) -> None:
    page = browser.new_page(locale="en-US")
    page.goto(f"{app_url}/staff/login")
    page.get_by_label("E-mail address").fill(ADVISOR[0])
    page.get_by_label("Password").fill(ADVISOR[1])
    page.get_by_role("button", name="Sign in").click()
    page.locator(f'{hook("connection")}[data-state="online"]').wait_for()
    assert page.locator(hook("connection")).inner_text() == "Online"

    page.locator(hook("logout")).click()

    page.wait_for_url(f"{app_url}/staff/login")
    page.goto(f"{app_url}/staff/console")
    assert page.url == f"{app_url}/staff/login"


def test_a_deactivated_advisors_console_shows_the_sign_in_form_at_once(
    browser, app_url: str, seeded_sqlite_url: str
) -> None:
    page = browser.new_page(locale="fr-FR")
    sign_in(page, app_url)
    advisor_id = staff_id(seeded_sqlite_url, ADVISOR[0])

    with httpx.Client(base_url=app_url, timeout=10) as admin:
        signed = admin.post("/api/staff/login", json={"email": ADMIN[0], "password": ADMIN[1]})
        csrf = {"X-CSRF-Token": signed.json()["csrf_token"]}
        assert admin.post(f"/api/staff/accounts/{advisor_id}/deactivate", headers=csrf).is_success

    page.wait_for_url(f"{app_url}/staff/login?ended=1", timeout=5000)  # not at a heartbeat
    assert "Votre session a pris fin" in page.locator(hook("alert")).inner_text()
    screenshot(page, "console-session-ended.png")


# Recorded, not replaced: the real Notification (permission granted to the context) and the
# real Web Audio oscillator; only the tab's visibility is set by the test (headless Chromium
# has no background tab).
ALERT_SPY = """
window.__alerts = { beeps: 0, notes: [] };
const RealNotification = window.Notification;
function Recorded(title, options) {
  window.__alerts.notes.push({ title: title, body: options && options.body });
  return new RealNotification(title, options);
}
Object.defineProperty(Recorded, "permission", { get: () => RealNotification.permission });
Recorded.requestPermission = (...args) => RealNotification.requestPermission(...args);
window.Notification = Recorded;
const oscillator = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () {
  window.__alerts.beeps += 1;
  return oscillator.call(this);
};
let hidden = false;
Object.defineProperty(document, "hidden", { get: () => hidden });
Object.defineProperty(document, "visibilityState", { get: () => (hidden ? "hidden" : "visible") });
window.__setHidden = (value) => {
  hidden = value;
  document.dispatchEvent(new Event("visibilitychange"));
};
"""


def test_an_advisor_with_the_console_in_the_background_is_alerted(browser, app_url: str) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="fr-FR")
    context.grant_permissions(["notifications"], origin=app_url)
    context.add_init_script(ALERT_SPY)
    page = context.new_page()
    sign_in(page, app_url)
    title = page.title()
    with page.expect_response(lambda r: r.url.endswith("/api/staff/me/availability")):
        page.locator(".switch").first.click()  # available: customers may now ask
    state = page.locator(hook("desktop-alerts-state"))
    assert state.inner_text() == "Notifications du bureau activées"
    assert page.locator(hook("desktop-alerts")).is_hidden()  # granted: nothing left to ask
    alerts = "window.__alerts"

    page.evaluate("window.__setHidden(true)")  # the advisor works in another tab
    customer_says(app_url, "alerted-1", "Bonjour, un conseiller svp")
    page.locator(hook("queue-item")).wait_for()
    page.wait_for_function(f"() => {alerts}.notes.length === 1")
    first = page.evaluate(alerts)
    assert first["beeps"] == 1
    assert first["notes"][0] == {
        "title": "Nouvelle demande : Client anonyme",
        "body": "Bonjour, un conseiller svp",
    }
    assert page.title() == f"(1) {title}"

    page.evaluate("window.__setHidden(false)")
    page.locator(hook("queue-item")).locator(hook("accept")).click()
    page.locator(hook("conversation")).wait_for()
    page.wait_for_function(f"() => document.title === {title!r}")  # nothing waits any more

    page.evaluate("window.__setHidden(true)")
    customer_says(app_url, "alerted-1", "Vous êtes là ?")
    page.wait_for_function(f"() => {alerts}.notes.length === 2")
    assert page.evaluate(alerts)["notes"][1]["body"] == "Vous êtes là ?"
    assert page.title() == f"(1) {title}"  # one unread message
    assert page.locator(hook("unread")).inner_text() == "1"
    screenshot(page, "console-alerts.png")
    page.evaluate("window.__setHidden(false)")  # back on the tab: read
    page.wait_for_function(f"() => document.title === {title!r}")

    page.locator('.switch:has([data-console="sound"])').click()  # sound off: notified, silently
    beeps = page.evaluate(alerts)["beeps"]
    page.evaluate("window.__setHidden(true)")
    customer_says(app_url, "alerted-1", "Allô ?")
    page.wait_for_function(f"() => {alerts}.notes.length === 3")
    assert page.evaluate(alerts)["beeps"] == beeps
    assert page.evaluate("localStorage.getItem('pitlane.console.sound')") == "off"
    context.close()


def test_the_console_shows_photos_inline_and_maps_not_internal_payloads(
    browser, seeded_sqlite_url: str, tmp_path: Path
) -> None:
    from core import conversations
    from core.file_store import FilesystemStore
    from core.files import store_upload
    from tests.browser.test_workshop_pages_browser import png
    from tests.integration.staff_web_support import pending_request, units_of_work

    uploads = tmp_path / "uploads"
    path, size = store_upload(png(), "image/png", FilesystemStore(uploads))
    request_id = pending_request(
        seeded_sqlite_url, messages=("/greet", "[photo]", "Voici ma moto <b>cassée</b>")
    )
    with units_of_work(seeded_sqlite_url) as new_uow:
        conversation_id = conversations.find_conversation(
            new_uow(), "web", _sender_of(new_uow, request_id)
        ).id
        ids = {m.text: m.id for m in conversations.transcript(new_uow(), conversation_id)}
        photo = conversations.add_attachment(
            new_uow(),
            ids["[photo]"],
            kind="image",
            content_type="image/png",
            storage_path=path,
            size=size,
        )
        conversations.record_message(
            new_uow(),
            conversation_id,
            direction="out",
            sender="bot",
            text="",
            payload={"custom": {"agencies": {"items": [{"name": "Pitlane Paris Nord"}]}}},
            status="sent",
        )
    settings = web_settings(seeded_sqlite_url, "http://127.0.0.1:9", upload_dir=str(uploads))
    with served_app(settings) as app_url:
        page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="fr-FR")
        sign_in(page, app_url)
        page.locator(hook("queue-item")).locator(hook("accept")).click()
        conversation = page.locator(hook("conversation"))
        image = conversation.locator(f'img[src="/staff/attachments/{photo}"]')
        image.wait_for()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )
        screenshot(page, "console-photo.png")

        assert image.get_attribute("alt") == "Photo envoyée par le client"
        texts = conversation.locator(hook("message-text")).all_inner_texts()
        assert "/greet" not in " ".join(texts) and "[photo]" not in " ".join(texts)
        assert "Voici ma moto <b>cassée</b>" in texts
        assert conversation.locator(hook("agencies")).inner_text() == (
            "Agences proposées : Pitlane Paris Nord"
        )


def _sender_of(new_uow, request_id: int) -> str:
    from core import handoff

    return handoff.get_request(new_uow(), request_id).external_id


def test_the_customer_sees_who_took_the_chat_and_when_the_bot_is_back(
    browser, app_url: str
) -> None:
    """Two browsers: the customer's widget and the advisor's console. Once accepted the
    widget's header names the advisor and the queue's cancel button can no longer be
    clicked; after the close the header is the assistant's again."""
    advisor = browser.new_context(viewport={"width": 1440, "height": 900}, locale="fr-FR")
    console = advisor.new_page()
    console.on("dialog", lambda d: d.accept())
    sign_in(console, app_url)
    with console.expect_response(lambda r: r.url.endswith("/api/staff/me/availability")):
        console.locator(".switch").first.click()  # available: customers may now ask

    customer = browser.new_context(locale="fr-FR").new_page()
    customer.goto(app_url)
    customer.get_by_role("button", name="Ouvrir la discussion avec l'assistant Pitlane").click()
    cancel = customer.locator('[data-pitlane="choice"]', has_text="Annuler ma demande")
    cancel.wait_for()  # the greeting asked for an advisor (the Rasa stub always does)
    title = customer.locator(".pl-title")
    status = customer.locator('[data-pitlane="status"]')
    assert title.inner_text() == "Assistant Pitlane"

    console.locator(hook("queue-item")).locator(hook("accept")).click()
    customer.get_by_text("Vous êtes en relation avec Sophie Moreau").wait_for()
    assert title.inner_text() == "Sophie Moreau"
    assert status.inner_text() == "Conseiller Pitlane · en ligne"
    assert cancel.is_disabled()
    screenshot(customer, "widget-human-chat.png")

    console.locator(hook("close")).click()  # confirmed by the dialog handler
    customer.locator('[data-pitlane="bot-message"]').last.get_by_text("Sophie Moreau").wait_for()
    customer.wait_for_function(
        "() => document.getElementById('pitlane-widget').shadowRoot"
        ".querySelector('.pl-title').textContent === 'Assistant Pitlane'"
    )
    assert status.inner_text() == "En ligne"
    customer.reload()  # the transcript replays the same states: the bot's header
    customer.locator('[data-pitlane="bot-message"]').last.wait_for()
    assert customer.locator(".pl-title").inner_text() == "Assistant Pitlane"
    advisor.close()
