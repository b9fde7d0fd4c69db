"""The widget package: built by esbuild (minified, versioned, with the texts and all three
style sheets), packed by npm, and served with its Subresource Integrity, CORS and caching."""

from __future__ import annotations

import json
import re
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from channels.script_bundle import (
    WIDGET_EXTENSIONS,
    WIDGET_SCRIPT,
    WIDGET_STYLES,
    widget_bundle,
)
from channels.widget_package import PACKAGE_DIR, built_widget, integrity
from scripts.build_widget import pack
from tests.integration.web_support import web_client
from tests.integration.widget_package_support import build_package


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_package(tmp_path_factory.mktemp("widget"))


@pytest.fixture
def client(seeded_sqlite_url: str, package: Path) -> Iterator[TestClient]:
    with web_client(seeded_sqlite_url, widget_dist=package / "dist") as client:
        yield client


def manifest(package: Path) -> dict:
    return json.loads((package / "dist" / "manifest.json").read_text())


def test_the_versioned_files_are_served_immutable_with_cors_and_match_their_integrity(
    client: TestClient, package: Path
) -> None:
    files = manifest(package)["integrity"]
    assert sorted(files) == [
        "pitlane-widget-1.0.0.min.css",
        "pitlane-widget-1.0.0.min.js",
        "pitlane-widget-1.0.0.min.js.map",
    ]
    for name, sri in files.items():
        response = client.get(f"/widget/dist/{name}", headers={"Origin": "https://dealer.example"})

        assert response.status_code == 200
        assert integrity(response.content) == sri
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["access-control-allow-origin"] == "*"
    kinds = [client.get(f"/widget/dist/{name}").headers["content-type"] for name in sorted(files)]
    assert [kind.split(";")[0] for kind in kinds] == [
        "text/css",
        "text/javascript",
        "application/json",
    ]


def test_other_names_under_dist_are_not_served(client: TestClient) -> None:
    for name in ("manifest.json", "pitlane-widget-0.9.0.min.js", "..%2Fpackage.json"):
        assert client.get(f"/widget/dist/{name}").status_code == 404


def test_the_stable_entry_point_is_the_current_bundle_cached_briefly(
    client: TestClient, package: Path
) -> None:
    response = client.get("/widget.js")

    built = manifest(package)
    assert integrity(response.content) == built["integrity"][built["script"]]
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.headers["access-control-allow-origin"] == "*"
    assert client.get("/static/widget.js").content == response.content


def test_without_a_build_the_entry_point_is_the_servers_join(
    seeded_sqlite_url: str, tmp_path: Path
) -> None:
    with web_client(seeded_sqlite_url, widget_dist=tmp_path) as client:
        response = client.get("/widget.js")
        embed = client.get("/widget/embed")

    assert "var build = null;" in response.text and "var dom = " in response.text
    assert response.headers["cache-control"] == "no-cache"
    assert embed.status_code == 404


def test_the_embed_tag_carries_the_integrity_and_cors_mode(
    client: TestClient, package: Path
) -> None:
    tag = client.get("/widget/embed").text.strip()

    sri = manifest(package)["integrity"]["pitlane-widget-1.0.0.min.js"]
    assert tag == (
        '<script src="http://testserver/widget/dist/pitlane-widget-1.0.0.min.js" '
        f'integrity="{sri}" crossorigin="anonymous" defer></script>'
    )


def test_the_bundle_is_minified_and_holds_the_texts_the_extensions_and_the_style(
    package: Path,
) -> None:
    built = built_widget(package / "dist")
    assert built is not None
    script = (package / "dist" / built.script).read_text()
    joined = widget_bundle({"version": "1.0.0", "style": "x", "integrity": "y"})
    scripts = sum(len(p.read_text()) for p in (WIDGET_SCRIPT, *WIDGET_EXTENSIONS))

    assert len(joined) > scripts + 10_000  # the helpers and the texts of both languages
    assert len(script) < 0.6 * len(joined)
    assert "/*" not in script and "Embed with one tag" not in script  # no comments
    assert script.rstrip().endswith("//# sourceMappingURL=pitlane-widget-1.0.0.min.js.map")
    assert script.count("\n") < 5
    assert '"Envoyer"' in script and '"Send"' in script  # both languages' texts
    assert '"Salons"' in script and "/ws/rooms" in script  # rooms.js and its texts
    assert "/widget/map-config" in script  # widget-map.js
    assert "/widget/dist/pitlane-widget-1.0.0.min.css" in script
    assert built.integrity[built.style] in script  # the style sheet is checked too


def test_the_style_sheet_joins_the_three_sheets_minified(package: Path) -> None:
    style = (package / "dist" / "pitlane-widget-1.0.0.min.css").read_text()
    sources = sum(len(p.read_text()) for p in WIDGET_STYLES)

    assert len(style) < 0.85 * sources and "/*" not in style
    for selector in (".pl-launcher", ".pl-agencies", ".pl-tabs"):  # one of each sheet
        assert re.search(re.escape(selector) + r"[{,:. \[]", style), selector


def test_npm_pack_ships_the_built_files_the_manifest_and_the_readme(
    package: Path, tmp_path: Path
) -> None:
    tarball = pack(tmp_path, package)

    with tarfile.open(tarball) as archive:
        names = sorted(archive.getnames())
    assert tarball.name == "pitlane-widget-1.0.0.tgz"
    assert names == [
        "package/README.md",
        "package/dist/manifest.json",
        "package/dist/pitlane-widget-1.0.0.min.css",
        "package/dist/pitlane-widget-1.0.0.min.js",
        "package/dist/pitlane-widget-1.0.0.min.js.map",
        "package/package.json",
    ]


def test_the_package_exports_the_files_of_its_version() -> None:
    described = json.loads((PACKAGE_DIR / "package.json").read_text())
    version = described["version"]

    assert described["exports"]["."] == f"./dist/pitlane-widget-{version}.min.js"
    assert described["exports"]["./style.css"] == f"./dist/pitlane-widget-{version}.min.css"
    assert described["files"] == ["dist/", "README.md"]
    root = json.loads((PACKAGE_DIR.parent / "package-lock.json").read_text())
    assert root["packages"]["widget"]["devDependencies"]["esbuild"] == "0.28.2"
    assert root["packages"]["node_modules/esbuild"]["version"] == "0.28.2"  # exact pin
