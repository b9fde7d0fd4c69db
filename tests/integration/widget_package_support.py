"""The widget package built for a test: a copy of widget/ (package.json, README) whose dist/
is built by scripts/build_widget.py with the real esbuild, in a temporary folder, so tests
never touch the repository's widget/dist (which `make test` builds for the other tests)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from channels.widget_package import PACKAGE_DIR
from scripts.build_widget import ESBUILD, build


def build_package(folder: Path) -> Path:
    """The package in `folder`, built; its folder (dist/ under it)."""
    if not ESBUILD.exists():
        pytest.skip(f"needs esbuild ({ESBUILD}): run `npm ci` (make venvs)")
    package = folder / "package"
    package.mkdir(parents=True)
    for name in ("package.json", "README.md"):
        shutil.copy(PACKAGE_DIR / name, package / name)
    build(package / "dist", folder / "sources")
    return package
