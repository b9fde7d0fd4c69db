"""The customer context panel beside a conversation in the advisor console (issue 17, item 4),
in headless Chromium against the real app: the customer identified her bike in the chat
before asking for an advisor; the advisor who accepts sees her bike and her bookings.
Set PITLANE_SCREENSHOTS=<dir> to keep screenshots (desktop and phone)."""

from __future__ import annotations

from datetime import datetime, timezone

from core import conversations, otp
from core.booking_views import upcoming_bookings
from tests.browser.support import BROWSER_MARKS, screenshot
from tests.browser.test_web_console_browser import customer_says, hook, sign_in
from tests.integration.otp_support import camille_bike
from tests.integration.staff_web_support import units_of_work
from tests.integration.web_support import REST_CLIENT

pytestmark = BROWSER_MARKS

SENDER = "browser-context-1"


def identified_as_camille(database_url: str) -> str:
    """The REST chat of SENDER proved with a one-time code to be the demo customer Camille,
    owner of the Ducati AB-123-CD (core's own identification); her soonest booking."""
    now = datetime.now(timezone.utc)
    external_id = f"{REST_CLIENT}:{SENDER}"
    with units_of_work(database_url) as new_uow:
        chat = conversations.get_or_create_conversation(new_uow(), "rest", external_id, "fr")
        _, code = otp.start_identification(
            new_uow(),
            conversation_id=chat.id,
            vehicle_id=camille_bike(new_uow),
            transport="sms",
            now=now,
        )
        challenge = otp.verify_code(new_uow(), conversation_id=chat.id, code=code, now=now)
        camille = otp.complete_identification(
            new_uow(), challenge_id=challenge.id, channel="rest", external_id=external_id, now=now
        )
        return upcoming_bookings(new_uow(), camille.id, now)[0].reference


def test_the_advisor_sees_the_customers_bike_and_bookings_beside_the_chat(
    browser, app_url: str, seeded_sqlite_url: str
) -> None:
    soonest = identified_as_camille(seeded_sqlite_url)
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="fr-FR")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, app_url)
    with page.expect_response(lambda r: r.url.endswith("/api/staff/me/availability")):
        page.locator(".switch").first.click()  # available: the customer may now ask
    customer_says(app_url, SENDER, "Je voudrais parler à un conseiller")

    page.locator(hook("accept")).click()
    panel = page.locator(hook("context"))
    vehicle = panel.locator(hook("context-vehicle"))
    vehicle.wait_for()
    assert panel.locator(hook("context-name")).inner_text() == "Camille Martin"
    assert "Ducati Monster 821" in vehicle.inner_text()
    assert vehicle.locator(hook("context-plate")).inner_text() == "AB-123-CD"
    booking = panel.locator(f'{hook("context-booking")}[data-reference="{soonest}"]')
    assert booking.locator("a").get_attribute("href") == f"/staff/bookings?q={soonest}&from="
    assert booking.locator("a").get_attribute("target") == "_blank"  # the chat stays open
    screenshot(page, "console-context.png")

    with page.expect_response(lambda r: r.url.endswith("/context")) as reloaded:
        customer_says(app_url, SENDER, "C'est pour ma Monster")  # she may have said more
    assert reloaded.value.status == 200

    page.locator(hook("context-toggle")).click()
    assert page.locator(hook("context-body")).is_hidden()
    assert page.locator(hook("context-toggle")).get_attribute("aria-expanded") == "false"
    page.locator(hook("context-toggle")).click()
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator(hook("context-vehicle")).scroll_into_view_if_needed()
    screenshot(page, "console-context-phone.png")
    box, chat = panel.bounding_box(), page.locator(hook("conversation")).bounding_box()
    assert box["y"] >= chat["y"] + chat["height"] - 1  # below the chat on a phone
    assert errors == []
