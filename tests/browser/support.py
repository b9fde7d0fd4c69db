"""What every browser test shares: Debian's Chromium and how it is started, signing in as
the demo admin, and screenshots kept on request."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.integration.staff_web_support import ADMIN

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# What a Rasa stub answers to ask for an advisor: the custom message of
# `action_request_advisor` (the console then has a request).
HANDOFF_REQUEST = [{"recipient_id": "x", "custom": {"handoff": "request"}}]

# Marks of every module here: a browser test, skipped with a reason when Chromium is missing.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin"),
]


@dataclass(frozen=True)
class SignedInPage:
    """A desktop-sized page signed in as the demo admin; `problems`: the console errors."""

    page: Any
    base_url: str
    problems: list[str]


def console_errors(page) -> list[str]:
    """The errors `page` logs from now on (a broken rule of the content security policy too)."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    return problems


def sign_in_as_admin(page, base_url: str) -> None:
    """Sign in with the demo admin's form, in French, and land on the console."""
    page.goto(f"{base_url}/staff/login")
    page.get_by_label("Adresse e-mail").fill(ADMIN[0])
    page.get_by_label("Mot de passe").fill(ADMIN[1])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base_url}/staff/console")


def screenshot(page, name: str, full_page: bool = True) -> None:
    """A screenshot (of the full page by default) in $PITLANE_SCREENSHOTS, when it is set."""
    folder = os.environ.get("PITLANE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=full_page)


def success_after(page, button) -> str:
    """Click `button` and wait for the page's success alert; its text."""
    button.click()
    alert = page.locator(".alert-success")
    alert.wait_for()
    return alert.inner_text()


def width_on_a_phone(page, url: str, shot: str) -> int:
    """How wide `url` is drawn on a 390 px wide phone (screenshot `shot`)."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url)
    width = page.evaluate("document.documentElement.scrollWidth")
    screenshot(page, shot)
    return width
