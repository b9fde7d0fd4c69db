"""String templates for the staff pages: `{{ name }}` placeholders, escaped unless `Safe`.

No template engine: the pages are small and every value passes through `html.escape`, so
nothing a customer or a staff user typed can become markup. A placeholder without a value
is an error, never an empty string.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from html import escape
from pathlib import Path

TEMPLATES_DIR = Path(__file__).parent / "templates"
_PLACEHOLDER = re.compile(r"\{\{ ([a-z_][a-z0-9_.]*) \}\}")


class Safe(str):
    """Markup built by our code from escaped parts: inserted as is."""


@lru_cache(maxsize=16)
def template(name: str) -> str:
    return (TEMPLATES_DIR / name).read_text(encoding="utf-8")


def render(name: str, values: Mapping[str, object], texts: Mapping[str, str]) -> str:
    """The template `name` with `{{ key }}` from `values` and `{{ t.key }}` from `texts`."""

    def value(match: re.Match[str]) -> str:
        key = match.group(1)
        found = texts[key[2:]] if key.startswith("t.") else values[key]
        return found if isinstance(found, Safe) else escape(str(found), quote=True)

    return _PLACEHOLDER.sub(value, template(name))


def tag(name: str, text: str = "", **attributes: object) -> Safe:
    """One element with escaped text and attributes; `class_` for class, None drops one."""
    parts = [name]
    for key, raw in attributes.items():
        if raw is None or raw is False:
            continue
        attr = key.rstrip("_").replace("_", "-")
        parts.append(attr if raw is True else f'{attr}="{escape(str(raw), quote=True)}"')
    content = text if isinstance(text, Safe) else escape(text)
    return Safe(f"<{' '.join(parts)}>{content}</{name}>")


def void(element_name: str, /, **attributes: object) -> Safe:
    """A void element (input, meta, img) with escaped attributes, as `tag` writes them."""
    parts = [element_name]
    for key, raw in attributes.items():
        if raw is None or raw is False:
            continue
        attr = key.rstrip("_").replace("_", "-")
        parts.append(attr if raw is True else f'{attr}="{escape(str(raw), quote=True)}"')
    return Safe(f"<{' '.join(parts)}>")
