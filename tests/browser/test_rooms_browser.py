"""The widget's rooms tab and notifications in headless Chromium against the real app, and
the admin pages (screenshots in /tmp/shots for a look)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.browser.support import BROWSER_MARKS
from tests.integration.staff_web_support import ADMIN
from tests.integration.web_support import closed_port, served_app, web_settings

SHOTS = Path("/tmp/shots")
ROOM_MESSAGE = '[data-pitlane="room-message"]'
NOTIFICATION = '[data-pitlane="notification"]'
HOSTILE = '<img src=x onerror="window.__pwned=1"><b>gras</b>'

pytestmark = BROWSER_MARKS


@pytest.fixture
def base_url(seeded_sqlite_url: str) -> Iterator[str]:
    """The web app served by uvicorn on a free local port (Rasa unreachable)."""
    settings = web_settings(seeded_sqlite_url, f"http://127.0.0.1:{closed_port()}")
    with served_app(settings) as url:
        yield url


@pytest.fixture
def admin(base_url: str) -> Iterator[httpx.Client]:
    """An HTTP client signed in as the demo admin, sending its CSRF token."""
    with httpx.Client(base_url=base_url, timeout=10) as client:
        answer = client.post("/api/staff/login", json={"email": ADMIN[0], "password": ADMIN[1]})
        assert answer.status_code == 200, answer.text
        client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        yield client


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def open_rooms_tab(page, base_url: str, nickname: str) -> None:
    page.goto(base_url)
    page.get_by_role("button", name="Ouvrir la discussion avec l'assistant Pitlane").click()
    page.locator('[data-pitlane="tab-rooms"]').click()
    page.locator('[data-pitlane="room-name"]').fill(nickname)
    page.locator('[data-pitlane="room-list"] li').first.wait_for()


def test_html_in_a_room_message_is_shown_as_inert_text(browser, base_url: str, admin) -> None:
    admin.post(
        "/api/admin/rooms",
        json={"name": "Balades du dimanche", "capacity": 10, "description": "Sorties à moto"},
    )
    admin.post("/api/admin/rooms", json={"name": "Atelier & entretien", "capacity": 2})
    reader = browser.new_page(locale="fr-FR")
    writer = browser.new_page(locale="fr-FR")
    errors: list[str] = []
    writer.on("pageerror", lambda error: errors.append(str(error)))
    for page, name in ((reader, "Camille"), (writer, "Sam")):
        open_rooms_tab(page, base_url, name)
        page.locator('[data-room-id] [data-pitlane="room-join"]').last.click()
        page.locator('[data-pitlane="room-input"]').wait_for()

    writer.locator('[data-pitlane="room-input"]').fill(HOSTILE)
    writer.keyboard.press("Enter")
    received = reader.locator(ROOM_MESSAGE).nth(0)
    received.wait_for()
    writer.locator('[data-pitlane="room-input"]').fill("Qui vient dimanche ?")
    writer.keyboard.press("Enter")
    reader.locator(ROOM_MESSAGE).nth(1).wait_for()
    shot(reader, "widget-room")

    assert HOSTILE in received.inner_text()
    assert reader.locator('[data-pitlane="room-log"] img, [data-pitlane="room-log"] b').count() == 0
    assert reader.evaluate("window.__pwned") is None
    assert writer.evaluate("window.__pwned") is None
    assert errors == []


def test_each_room_message_shows_its_time_in_the_visitors_zone(
    browser, base_url: str, admin
) -> None:
    admin.post("/api/admin/rooms", json={"name": "Balades", "capacity": 10})
    reader = browser.new_page(locale="fr-FR", timezone_id="Asia/Tokyo")
    writer = browser.new_page(locale="fr-FR", timezone_id="America/New_York")
    for page, name in ((reader, "Camille"), (writer, "Sam")):
        open_rooms_tab(page, base_url, name)
        page.locator('[data-room-id] [data-pitlane="room-join"]').last.click()
        page.locator('[data-pitlane="room-input"]').wait_for()
    writer.locator('[data-pitlane="room-input"]').fill("On part à 9 h")
    writer.keyboard.press("Enter")
    for page, zone in ((reader, "Asia/Tokyo"), (writer, "America/New_York")):
        stamp = page.locator(f'{ROOM_MESSAGE} [data-pitlane="room-time"]').first
        stamp.wait_for()
        sent = datetime.fromisoformat(stamp.get_attribute("datetime"))
        assert stamp.inner_text() == sent.astimezone(ZoneInfo(zone)).strftime("%H:%M"), zone
        # under the bubble, in small text
        order = page.evaluate(
            "sel => Array.from(document.querySelector('#pitlane-widget').shadowRoot"
            ".querySelector(sel).children).map(c => c.className)",
            ROOM_MESSAGE,
        )
        assert order.index("pl-time") == order.index("pl-bubble") + 1, order
    shot(reader, "widget-room-times")


def test_the_rooms_tab_lists_open_rooms_with_their_occupancy(browser, base_url: str, admin) -> None:
    admin.post("/api/admin/rooms", json={"name": "Trail & off-road", "capacity": 8})
    full = admin.post("/api/admin/rooms", json={"name": "Piste", "capacity": 1}).json()
    gone = admin.post("/api/admin/rooms", json={"name": "Ancien salon", "capacity": 3}).json()
    admin.delete(f"/api/admin/rooms/{gone['id']}")
    first = browser.new_page(locale="fr-FR")
    open_rooms_tab(first, base_url, "Lou")
    first.locator(f'[data-room-id="{full["id"]}"] [data-pitlane="room-join"]').click()
    first.locator('[data-pitlane="room-input"]').wait_for()

    page = browser.new_page(locale="fr-FR")
    open_rooms_tab(page, base_url, "Max")
    button = page.locator(f'[data-room-id="{full["id"]}"] [data-pitlane="room-join"]')
    button.wait_for()
    page.wait_for_timeout(300)
    shot(page, "widget-rooms-tab")

    names = page.locator('[data-pitlane="room-list"] .pl-rooms-title').all_inner_texts()
    assert names == ["Piste", "Trail & off-road"]  # the deleted room is not offered
    assert button.inner_text() == "Complet" and button.is_disabled()
    occupancy = page.locator(f'[data-room-id="{full["id"]}"] [data-pitlane="room-occupancy"]')
    assert occupancy.inner_text().startswith("1 / 1")


def test_a_notification_appears_live_and_one_sent_while_closed_appears_on_reopening(
    browser, base_url: str, admin
) -> None:
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(base_url)
    page.get_by_role("button", name="Ouvrir la discussion avec l'assistant Pitlane").click()
    page.wait_for_function("window.Pitlane && window.Pitlane.rooms")
    page.wait_for_timeout(500)  # the EventSource is connected

    sent = admin.post(
        "/api/admin/notifications",
        json={
            "title": "Portes ouvertes samedi",
            "body": "Essais gratuits des nouveautés 2026 <b>toute la journée</b>.",
            "link": "https://pitlane.example/portes-ouvertes",
        },
    )
    live = page.locator(NOTIFICATION).first
    live.wait_for(timeout=10_000)
    shot(page, "widget-notification")
    live_text = live.inner_text()
    page.close()

    admin.post(
        "/api/admin/notifications",
        json={"title": "Révision -20 %", "body": "Ce mois-ci seulement."},
    )
    again = context.new_page()
    again.goto(base_url)
    again.get_by_role("button", name="Ouvrir la discussion avec l'assistant Pitlane").click()
    missed = again.locator(NOTIFICATION)
    missed.first.wait_for(timeout=10_000)
    again.wait_for_timeout(500)
    titles = again.locator('[data-pitlane="notification-title"]').all_inner_texts()
    history = admin.get("/api/admin/notifications").json()
    context.close()

    assert sent.status_code == 201
    assert "Portes ouvertes samedi" in live_text
    assert "<b>toute la journée</b>" in live_text  # text, not markup
    assert titles == ["Révision -20 %"]  # what was missed, not what was already seen
    assert [n["received"] for n in history] == [1, 1]


def test_an_opted_out_visitor_gets_no_notification(browser, base_url: str, admin) -> None:
    page = browser.new_page(locale="fr-FR")
    page.goto(base_url)
    page.get_by_role("button", name="Ouvrir la discussion avec l'assistant Pitlane").click()
    page.locator('[data-pitlane="tab-rooms"]').click()
    offers = page.locator('[data-pitlane="offers"]')
    offers.wait_for()
    with page.expect_response("**/notifications/subscription"):
        offers.uncheck()
    page.wait_for_timeout(300)

    admin.post("/api/admin/notifications", json={"title": "Promo", "body": "-10 %"})
    page.wait_for_timeout(1500)

    assert page.locator(NOTIFICATION).count() == 0


def test_admin_pages_for_rooms_and_notifications(browser, base_url: str, admin) -> None:
    room = admin.post(
        "/api/admin/rooms",
        json={"name": "Balades du dimanche", "capacity": 12, "description": "Sorties à moto"},
    ).json()
    admin.post("/api/admin/rooms", json={"name": "Piste", "capacity": 4})
    page = browser.new_page(locale="fr-FR", viewport={"width": 1200, "height": 900})
    page.goto(f"{base_url}/staff/login")
    page.get_by_label("Adresse e-mail").fill(ADMIN[0])
    page.get_by_label("Mot de passe").fill(ADMIN[1])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/staff/console")

    page.goto(f"{base_url}/staff/admin/rooms")
    page.locator(f'tr[data-room-id="{room["id"]}"]').wait_for()
    shot(page, "admin-rooms")
    rows = page.locator("table[data-admin=rooms] tbody tr").count()

    page.goto(f"{base_url}/staff/admin/notifications")
    page.get_by_label("Titre").fill("Portes ouvertes samedi")
    page.get_by_label("Texte").fill("Essais gratuits des nouveautés 2026 toute la journée.")
    page.get_by_role("button", name="Aperçu").click()
    page.locator("[data-admin=preview]").wait_for()
    shot(page, "admin-notifications-preview")
    preview = page.locator("[data-admin=preview]").inner_text()
    page.get_by_role("button", name="Envoyer").click()
    page.locator("table[data-admin=history] tbody tr").first.wait_for()
    shot(page, "admin-notifications-history")

    assert rows == 2
    assert "Portes ouvertes samedi" in preview
    assert page.locator("table[data-admin=history] tbody tr").count() == 1


def test_on_a_phone_a_notification_is_one_line_until_opened(browser, base_url: str, admin) -> None:
    """The offers banner must not cover the conversation on a phone: the card shows its
    title on one line and opens (and closes) from it."""
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="fr-FR")
    page.goto(base_url)
    page.get_by_role("button", name="Ouvrir la discussion avec l'assistant Pitlane").click()
    page.wait_for_function("window.Pitlane && window.Pitlane.rooms")
    page.wait_for_timeout(500)  # the EventSource is connected

    admin.post(
        "/api/admin/notifications",
        json={
            "title": "Portes ouvertes samedi : essais gratuits de toute la gamme 2026",
            "body": "Venez essayer les nouveautés toute la journée, café offert.\n" * 4,
            "link": "https://pitlane.example/portes-ouvertes",
        },
    )
    card = page.locator(NOTIFICATION).first
    card.wait_for(timeout=10_000)
    toggle = page.locator('[data-pitlane="notification-title"]')
    more = page.locator('[data-pitlane="notification-more"]')
    closed_height = (card.bounding_box() or {})["height"]
    shot(page, "widget-notification-phone")

    assert toggle.get_attribute("aria-expanded") == "false"
    assert more.is_hidden()
    assert closed_height < 844 * 0.08  # one line, not a quarter of the screen

    toggle.click()
    more.wait_for(state="visible")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.get_by_role("link", name="Voir l'offre").is_visible()
    panel = page.locator('[data-pitlane="notifications"]').bounding_box() or {}
    assert panel["height"] <= 844 * 0.3 + 1  # even open, the list scrolls within 30%
    shot(page, "widget-notification-phone-open")

    toggle.click()
    more.wait_for(state="hidden")


LONG_TITLE = "Portes ouvertes samedi : essais gratuits de toute la gamme 2026, café offert"


def test_while_closed_the_launcher_counts_new_messages_and_previews_the_latest(
    browser, base_url: str, admin
) -> None:
    page = browser.new_page(locale="fr-FR")
    page.goto(base_url)
    launcher = page.locator('[data-pitlane="launcher"]')
    launcher.click()
    page.wait_for_function("window.Pitlane && window.Pitlane.rooms")
    page.wait_for_timeout(500)  # the EventSource is connected
    launcher.click()  # closed again
    page.locator('[data-pitlane="panel"]').wait_for(state="hidden")
    badge = page.locator('[data-pitlane="unread"]')
    preview = page.locator('[data-pitlane="preview"]')
    assert badge.is_hidden() and preview.is_hidden()

    admin.post("/api/admin/notifications", json={"title": "Promo pneus", "body": "-10 %"})
    badge.wait_for()
    admin.post(
        "/api/admin/notifications",
        json={"title": LONG_TITLE, "body": "Café offert."},
    )
    page.wait_for_function(
        "() => document.getElementById('pitlane-widget').shadowRoot"
        ".querySelector('[data-pitlane=\"unread\"]').textContent === '2'"
    )
    shot(page, "widget-launcher-unread")

    assert preview.inner_text() == LONG_TITLE  # the latest
    assert (preview.bounding_box() or {})["height"] < 45  # on one line (ellipsis)
    assert launcher.get_attribute("aria-label").endswith("(2 nouveaux messages)")

    preview.click()  # opens the conversation
    page.locator('[data-pitlane="panel"]').wait_for(state="visible")
    assert badge.is_hidden() and preview.is_hidden()
    assert launcher.get_attribute("aria-label") == "Ouvrir la discussion avec l'assistant Pitlane"
