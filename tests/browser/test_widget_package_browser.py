"""The demo page in headless Chromium loads the built widget package (docs/widget.md): the
versioned bundle with its integrity, its one style sheet, the extensions inside; a bundle
whose integrity does not match is refused by the browser."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from channels.widget_package import integrity
from tests.browser.support import BROWSER_MARKS, console_errors
from tests.integration.web_support import closed_port, served_app, web_settings
from tests.integration.widget_package_support import build_package

pytestmark = BROWSER_MARKS

BOT = '[data-pitlane="bot-message"]'
SCRIPT = "pitlane-widget-1.0.0.min.js"
STYLE = "pitlane-widget-1.0.0.min.css"
# The widget's style sheets in its shadow root, and the position they give its root.
STYLES = """() => {
  const shadow = document.querySelector("#pitlane-widget").shadowRoot;
  const links = Array.from(shadow.querySelectorAll("link[rel=stylesheet]"), (l) => l.href);
  return [links, getComputedStyle(shadow.querySelector(".pl-root")).position];
}"""


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_package(tmp_path_factory.mktemp("widget"))


def served(seeded_sqlite_url: str, dist: Path):
    rasa = f"http://127.0.0.1:{closed_port()}"  # down: the hub answers
    return served_app(web_settings(seeded_sqlite_url, rasa, widget_dist=dist))


def test_the_page_loads_the_versioned_bundle_with_its_integrity_and_the_widget_works(
    browser, seeded_sqlite_url: str, package: Path
) -> None:
    with served(seeded_sqlite_url, package / "dist") as base_url:
        page = browser.new_page(locale="fr-FR")
        try:
            problems = console_errors(page)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            loaded: list[str] = []
            page.on("requestfinished", lambda request: loaded.append(request.url))
            page.goto(base_url)

            tag = page.locator("script[integrity]")
            assert tag.get_attribute("src") == f"{base_url}/widget/dist/{SCRIPT}"
            assert tag.get_attribute("integrity", timeout=1000).startswith("sha384-")
            assert tag.get_attribute("crossorigin") == "anonymous"
            page.get_by_role("button", name="Ouvrir la discussion avec l'assistant Pitlane").click()
            page.locator(BOT).first.wait_for()
            assert "indisponible" in page.locator(BOT).first.inner_text()
            page.get_by_role("tab", name="Salons").wait_for()  # rooms.js, inside the bundle
            assert page.evaluate("window.Pitlane.version") == "1.0.0"  # the package's
            # the built style sheet applies (after Leaflet's, as the served files do)
            page.wait_for_function(f"({STYLES})()[0].length === 2")  # Leaflet's comes later
            assert page.evaluate(STYLES) == [
                [f"{base_url}/vendor/leaflet/leaflet.css", f"{base_url}/widget/dist/{STYLE}"],
                "fixed",
            ]
            paths = [url.removeprefix(base_url) for url in loaded]
        finally:
            page.close()
    assert f"/widget/dist/{SCRIPT}" in paths and f"/widget/dist/{STYLE}" in paths
    served_files = {"/widget.js", "/widget.css", "/rooms.js", "/rooms.css", "/widget-map.js"}
    assert not served_files & set(paths)  # the bundle holds them
    assert errors == [] and problems == []  # the CSP holds: all of it is same-origin


def test_a_bundle_that_does_not_match_its_integrity_is_refused(
    browser, seeded_sqlite_url: str, package: Path, tmp_path: Path
) -> None:
    dist = shutil.copytree(package / "dist", tmp_path / "dist")
    manifest = json.loads((dist / "manifest.json").read_text())
    manifest["integrity"][SCRIPT] = integrity(b"another script")
    (dist / "manifest.json").write_text(json.dumps(manifest))
    with served(seeded_sqlite_url, dist) as base_url:
        page = browser.new_page(locale="fr-FR")
        try:
            problems = console_errors(page)
            page.goto(base_url, wait_until="load")
            assert page.evaluate("typeof window.Pitlane") == "undefined"
            assert page.locator("#pitlane-widget").count() == 0
        finally:
            page.close()
    assert any("integrity" in problem for problem in problems), problems
