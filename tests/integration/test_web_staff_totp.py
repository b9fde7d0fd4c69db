"""Two-factor authentication of staff through the web app (issue 14, item 8): enrolment with
a QR code and recovery codes, the sign-in code step, no replay, required for admins."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pyotp
import pytest
from fastapi.testclient import TestClient

from tests.integration.staff_accounts_support import (
    HTML,
    enrol_totp,
    page_code,
    page_login,
)
from tests.integration.staff_web_support import ADMIN, ADVISOR, login, staff_id
from tests.integration.web_support import closed_port, web_client, web_settings
from webapp.main import create_app


@pytest.fixture
def enrolled_advisor(seeded_sqlite_url: str) -> Iterator[tuple[str, list[str]]]:
    """The demo advisor with TOTP on: (secret, recovery codes); signed out again."""
    with web_client(seeded_sqlite_url) as client:
        login(client, ADVISOR)
        yield enrol_totp(client, seeded_sqlite_url, ADVISOR[0])


def fresh_code(secret: str) -> str:
    """The next step's code (accepted: one step of clock drift), later than the step the
    enrolment used, so it is no replay."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def test_enrolment_shows_an_svg_qr_code_and_ten_recovery_codes_once(
    seeded_sqlite_url: str, enrolled_advisor: tuple[str, list[str]]
) -> None:
    secret, codes = enrolled_advisor
    with web_client(seeded_sqlite_url) as client:
        credentials = {"email": ADVISOR[0], "password": ADVISOR[1], "code": fresh_code(secret)}
        assert client.post("/api/staff/login", json=credentials).status_code == 200
        client.headers["Accept"] = HTML["Accept"]
        page = client.get("/staff/account/totp")

    assert len(set(codes)) == 10
    assert page.status_code == 200 and 'data-console="totp-state"' in page.text
    assert not any(code in page.text for code in codes)  # shown once only


def test_signing_in_asks_for_the_code_and_a_code_is_never_accepted_twice(
    seeded_sqlite_url: str, enrolled_advisor: tuple[str, list[str]]
) -> None:
    secret, _codes = enrolled_advisor
    code = fresh_code(secret)
    with web_client(seeded_sqlite_url) as first, web_client(seeded_sqlite_url) as second:
        asked = page_login(first, *ADVISOR)
        assert asked.status_code == 200 and 'action="/staff/login/code"' in asked.text
        assert "pitlane_staff=" not in asked.headers.get("set-cookie", "")
        assert first.get("/api/staff/me").status_code == 401  # no session before the code
        wrong = page_code(first, asked.text, "000000" if code != "000000" else "111111")
        assert wrong.status_code == 401
        accepted = page_code(first, wrong.text, code)
        assert accepted.status_code == 303 and accepted.headers["location"] == "/staff/console"
        assert first.get("/api/staff/me").status_code == 200

        asked_again = page_login(second, *ADVISOR)
        replayed = page_code(second, asked_again.text, code)
        assert replayed.status_code == 401
        assert second.get("/api/staff/me").status_code == 401


def test_a_recovery_code_signs_in_once(
    seeded_sqlite_url: str, enrolled_advisor: tuple[str, list[str]]
) -> None:
    _secret, codes = enrolled_advisor
    with web_client(seeded_sqlite_url) as client:
        asked = page_login(client, *ADVISOR)
        used = page_code(client, asked.text, codes[3].upper().replace("-", " "))
        assert used.status_code == 303
        client.cookies.clear()
        asked = page_login(client, *ADVISOR)
        again = page_code(client, asked.text, codes[3])
    assert again.status_code == 401


def test_the_json_api_requires_the_code_once_totp_is_on(
    seeded_sqlite_url: str, enrolled_advisor: tuple[str, list[str]]
) -> None:
    secret, _codes = enrolled_advisor
    credentials = {"email": ADVISOR[0], "password": ADVISOR[1]}
    with web_client(seeded_sqlite_url) as client:
        without = client.post("/api/staff/login", json=credentials)
        wrong = client.post("/api/staff/login", json={**credentials, "code": "12345x"})
        right = client.post("/api/staff/login", json={**credentials, "code": fresh_code(secret)})

    assert without.status_code == 401
    assert without.json()["error"]["code"] == "second_factor_required"
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_code"
    assert right.status_code == 200, right.text


