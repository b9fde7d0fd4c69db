"""Password reset by e-mail link through the web app (issue 14, item 8): the same answer for
every e-mail, a single-use link, the other sessions ended, the token kept out of logs."""

from __future__ import annotations

import logging
import re

from tests.integration.staff_accounts_support import HTML, form_csrf, page_login, reset_links
from tests.integration.staff_web_support import ADVISOR, login
from tests.integration.web_support import web_client
from webapp.access_log import StripQueryStrings

NEW_PASSWORD = "brand-new-password-2026"


def ask_link(client, email: str):  # noqa: ANN001, ANN201
    page = client.get("/staff/login/forgot", headers=HTML)
    assert page.status_code == 200
    return client.post(
        "/staff/login/forgot",
        data={"csrf_token": form_csrf(page.text), "email": email},
        headers=HTML,
    )


def visible(page: str) -> str:
    """The page without its per-request CSRF token."""
    return re.sub(r'name="csrf_token" value="[^"]+"', "", page)


def test_the_forgot_form_answers_alike_for_known_and_unknown_emails(
    seeded_sqlite_url: str,
) -> None:
    with web_client(seeded_sqlite_url) as client:
        known = ask_link(client, ADVISOR[0])
        unknown = ask_link(client, "nobody@pitlane.example")
        forged = client.post("/staff/login/forgot", data={"email": ADVISOR[0]}, headers=HTML)

    assert known.status_code == unknown.status_code == 200
    assert visible(known.text) == visible(unknown.text)
    assert forged.status_code == 403
    assert len(reset_links(seeded_sqlite_url, ADVISOR[0])) == 1
    assert reset_links(seeded_sqlite_url, "nobody@pitlane.example") == []


def test_a_reset_link_sets_a_new_password_once_and_ends_the_other_sessions(
    seeded_sqlite_url: str,
) -> None:
    with web_client(seeded_sqlite_url) as elsewhere, web_client(seeded_sqlite_url) as client:
        login(elsewhere, ADVISOR)
        ask_link(client, ADVISOR[0])
        [token] = reset_links(seeded_sqlite_url, ADVISOR[0])
        page = client.get(f"/staff/login/reset?token={token}", headers=HTML)
        assert page.status_code == 200
        assert page.headers["referrer-policy"] == "no-referrer"
        assert page.headers["cache-control"] == "no-store"
        form = {"token": token, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
        mismatch = client.post(
            "/staff/login/reset",
            data={**form, "csrf_token": form_csrf(page.text), "password_confirm": "other-one-x"},
            headers=HTML,
        )
        assert mismatch.status_code == 422
        done = client.post(
            "/staff/login/reset",
            data={**form, "csrf_token": form_csrf(mismatch.text)},
            headers=HTML,
        )
        assert done.status_code == 200 and "alert-success" in done.text
        assert elsewhere.get("/api/staff/me").status_code == 401
        again = client.post(
            "/staff/login/reset", data={**form, "csrf_token": form_csrf(done.text)}, headers=HTML
        )
        used_page = client.get(f"/staff/login/reset?token={token}", headers=HTML)
        old = page_login(client, *ADVISOR)
        new = page_login(client, ADVISOR[0], NEW_PASSWORD)

    assert again.status_code == 400 and used_page.status_code == 400
    assert old.status_code == 401
    assert new.status_code == 303


def test_the_access_log_never_shows_a_reset_token() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/staff/login/reset?token=s3cr3t-T0ken&x=1", "1.1", 200),
        None,
    )

    assert StripQueryStrings().filter(record)

    assert "s3cr3t" not in record.getMessage()
    assert '"GET /staff/login/reset HTTP/1.1" 200' in record.getMessage()
