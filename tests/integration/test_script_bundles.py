"""The widget and console scripts are served with the shared helpers and their texts (the
widget as the server joins it, without a build: the built package is
test_widget_package.py's)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.integration.web_support import web_client


@pytest.fixture
def client(seeded_sqlite_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with web_client(seeded_sqlite_url, widget_dist=tmp_path) as client:  # never built
        yield client


def texts_in(script: str) -> dict[str, dict]:
    return {
        language: json.loads(body)
        for language, body in re.findall(r'^i18n\.add\("(\w+)", (.*)\);$', script, re.M)
    }


def test_the_widget_comes_with_the_helpers_and_its_extensions_texts(client: TestClient) -> None:
    response = client.get("/widget.js")

    assert response.headers["content-type"].startswith("text/javascript")
    script = response.text
    assert script.index("var dom = ") < script.index("var i18n = ") < script.index("currentScript")
    texts = texts_in(script)
    assert sorted(texts) == ["en", "fr"]
    assert sorted(texts["fr"]) == ["locale", "map", "rooms", "widget"]
    assert texts["fr"]["widget"]["send"] == "Envoyer" and texts["en"]["widget"]["send"] == "Send"


def test_the_widget_under_static_is_the_same_script(client: TestClient) -> None:
    assert client.get("/static/widget.js").text == client.get("/widget.js").text


def test_the_console_comes_with_the_helpers_and_its_texts_only(client: TestClient) -> None:
    response = client.get("/assets/console.js")

    assert response.headers["content-type"].startswith("text/javascript")
    script = response.text
    assert "var dom = " in script and "/ws/console" in script
    texts = texts_in(script)
    assert sorted(texts["en"]) == ["console", "locale"]
    assert texts["en"]["console"]["accept"] == "Accept"


def test_the_widget_extensions_are_plain_files_using_the_widget_helpers(client: TestClient) -> None:
    for path in ("/rooms.js", "/widget-map.js"):
        script = client.get(path).text
        assert "i18n.add(" not in script and "P.i18n.translator(" in script
