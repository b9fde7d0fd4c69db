"""Fixtures of the browser tests: one headless Chromium per test, driven by Playwright, and
a page signed in as the demo admin on the served app."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.support import ARGS, CHROMIUM, SignedInPage, console_errors, sign_in_as_admin
from tests.integration.web_support import served_app, web_settings


@pytest.fixture
def browser() -> Iterator:
    """Headless Chromium (skipped when the playwright package is missing)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def admin_page(browser: Any, seeded_sqlite_url: str) -> Iterator[SignedInPage]:
    """The app served on the seeded database (Rasa on a closed port) and a French page
    signed in as the demo admin; the page is closed before the server stops, so no open
    stream makes the server wait."""
    settings = web_settings(seeded_sqlite_url, "http://127.0.0.1:9")
    with served_app(settings) as base_url:
        page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 900})
        try:
            problems = console_errors(page)
            sign_in_as_admin(page, base_url)
            yield SignedInPage(page, base_url, problems)
        finally:
            page.close()
