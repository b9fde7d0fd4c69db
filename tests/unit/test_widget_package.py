"""The built widget's manifest, integrity values and embed tag (channels/widget_package.py)."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from pathlib import Path

import pytest

from channels.widget_package import built_widget, embed_tag, file_names, integrity


def write_manifest(folder: Path, version: str = "2.3.4") -> None:
    names = file_names(version)
    (folder / names["script"]).write_bytes(b"console.log(1)")
    manifest = {
        "version": version,
        "script": names["script"],
        "style": names["style"],
        "integrity": {names["script"]: integrity(b"console.log(1)"), names["style"]: "x"},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_integrity_is_the_base64_sha384_browsers_check() -> None:
    digest = hashlib.sha384(b"abc").digest()

    assert integrity(b"abc") == "sha384-" + base64.b64encode(digest).decode()
    assert integrity(b"abc") != integrity(b"abd")


def test_reads_the_manifest_and_serves_only_the_files_it_lists(tmp_path: Path) -> None:
    write_manifest(tmp_path)

    built = built_widget(tmp_path)

    assert built is not None and built.version == "2.3.4"
    assert built.path("pitlane-widget-2.3.4.min.js") == tmp_path / "pitlane-widget-2.3.4.min.js"
    assert built.path("manifest.json") is None and built.path("../web.py") is None
    assert built.url(built.script) == "/widget/dist/pitlane-widget-2.3.4.min.js"


def test_without_a_build_there_is_none_and_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, "channels.widget_package"):
        assert built_widget(tmp_path / "never-built") is None

    assert "make widget" in caplog.text


def test_the_embed_tag_names_the_versioned_script_its_integrity_and_cors_mode(
    tmp_path: Path,
) -> None:
    write_manifest(tmp_path)
    built = built_widget(tmp_path)
    assert built is not None

    tag = embed_tag("https://chat.example", built)

    sri = integrity(b"console.log(1)")
    assert tag == (
        '<script src="https://chat.example/widget/dist/pitlane-widget-2.3.4.min.js" '
        f'integrity="{sri}" crossorigin="anonymous" defer></script>'
    )
    assert 'src="https://x.example&quot;&gt;' in embed_tag('https://x.example">', built)
