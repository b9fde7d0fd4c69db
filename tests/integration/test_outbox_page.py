"""The development outbox page: admins only, development only, newest first, escaped."""

from __future__ import annotations

from html import unescape

from fastapi.testclient import TestClient

from core.notify import OutboxTransport
from tests.integration.staff_web_support import ADMIN, ADVISOR, login, units_of_work
from tests.integration.web_support import web_settings
from webapp.main import create_app


def client_for(url: str, env: str) -> TestClient:
    return TestClient(create_app(web_settings(url, "http://127.0.0.1:9", env=env)))


def test_staff_see_the_outbox_newest_first_and_escaped(seeded_sqlite_url: str) -> None:
    with units_of_work(seeded_sqlite_url) as factory:
        OutboxTransport("sms", factory).send("+33612345642", None, "Votre code Pitlane : 111111")
        OutboxTransport("email", factory).send("x@example.fr", "Code", "<script>alert(1)</script>")
    with client_for(seeded_sqlite_url, "development") as client:
        assert client.get("/staff/outbox", follow_redirects=False).status_code == 303
        login(client, ADMIN)
        page = client.get("/staff/outbox").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert page.index("x@example.fr") < page.index("+33612345642")
    assert "111111" in page


def test_an_advisor_may_not_read_the_outbox_and_its_codes(seeded_sqlite_url: str) -> None:
    with units_of_work(seeded_sqlite_url) as factory:
        OutboxTransport("sms", factory).send("+33612345642", None, "Votre code Pitlane : 222222")
    with client_for(seeded_sqlite_url, "development") as client:
        login(client, ADVISOR)
        answer = client.get("/staff/outbox")

    assert answer.status_code == 403
    assert "222222" not in answer.text


def test_the_outbox_is_not_found_outside_development(seeded_sqlite_url: str) -> None:
    with client_for(seeded_sqlite_url, "test") as client:
        login(client, ADMIN)
        assert client.get("/staff/outbox").status_code == 404


def test_the_outbox_speaks_french_by_default_and_english_when_asked(
    seeded_sqlite_url: str,
) -> None:
    with client_for(seeded_sqlite_url, "development") as client:
        login(client, ADMIN)
        french = unescape(client.get("/staff/outbox").text)
        english = unescape(
            client.get("/staff/outbox", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
        )
    assert "Boîte d'envoi (développement)" in french and "Aucun message pour l'instant." in french
    assert "Outbox (development)" in english and "No message yet." in english