def test_wrong_codes_slow_the_next_attempts_down(
    seeded_sqlite_url: str, enrolled_advisor: tuple[str, list[str]]
) -> None:
    credentials = {"email": ADVISOR[0], "password": ADVISOR[1], "code": "999999"}
    with web_client(seeded_sqlite_url) as client:
        answers = [client.post("/api/staff/login", json=credentials) for _ in range(7)]

    statuses = [answer.status_code for answer in answers]
    assert statuses[:5] == [401] * 5
    assert 429 in statuses[5:]
    assert int(answers[-1].headers["Retry-After"]) > 0


def test_an_admin_resets_a_members_totp_and_their_sessions_end(
    seeded_sqlite_url: str, enrolled_advisor: tuple[str, list[str]]
) -> None:
    secret, _codes = enrolled_advisor
    advisor_id = staff_id(seeded_sqlite_url, ADVISOR[0])
    credentials = {"email": ADVISOR[0], "password": ADVISOR[1]}
    with web_client(seeded_sqlite_url) as advisor, web_client(seeded_sqlite_url) as admin:
        signed = advisor.post("/api/staff/login", json={**credentials, "code": fresh_code(secret)})
        assert signed.status_code == 200
        admin.headers["X-CSRF-Token"] = login(admin, ADMIN)

        reset = admin.delete(f"/api/staff/accounts/{advisor_id}/totp")

        assert reset.status_code == 200 and reset.json()["totp_enabled"] is False
        assert advisor.get("/api/staff/me").status_code == 401
        again = advisor.post("/api/staff/login", json=credentials)
        assert again.status_code == 200  # password only until they enrol again
        own = admin.delete(f"/api/staff/accounts/{staff_id(seeded_sqlite_url, ADMIN[0])}/totp")
        assert own.status_code == 403 and own.json()["error"]["code"] == "cannot_reset_self"


def test_when_required_an_admin_without_totp_is_sent_to_enrolment_first(
    seeded_sqlite_url: str,
) -> None:
    with web_client(seeded_sqlite_url, staff_totp_required=True) as client:
        signed_in = page_login(client, *ADMIN)
        console = client.get("/staff/console", headers=HTML, follow_redirects=False)
        api = client.get("/api/staff/me")
        enrolment = client.get("/staff/account/totp", headers=HTML)
        secret, _codes = enrol_totp(client, seeded_sqlite_url, ADMIN[0])
        after = client.get("/staff/console", headers=HTML, follow_redirects=False)

    assert signed_in.status_code == 303
    assert console.status_code == 303 and console.headers["location"] == "/staff/account/totp"
    assert api.status_code == 403 and api.json()["error"]["code"] == "totp_enrolment_required"
    assert enrolment.status_code == 200 and 'data-console="totp-start"' in enrolment.text
    assert after.status_code == 200


def test_when_required_an_advisor_is_not_forced_and_production_forces_it(
    seeded_sqlite_url: str,
) -> None:
    with web_client(seeded_sqlite_url, staff_totp_required=True) as client:
        login(client, ADVISOR)
        advisor_console = client.get("/staff/console", headers=HTML, follow_redirects=False)
    settings = web_settings(
        seeded_sqlite_url,
        f"http://127.0.0.1:{closed_port()}",
        env="production",
        rasa_token="r" * 32,
        document_link_secret="d" * 32,
    )
    assert settings.staff_totp_required is False and settings.totp_required_for_admins
    # production cookies are Secure: the client speaks HTTPS to send them back
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        client.post("/api/staff/login", json={"email": ADMIN[0], "password": ADMIN[1]})
        production_api = client.get("/api/staff/me")

    assert advisor_console.status_code == 200
    assert production_api.status_code == 403
