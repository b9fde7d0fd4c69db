"""Text that cannot be stored: a lone surrogate (JSON's "\\ud800") or anything else UTF-8
cannot encode. One check for every entry point (docs/security.md, "Bad text")."""

from __future__ import annotations

INVALID_TEXT = "invalid_text"  # the refusal's code on every channel


def encodable(text: str) -> bool:
    """Whether `text` is valid Unicode that UTF-8 (and so the database) can hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def all_encodable(value: object) -> bool:
    """Whether every string of a parsed JSON value (object keys included) is encodable;
    walked without recursion, so any depth json.loads accepted is fine."""
    waiting = [value]
    while waiting:
        item = waiting.pop()
        if isinstance(item, str):
            if not encodable(item):
                return False
        elif isinstance(item, dict):
            waiting.extend(item.keys())
            waiting.extend(item.values())
        elif isinstance(item, list):
            waiting.extend(item)
    return True
