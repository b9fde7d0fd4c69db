"""Build the widget package (widget/): one minified, versioned script and style sheet.

    python scripts/build_widget.py              # widget/dist/ (make widget)
    python scripts/build_widget.py --pack DIR   # and `npm pack` the package into DIR

The script is the same join the server makes (channels/script_bundle.widget_bundle) with the
widget's extensions inside and the built style sheet named with its integrity; esbuild (pinned
in package-lock.json, installed by `npm ci`) minifies both. dist/manifest.json lists the files
and their sha384 integrity for the server and the embed tag (channels/widget_package.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from channels.script_bundle import WIDGET_STYLES, widget_bundle  # noqa: E402
from channels.widget_package import (  # noqa: E402
    DIST_DIR,
    MANIFEST,
    PACKAGE_DIR,
    ROOT,
    URL_PREFIX,
    file_names,
    integrity,
    package_version,
)

# esbuild's own binary may be named instead (the Dockerfile's image has no Node.js)
ESBUILD = Path(os.environ.get("ESBUILD") or ROOT / "node_modules" / ".bin" / "esbuild")
SOURCE_DIR = PACKAGE_DIR / "build"  # the joined, unminified script the source map points to


def esbuild(*args: str) -> None:
    if not ESBUILD.exists():
        sys.exit(f"{ESBUILD} is missing: run `npm ci` (make venvs) first")
    command = [str(ESBUILD), "--minify", "--legal-comments=none", "--log-level=warning", *args]
    subprocess.run(command, check=True)


def build(dist: Path = DIST_DIR, sources: Path = SOURCE_DIR) -> dict[str, object]:
    """Write `dist` afresh (the joined sources in `sources`); the manifest."""
    version = package_version()
    names = file_names(version)
    shutil.rmtree(dist, ignore_errors=True)
    dist.mkdir(parents=True)
    sources.mkdir(parents=True, exist_ok=True)

    styles = sources / f"pitlane-widget-{version}.css"
    styles.write_text("\n".join(p.read_text(encoding="utf-8") for p in WIDGET_STYLES), "utf-8")
    esbuild(str(styles), f"--outfile={dist / names['style']}")
    style_sri = integrity((dist / names["style"]).read_bytes())

    build_info = {"version": version, "style": URL_PREFIX + names["style"], "integrity": style_sri}
    source = sources / f"pitlane-widget-{version}.js"
    source.write_text(widget_bundle(build_info), encoding="utf-8")
    script = dist / names["script"]
    esbuild(str(source), "--target=es2017", "--sourcemap", f"--outfile={script}")

    files = [names["script"], names["style"], names["sourcemap"]]
    manifest = {
        "name": "@pitlane/widget",
        "version": version,
        "script": names["script"],
        "style": names["style"],
        "integrity": {name: integrity((dist / name).read_bytes()) for name in files},
    }
    (dist / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def pack(destination: Path, package: Path = PACKAGE_DIR) -> Path:
    """`npm pack` the built `package` into `destination`; the tarball's path."""
    destination = destination.resolve()
    destination.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as cache:  # no write to the user's npm cache
        done = subprocess.run(
            ["npm", "pack", "--json", f"--pack-destination={destination}"],
            cwd=package,
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "npm_config_cache": cache},
        )
    return destination / json.loads(done.stdout)[0]["filename"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", type=Path, help="npm pack the package into this directory")
    args = parser.parse_args()
    manifest = build()
    print(f"==> widget {manifest['version']}: {DIST_DIR.relative_to(ROOT)}/{manifest['script']}")
    if args.pack:
        print(f"==> {pack(args.pack).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
