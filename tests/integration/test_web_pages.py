"""The demo page, the widget's files, the OpenAPI docs and the security headers."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core.i18n import messages
from tests.integration.web_support import web_client
from tests.integration.widget_package_support import build_package


@pytest.fixture
def client(seeded_sqlite_url: str, tmp_path: Path) -> Iterator[TestClient]:
    # The widget never built: the page embeds the server's join (the built package's page:
    # test_demo_page_embeds_the_built_bundle_with_its_integrity).
    with web_client(seeded_sqlite_url, widget_dist=tmp_path) as client:
        yield client


def test_serves_the_demo_page_with_the_widget_embedded_by_one_tag(client: TestClient) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<html lang="fr">' in page and "Pitlane Motos" in page
    assert '<script src="http://testserver/widget.js" defer></script>' in page
    assert '<script src="http://testserver/widget.js" defer>' in shown_snippet(page)


def test_demo_page_embeds_the_built_bundle_with_its_integrity(
    seeded_sqlite_url: str, tmp_path: Path
) -> None:
    package = build_package(tmp_path)
    with web_client(seeded_sqlite_url, widget_dist=package / "dist") as client:
        page = client.get("/").text
        tag = client.get("/widget/embed").text.strip()

    assert 'integrity="sha384-' in tag and 'crossorigin="anonymous"' in tag
    assert page.count(tag) == 1  # the page's own widget
    assert shown_snippet(page) == tag  # and the snippet shown for dealers
    assert "/widget.js" not in page


def test_demo_page_says_its_language_title_description_and_viewport(client: TestClient) -> None:
    page = client.get("/").text

    head = page[: page.index("</head>")]
    texts = messages("demo", "fr")  # the page is French; English has the same keys
    assert head.startswith('<!doctype html>\n<html lang="fr">')
    assert f"<title>{html.escape(texts['page_title'])}</title>" in head
    assert f'<meta name="description" content="{html.escape(texts["page_description"])}">' in head
    assert 50 <= len(texts["page_description"]) <= 160  # what search engines show
    assert messages("demo", "en")["page_title"].startswith("Pitlane Motos · Servicing")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in head
    assert '<meta charset="utf-8">' in head


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/widget.js", "text/javascript"),
        ("/widget.css", "text/css"),
        ("/static/widget.js", "text/javascript"),
        ("/static/widget.css", "text/css"),
        ("/assets/demo.css", "text/css"),
    ],
)
def test_serves_the_widget_and_page_assets(client: TestClient, path: str, kind: str) -> None:
    response = client.get(path)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith(kind)


def test_widget_never_writes_html_from_text(client: TestClient) -> None:
    script = client.get("/widget.js").text

    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
    assert "document.currentScript" in script and "/ws/chat" in script
    assert "maxlength: String(MAX_CHARS)" in script


def test_sets_security_headers(client: TestClient) -> None:
    headers = client.get("/").headers

    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "connect-src 'self' ws://testserver wss://testserver" in csp
    assert "frame-ancestors 'self'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_publishes_the_openapi_document_but_no_docs_pages_by_default(client: TestClient) -> None:
    assert (client.get("/docs").status_code, client.get("/redoc").status_code) == (404, 404)
    paths = client.get("/openapi.json").json()["paths"]

    assert {"/api/bookings", "/webhooks/rest/webhook", "/healthz"} <= set(paths)


def test_the_docs_pages_when_asked_have_their_own_csp_and_are_never_framed(
    seeded_sqlite_url: str,
) -> None:
    with web_client(seeded_sqlite_url, env="development", api_docs=True) as client:
        answers = [client.get("/docs"), client.get("/redoc")]

    for answer in answers:
        assert answer.status_code == 200
        csp = answer.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert answer.headers["x-frame-options"] == "DENY"


def test_production_serves_no_docs_pages_even_when_asked_and_sends_hsts(
    seeded_sqlite_url: str,
) -> None:
    settings = {
        "env": "production",
        "api_docs": True,
        "api_token": "p" * 32,
        "rasa_token": "r" * 32,
        "document_link_secret": "d" * 32,
    }
    with web_client(seeded_sqlite_url, **settings) as client:
        docs, home = client.get("/docs"), client.get("/")

    assert docs.status_code == 404
    assert home.headers["strict-transport-security"].startswith("max-age=31536000")


def test_no_hsts_outside_production(client: TestClient) -> None:
    assert "strict-transport-security" not in client.get("/").headers


def test_answers_an_unknown_path_with_a_json_404(client: TestClient) -> None:
    response = client.get("/nope")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_demo_page_lists_the_agencies_of_the_database_escaped(seeded_sqlite_url: str) -> None:
    from sqlalchemy import create_engine, update
    from sqlalchemy.pool import NullPool

    from core.models import Agency

    engine = create_engine(seeded_sqlite_url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(
            update(Agency).where(Agency.code == "lyon-gerland").values(name="Lyon <b>Gerland</b>")
        )
    engine.dispose()
    with web_client(seeded_sqlite_url) as client:
        page = client.get("/").text

    assert "Lyon &lt;b&gt;Gerland&lt;/b&gt;" in page and "<b>Gerland" not in page
    assert "Pitlane Paris Nord" in page and "Essai sur piste" in page
    assert "<strong>3</strong> agences" in page


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+33 1 99 00 18 18", "01\u00a099\u00a000\u00a018\u00a018"),
        ("+33199001818", "01\u00a099\u00a000\u00a018\u00a018"),
        ("+44 20 7946 0958", "+44 20 7946 0958"),
    ],
)
def test_french_numbers_are_shown_the_french_way(stored: str, shown: str) -> None:
    from backoffice.pages import display_phone

    assert display_phone(stored) == shown


def shown_snippet(page: str) -> str:
    """The embed tag the page shows dealers, as they read it (inside <pre><code>)."""
    match = re.search(r"<pre><code>(.*?)</code></pre>", page, re.S)
    assert match, "no snippet shown"
    return html.unescape(match.group(1))
