"""Intent names of the Rasa domain, to tell a known button payload from a forged one."""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path

import yaml

log = logging.getLogger(__name__)

# Intents every Rasa 3.6 domain has, declared or not.
RASA_DEFAULT_INTENTS = frozenset(
    {"restart", "back", "out_of_scope", "session_start", "nlu_fallback"}
)

# libyaml's safe loader when PyYAML was built with it (several times faster), else Python's.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_PAYLOAD = re.compile(r"^/(?P<intent>[^{@\s]+)(?P<rest>.*)$", re.DOTALL)


def load_intents(project_dir: Path) -> frozenset[str] | None:
    """Intent names from domain.yml or domain/*.yml; None when no domain is there yet."""
    files = [project_dir / "domain.yml"] + sorted((project_dir / "domain").glob("**/*.yml"))
    names: set[str] = set()
    found = False
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            continue
        declared = _declared_intents(path, stat.st_mtime_ns, stat.st_size)
        if declared is None:
            continue
        found = True
        names.update(declared)
    if not found:
        log.warning("no Rasa domain under %s: button payloads are not checked", project_dir)
        return None
    return frozenset(names | RASA_DEFAULT_INTENTS)


@functools.lru_cache(maxsize=128)
def _declared_intents(path: Path, mtime_ns: int, size: int) -> frozenset[str] | None:  # noqa: ARG001
    """The intents one domain file declares (read again when it changes: the cache's key has
    its time and size); None when it cannot be read. Every app built (each test's too) asks."""
    try:
        content = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}
    except (OSError, yaml.YAMLError) as exc:
        log.warning("cannot read intents from %s: %s", path, exc)
        return None
    declared = content.get("intents") if isinstance(content, dict) else None
    names: set[str] = set()
    for item in declared or []:
        if isinstance(item, str):
            names.add(item)
        elif isinstance(item, dict):
            names.update(str(key) for key in item)
    return frozenset(names)


def intent_payload(intent: str, entities: Mapping[str, str]) -> str:
    """A button payload that triggers `intent` with those entities: `/intent{"k": "v"}`."""
    return f"/{intent}{json.dumps(dict(entities))}"


def is_payload(text: str) -> bool:
    """A message starting with '/' is a button payload (Rasa's intent shortcut)."""
    return text.startswith("/")


def payload_is_known(text: str, intents: frozenset[str] | None) -> bool:
    """True when `/intent{json}` names a domain intent and its entities parse as an object."""
    if intents is None:
        return True
    match = _PAYLOAD.match(text)
    if match is None or match.group("intent") not in intents:
        return False
    rest = match.group("rest").strip()
    if not rest or rest.startswith("@"):
        return True
    entities_text = rest.rsplit("@", 1)[0] if re.search(r"}@[\d.]+$", rest) else rest
    try:
        entities = json.loads(entities_text)
    except ValueError:
        return False
    return isinstance(entities, dict)
