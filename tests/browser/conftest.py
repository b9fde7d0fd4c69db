"""Fixtures of the browser tests: one headless Chromium per test, driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.support import ARGS, CHROMIUM


@pytest.fixture
def browser() -> Iterator:
    """Headless Chromium (skipped when the playwright package is missing)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()
