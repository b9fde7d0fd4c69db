"""The widget's agencies map, location button and picture upload in headless Chromium, against
the real app and a stand-in Rasa that always offers the agencies. Every request that does not
go to 127.0.0.1 is aborted: no map tile ever loads, the map and the list must still work.
Screenshots go to /tmp/shots/."""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import BROWSER_MARKS
from tests.integration.web_support import local_http_server, served_app, web_settings

SHOTS = Path("/tmp/shots")


def orange_png(size: int = 48) -> bytes:
    """A small orange square, as a real PNG (what a customer's photo would be)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xc2\x41\x0c" * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


pytestmark = BROWSER_MARKS


def agency(
    code: str, name: str, lat: float, lon: float, km: float | None, rating: str | None = None
) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "address": "12 avenue de la République",
        "city": name.split()[-2] if km else "Bordeaux",
        "postcode": "75018",
        "latitude": lat,
        "longitude": lon,
        "phone": "+33 1 23 45 67 89",
        "distance_km": km,
        "rating": rating,  # null: too few ratings to show
    }


ITEMS = [
    agency("paris-nord", "Pitlane Paris Nord", 48.8967, 2.3522, 3.4, "4,6/5 · 38 avis"),
    agency("lyon-gerland", "Pitlane Lyon Gerland", 45.7275, 4.8322, 391.6),
    agency("bordeaux-lac", "Pitlane Bordeaux Lac", 44.8836, -0.5642, 498.2),
]
ORIGIN = {"latitude": 48.8566, "longitude": 2.3522}
ANSWER = [
    {
        "recipient_id": "x",
        "custom": {"agencies": {"service": "diagnostic", "origin": ORIGIN, "items": ITEMS}},
    },
    {
        "recipient_id": "x",
        "text": "Dans quelle agence ?",
        "buttons": [
            {"title": a["name"], "payload": '/choose{"agency":"' + a["code"] + '"}'} for a in ITEMS
        ],
    },
]
HERE = {"latitude": 48.8606, "longitude": 2.3376}


@pytest.fixture
def rasa() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    with local_http_server(ANSWER) as server:
        yield server


@pytest.fixture
def base_url(seeded_sqlite_url: str, rasa, tmp_path: Path) -> Iterator[str]:
    settings = web_settings(seeded_sqlite_url, rasa[0], upload_dir=str(tmp_path / "uploads"))
    with served_app(settings) as url:
        yield url


def offline_page(browser, base_url: str, blocked: list[str], **context: Any):
    """A page whose requests outside 127.0.0.1 are aborted (and listed in `blocked`)."""
    page = browser.new_context(**context).new_page()

    def route(request_route) -> None:
        url = request_route.request.url
        if url.startswith(base_url):
            request_route.continue_()
        else:
            blocked.append(url)
            request_route.abort()

    page.route("**/*", route)
    return page


def open_chat(page, base_url: str, label: str = "Ouvrir la discussion avec l'assistant Pitlane"):
    page.goto(base_url)
    page.get_by_role("button", name=label).click()
    page.locator('[data-pitlane="agencies"]').first.wait_for()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name))


def messages_to_rasa(rasa) -> list[dict[str, Any]]:
    return [body for body in rasa[1] if isinstance(body, dict) and "message" in body]


def test_the_map_shows_markers_and_the_list_with_no_tiles_and_a_click_chooses_the_agency(
    browser, base_url: str, rasa
) -> None:
    blocked: list[str] = []
    page = offline_page(browser, base_url, blocked, locale="fr-FR")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    open_chat(page, base_url)
    page.locator('[data-pitlane="marker"]').nth(2).wait_for()
    page.wait_for_timeout(500)  # tiles tried (and refused), panel animation over
    shot(page, "map-desktop.png")

    assert page.locator('[data-pitlane="map"]').first.is_visible()
    assert page.locator('[data-pitlane="marker"]').count() == 3
    items = page.locator('[data-pitlane="agency"]')
    assert items.count() == 3
    assert "Pitlane Paris Nord" in items.first.inner_text()
    assert "3,4 km" in items.first.inner_text()
    assert "4,6/5 · 38 avis" in items.first.inner_text()  # its rating; none for the others
    assert page.locator('[data-pitlane="rating"]').count() == 1
    assert any("tile.openstreetmap.org" in url for url in blocked)  # tiles asked, none came

    items.nth(1).click()
    page.locator('[data-pitlane="user-message"]').last.wait_for()
    page.wait_for_function(
        "n => document.querySelector('#pitlane-widget').shadowRoot"
        ".querySelectorAll('[data-pitlane=\"agencies\"]').length === n",
        arg=2,
    )
    assert messages_to_rasa(rasa)[-1]["message"] == '/choose{"agency":"lyon-gerland"}'
    assert (
        page.locator('[data-pitlane="user-message"]')
        .last.inner_text()
        .endswith("Pitlane Lyon Gerland")
    )
    assert items.nth(0).is_disabled()  # the earlier offer is frozen
    assert errors == []


def test_a_marker_popup_shows_the_agency_and_chooses_it(browser, base_url: str, rasa) -> None:
    page = offline_page(browser, base_url, [], locale="en-US")
    open_chat(page, base_url, "Open the chat with the Pitlane assistant")
    page.locator('[data-pitlane="marker"]').nth(2).wait_for()

    page.locator('[data-pitlane="marker"]').nth(2).click()
    popup = page.locator(".pl-popup")
    popup.wait_for()
    page.wait_for_timeout(400)  # the popup's fade-in
    shot(page, "map-popup.png")
    assert "Pitlane Bordeaux Lac" in popup.inner_text() and "498 km" in popup.inner_text()

    page.locator('[data-pitlane="popup-choose"]').click()
    page.wait_for_function(
        "() => document.querySelector('#pitlane-widget').shadowRoot"
        ".querySelectorAll('[data-pitlane=\"agencies\"]').length === 2"
    )
    assert messages_to_rasa(rasa)[-1]["message"] == '/choose{"agency":"bordeaux-lac"}'


def test_the_location_button_sends_the_browsers_position_to_the_bot_on_a_phone(
    browser, base_url: str, rasa
) -> None:
    page = offline_page(
        browser,
        base_url,
        [],
        locale="fr-FR",
        viewport={"width": 390, "height": 844},
        geolocation=HERE,
        permissions=["geolocation"],
        is_mobile=True,
        has_touch=True,
    )
    open_chat(page, base_url)
    page.locator('[data-pitlane="marker"]').nth(2).wait_for()
    page.wait_for_timeout(400)
    page.locator('[data-pitlane="agencies"]').first.scroll_into_view_if_needed()
    shot(page, "map-phone.png")

    page.locator('[data-pitlane="locate"]').click()
    page.wait_for_function(
        "() => document.querySelector('#pitlane-widget').shadowRoot"
        ".querySelectorAll('[data-pitlane=\"agencies\"]').length === 2"
    )
    sent = messages_to_rasa(rasa)[-1]
    assert sent["message"] == "📍 position partagée"
    assert sent["metadata"]["location"] == HERE
    assert (
        page.locator('[data-pitlane="user-message"]')
        .last.inner_text()
        .endswith("📍 position partagée")
    )
    page.locator('[data-pitlane="agencies"]').last.scroll_into_view_if_needed()
    shot(page, "map-phone-after-location.png")


def test_a_refused_location_says_so_and_the_list_still_works(browser, base_url: str, rasa) -> None:
    page = offline_page(browser, base_url, [], locale="fr-FR")  # no geolocation permission
    open_chat(page, base_url)

    page.locator('[data-pitlane="locate"]').click()
    notice = page.locator(".pl-notice")
    notice.wait_for()
    assert "Position non disponible" in notice.inner_text()
    assert not page.locator('[data-pitlane="locate"]').is_disabled()
    assert [m["message"] for m in messages_to_rasa(rasa)] == ["/greet"]

    page.locator('[data-pitlane="agency"]').first.click()
    page.wait_for_function(
        "() => document.querySelector('#pitlane-widget').shadowRoot"
        ".querySelectorAll('[data-pitlane=\"agencies\"]').length === 2"
    )
    assert messages_to_rasa(rasa)[-1]["message"] == '/choose{"agency":"paris-nord"}'


def test_without_leaflet_the_agencies_are_a_plain_list(browser, base_url: str, rasa) -> None:
    blocked: list[str] = []
    page = offline_page(browser, base_url, blocked, locale="fr-FR")
    page.route("**/vendor/leaflet/**", lambda route: route.abort())
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    open_chat(page, base_url)
    page.wait_for_timeout(800)

    assert page.locator('[data-pitlane="agency"]').count() == 3
    assert not page.locator('[data-pitlane="map"]').first.is_visible()
    assert errors == []


def test_a_picture_is_uploaded_shown_as_a_thumbnail_and_answered(
    browser, base_url: str, rasa, tmp_path: Path
) -> None:
    picture = tmp_path / "moto.png"
    picture.write_bytes(orange_png())
    page = offline_page(browser, base_url, [], locale="fr-FR")
    open_chat(page, base_url)

    page.locator('[data-pitlane="input"]').fill("le voyant moteur")
    page.locator('[data-pitlane="file"]').set_input_files(str(picture))
    page.wait_for_function(
        "() => document.querySelector('#pitlane-widget').shadowRoot"
        ".querySelectorAll('[data-pitlane=\"agencies\"]').length === 2"
    )
    thumbnail = page.locator('[data-pitlane="thumbnail"]')
    thumbnail.scroll_into_view_if_needed()
    shot(page, "upload.png")

    assert thumbnail.get_attribute("src").startswith("data:image/png;base64,")
    sent = messages_to_rasa(rasa)[-1]
    assert sent["message"] == "le voyant moteur"
    [attachment] = sent["metadata"]["attachments"]
    assert (attachment["kind"], attachment["content_type"]) == ("image", "image/png")
    assert page.locator('[data-pitlane="input"]').input_value() == ""
    assert json.dumps(sent["metadata"])  # plain JSON the actions can read


def test_a_refused_file_leaves_no_thumbnail_only_the_notice(
    browser, base_url: str, rasa, tmp_path: Path
) -> None:
    fake = tmp_path / "facture.png"  # a program under a picture's name: the server refuses it
    fake.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(500))
    page = offline_page(browser, base_url, [], locale="fr-FR")
    open_chat(page, base_url)
    before = page.locator('[data-pitlane="user-message"]').count()
    offered = page.locator('[data-pitlane="choice"]:enabled')
    offered.first.wait_for()
    choices = offered.count()

    page.locator('[data-pitlane="file"]').set_input_files(str(fake))
    notice = page.locator(".pl-notice").last
    notice.wait_for()
    page.wait_for_function(
        "() => !document.querySelector('#pitlane-widget').shadowRoot"
        ".querySelector('[data-pitlane=\"attach\"]').disabled"
    )
    shot(page, "upload-refused.png")

    assert notice.inner_text()
    assert page.locator('[data-pitlane="thumbnail"]').count() == 0
    assert page.locator('[data-pitlane="user-message"]').count() == before
    assert all("attachments" not in (m.get("metadata") or {}) for m in messages_to_rasa(rasa))
    assert offered.count() == choices == len(ITEMS)  # not an answer: the offer stays open
