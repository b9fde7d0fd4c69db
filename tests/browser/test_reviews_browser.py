"""The reviews' moderation page in headless Chromium: a consented comment is published by a
click, with no console error (content security policy). PITLANE_SCREENSHOTS=<dir> keeps
screenshots."""

from __future__ import annotations

from tests.browser.support import BROWSER_MARKS, SignedInPage, screenshot, success_after
from tests.integration.test_reviews_pages import consented_review

pytestmark = BROWSER_MARKS


def test_an_admin_publishes_a_review_by_a_click(
    admin_page: SignedInPage, seeded_sqlite_url
) -> None:
    page = admin_page.page
    reference = consented_review(seeded_sqlite_url, "Accueil très sympa, moto prête à l'heure")

    page.goto(f"{admin_page.base_url}/staff/reviews")
    card = page.locator(f'[data-review="{reference}"]')
    card.wait_for()
    screenshot(page, "reviews-pending.png")
    text = success_after(page, card.get_by_role("button", name="Publier"))
    page.goto(f"{admin_page.base_url}/staff/reviews?status=approved")
    screenshot(page, "reviews-approved.png")

    assert reference in text
    assert page.locator(f'[data-review="{reference}"]').count() == 1
    assert admin_page.problems == []
