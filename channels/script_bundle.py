"""The browser scripts as served: shared helpers, texts and the script joined in one file.

The widget is embedded with one classic `<script src=".../widget.js">` (it finds its server
through `document.currentScript`) and the console page loads one same-origin script: no
build step, no module loader. So the server joins, inside one function scope, the shared
helpers (static/shared/dom.js, i18n.js), the texts of both languages (one JSON catalogue per
language, static/i18n/<lang>.json, the sections the script needs) and the script itself.
The helpers are shared without a global on the host page, the script starts at once with its
texts (no second request before the widget is drawn), and the one-tag embed is unchanged.
The widget's extensions (rooms.js, widget-map.js) are plain files: they take the helpers and
the texts from the widget's parts.
The widget package (widget/, built by scripts/build_widget.py) minifies this same join, with
the extensions appended in the scope and the built style sheet named in `build`: one join, in
this module, for the served script and the built one (docs/widget.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

STATIC_DIR = Path(__file__).parent / "static"
HELPERS = (STATIC_DIR / "shared" / "dom.js", STATIC_DIR / "shared" / "i18n.js")
# The widget also carries its credential (shared/credential.js), which rooms.js and
# widget-map.js use through the widget's parts.
WIDGET_HELPERS = (*HELPERS, STATIC_DIR / "shared" / "credential.js")
CATALOGUE_DIR = STATIC_DIR / "i18n"
LANGUAGES = ("fr", "en")
# The catalogue sections each bundled script carries: the widget carries its extensions' too.
WIDGET_SECTIONS = ("widget", "rooms", "map")
CONSOLE_SECTIONS = ("console",)
WIDGET_SCRIPT = STATIC_DIR / "widget.js"
# The built bundle carries them; the served join loads them as files.
WIDGET_EXTENSIONS = (STATIC_DIR / "widget-map.js", STATIC_DIR / "rooms.js")
# The built style sheet, in the order the served files take in the shadow root.
WIDGET_STYLES = (STATIC_DIR / "widget.css", STATIC_DIR / "widget-map.css", STATIC_DIR / "rooms.css")


def catalogue(language: str) -> dict[str, Any]:
    """The scripts' texts in one language (the whole JSON catalogue)."""
    return json.loads((CATALOGUE_DIR / f"{language}.json").read_text(encoding="utf-8"))


def bundle(
    script: Path,
    sections: tuple[str, ...],
    helpers: tuple[Path, ...] = HELPERS,
    preamble: str = "",
    extensions: tuple[Path, ...] = (),
) -> str:
    """The script preceded by the shared helpers and its texts (and `preamble`), followed by
    `extensions`, in one function scope."""
    parts = [f"/* Pitlane {script.name}: helpers, texts and script, joined by the server. */"]
    parts.append("(function () {")
    parts.extend(helper.read_text(encoding="utf-8") for helper in helpers)
    for language in LANGUAGES:
        texts = catalogue(language)
        chosen = {"locale": texts["locale"], **{section: texts[section] for section in sections}}
        parts.append(f"i18n.add({json.dumps(language)}, {_as_script(chosen)});")
    if preamble:
        parts.append(preamble)
    parts.append(script.read_text(encoding="utf-8"))
    parts.extend(extension.read_text(encoding="utf-8") for extension in extensions)
    parts.append("})();\n")
    return "\n".join(parts)


def widget_bundle(build: dict[str, str] | None = None) -> str:
    """The widget as the server joins it (`build` null: its extensions and styles loaded as
    files), or the source of the built bundle: `build` names the built style sheet and its
    integrity ({"version", "style", "integrity"}) and the extensions are in the scope."""
    preamble = f"var build = {_as_script(build)};"
    extensions = WIDGET_EXTENSIONS if build else ()
    return bundle(WIDGET_SCRIPT, WIDGET_SECTIONS, WIDGET_HELPERS, preamble, extensions)


def _as_script(value: Any) -> str:
    # JSON is a JavaScript expression; the two line separators are escaped for older engines.
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
