"""core/ is the domain: it imports no adapter, no transport and no web or bot framework, and
it speaks no Rasa (DESIGN.md, "Rules of the shape"). Read from the source with `ast`, so a
lazy import inside a function counts too."""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "core"
CORE_FILES = sorted(CORE.rglob("*.py"))

# The libraries the domain is built on: the database, its migrations, settings, one-time
# codes, password hashes, the demo data's YAML, and Babel's CLDR data for day and month
# names, numbers and plural rules (pure functions, no I/O).
ALLOWED_THIRD_PARTY = frozenset(
    {"sqlalchemy", "alembic", "pydantic", "pydantic_settings", "pyotp", "argon2", "yaml", "babel"}
)
# Standard-library modules that send messages or open connections: transports' business.
FORBIDDEN_STDLIB = ("smtplib", "socket", "ssl", "http.client", "urllib.request", "ftplib")
# `/intent{...}`: Rasa's button payload syntax (an intent name, then its entities as JSON).
RASA_PAYLOAD = re.compile(r"^/[A-Za-z_][A-Za-z0-9_]*\{")
RASA_INTENT = re.compile(r"^/[A-Za-z_][A-Za-z0-9_]*$")


def imported_modules(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of every absolute import; a relative one stays inside core/."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def refused(module: str) -> str | None:
    """Why core/ may not import `module`, or None when it may."""
    top = module.split(".")[0]
    if top == "core" or top in ALLOWED_THIRD_PARTY:
        return None
    if any(module == name or module.startswith(name + ".") for name in FORBIDDEN_STDLIB):
        return "a network client of the standard library (a transport's business)"
    if top in sys.stdlib_module_names:
        return None
    return "neither the standard library, core/ nor a library the domain is built on"


def payload_literals(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, text) of string literals written in Rasa's payload syntax: "/rate{...}",
    f"/rate{entities}" and "/rate" + json.dumps(...)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if RASA_PAYLOAD.match(node.value):
                yield node.lineno, node.value
        elif isinstance(node, ast.JoinedStr):
            shown = "".join(
                part.value if isinstance(part, ast.Constant) else "{…}" for part in node.values
            )
            if RASA_PAYLOAD.match(shown):
                yield node.lineno, f'f"{shown}"'
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left = node.left
            if (
                isinstance(left, ast.Constant)
                and isinstance(left.value, str)
                and RASA_INTENT.match(left.value)
            ):
                yield node.lineno, f'"{left.value}" + …'


def name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def parsed(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_core_has_python_files_to_check() -> None:
    assert len(CORE_FILES) > 10


@pytest.mark.parametrize("path", CORE_FILES, ids=name)
def test_core_imports_only_the_standard_library_itself_and_its_own_libraries(path) -> None:
    problems = [
        f"{name(path)}:{line} imports {module}: {why}"
        for line, module in imported_modules(parsed(path))
        if (why := refused(module)) is not None
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", CORE_FILES, ids=name)
def test_core_writes_no_rasa_button_payload(path) -> None:
    found = [
        f"{name(path)}:{line} holds the Rasa payload {text!r}"
        for line, text in payload_literals(parsed(path))
    ]
    assert not found, "\n".join(found) + "\n(the channel that sends the buttons builds payloads)"


@pytest.mark.parametrize(
    ("module", "allowed"),
    [
        ("sqlalchemy.orm", True),
        ("core.models", True),
        ("json", True),
        ("zoneinfo", True),
        ("babel.dates", True),
        ("twilio.rest", False),
        ("smtplib", False),
        ("urllib.request", False),
        ("fastapi", False),
        ("starlette.requests", False),
        ("telegram", False),
        ("rasa_sdk", False),
        ("httpx", False),
        ("aiohttp", False),
        ("channels.store", False),
        ("webapp.settings", False),
        ("actions.base", False),
        ("transports", False),
        ("hub", False),
    ],
)
def test_the_import_rule_tells_the_domain_from_the_outside(module, allowed) -> None:
    assert (refused(module) is None) is allowed


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ('x = \'/rate{"rating": "5"}\'', True),
        ('x = f"/rate{entities}"', True),
        ('x = "/choose" + json.dumps(values)', True),
        ('x = "/staff/outbox"', False),
        ('x = f"/staff/attachments/{n}"', False),
        ('x = "rate{"', False),
    ],
)
def test_the_payload_rule_finds_rasa_payloads_however_they_are_written(source, found) -> None:
    assert bool(list(payload_literals(ast.parse(source)))) is found
