"""The built widget package (widget/, docs/widget.md): its manifest, files and embed tag.

`scripts/build_widget.py` minifies the widget's join (script_bundle.widget_bundle) and its
style sheets with esbuild into widget/dist/, one script and one style sheet named by the
package's version, and writes dist/manifest.json with their Subresource Integrity hashes.
The server reads the manifest to serve those files (immutable: a new version is a new name)
and to print the embed tag; without a build it serves the join, as before. Standard library
only: the build runs it without the app's virtual environment.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from dataclasses import dataclass
from html import escape
from pathlib import Path

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = ROOT / "widget"
DIST_DIR = PACKAGE_DIR / "dist"
MANIFEST = "manifest.json"
URL_PREFIX = "/widget/dist/"  # where the server serves the built files


def integrity(data: bytes) -> str:
    """The Subresource Integrity value of `data` (sha384, what browsers check)."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")


def package_version() -> str:
    return json.loads((PACKAGE_DIR / "package.json").read_text(encoding="utf-8"))["version"]


def file_names(version: str) -> dict[str, str]:
    """The built files of one version, by kind."""
    stem = f"pitlane-widget-{version}.min"
    return {"script": f"{stem}.js", "style": f"{stem}.css", "sourcemap": f"{stem}.js.map"}


@dataclass(frozen=True)
class BuiltWidget:
    """One build, as its manifest describes it."""

    directory: Path
    version: str
    script: str
    style: str
    integrity: dict[str, str]  # file name -> sha384-...

    def path(self, name: str) -> Path | None:
        """A file of the build by name; None for any name the manifest does not list."""
        return self.directory / name if name in self.integrity else None

    def url(self, name: str) -> str:
        return URL_PREFIX + name


_warned: set[Path] = set()


def built_widget(directory: Path = DIST_DIR) -> BuiltWidget | None:
    """The build in `directory`, or None (logged once) when it was never built."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        return BuiltWidget(
            directory,
            manifest["version"],
            manifest["script"],
            manifest["style"],
            dict(manifest["integrity"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        if directory not in _warned:
            _warned.add(directory)
            log.warning("no built widget in %s (make widget): serving the joined one", directory)
        return None


def embed_tag(origin: str, built: BuiltWidget) -> str:
    """The tag a dealer's site pastes: the versioned script, its integrity, CORS mode."""
    src = escape(origin + built.url(built.script))
    sri = escape(built.integrity[built.script])
    return f'<script src="{src}" integrity="{sri}" crossorigin="anonymous" defer></script>'
