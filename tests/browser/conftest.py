"""Fixtures of the browser tests: one headless Chromium per test, driven by Playwright, and
a page signed in as the demo admin on the served app, and the app whose Rasa asks for an
advisor (the console tests)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.support import (
    ARGS,
    CHROMIUM,
    HANDOFF_REQUEST,
    SignedInPage,
    console_errors,
    sign_in_as_admin,
)
from tests.integration.web_support import local_http_server, served_app, web_settings


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


@pytest.fixture
def app_url(seeded_sqlite_url: str) -> Iterator[str]:
    """The web app served by uvicorn on a free local port, on the seeded database, its Rasa
    stubbed to ask for an advisor whatever the customer says."""
    with (
        local_http_server(HANDOFF_REQUEST) as (rasa_url, _received),
        served_app(web_settings(seeded_sqlite_url, rasa_url)) as url,
    ):
        yield url
