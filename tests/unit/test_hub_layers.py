"""Dependencies point down (DESIGN.md, "Rules of the shape"): core < hub < channels <
backoffice < webapp. The hub imports no web framework, channel library or adapter; channels
import no backoffice; nothing but the web app's wiring imports it; there is no import circle;
and only the hub's one way out stores a message sent out of turn. Read from the source with
`ast`, so a lazy import inside a function counts too (`if TYPE_CHECKING:` blocks do not)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (
    "core",
    "hub",
    "channels",
    "backoffice",
    "webapp",
    "transports",
    "documents",
    "actions",
    "ops",
)
# Web frameworks, channel libraries, HTTP clients and the scheduler: adapters' business.
FRAMEWORKS = (
    "fastapi",
    "starlette",
    "telegram",
    "twilio",
    "httpx",
    "aiohttp",
    "uvicorn",
    "apscheduler",
)
# What each package may import of the project's own packages.
# ops/ (what the processes report about themselves: metrics, error reports) is cross-cutting:
# the hub and the channels may report through it; it imports none of the layers.
MAY_IMPORT = {
    "hub": {"core", "hub", "ops"},
    "channels": {"core", "hub", "channels", "ops"},
    "transports": {"core", "hub", "transports"},
    # documents rendered for customers and staff (PDFs: reportlab), an adapter like transports
    "documents": {"core", "documents"},
    "backoffice": {"core", "hub", "channels", "backoffice", "documents"},
    # what the processes report about themselves (error reports), for the web app and the
    # action server alike: none of the project's layers
    "ops": {"ops"},
}


def files_of(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imports(tree: ast.Module, top_level_only: bool = False) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of the absolute imports, outside `if TYPE_CHECKING:` blocks;
    `top_level_only`: those run when the module is imported (not inside functions)."""
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if _type_checking(node):
            continue
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            yield from ((node.lineno, f"{node.module}.{a.name}") for a in node.names)
        elif top_level_only and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        else:
            pending.extend(ast.iter_child_nodes(node))


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def name(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", files_of("hub"), ids=name)
def test_the_hub_imports_no_web_framework_channel_library_or_adapter(path) -> None:
    problems = [
        f"{name(path)}:{line} imports {module}"
        for line, module in imports(parsed(path))
        if module.split(".")[0] in FRAMEWORKS
        or module.split(".")[0] in set(PACKAGES) - MAY_IMPORT["hub"]
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_each_package_imports_only_the_layers_below_it(package) -> None:
    problems = [
        f"{name(path)}:{line} imports {module}"
        for path in files_of(package)
        for line, module in imports(parsed(path))
        if module.split(".")[0] in PACKAGES and module.split(".")[0] not in MAY_IMPORT[package]
    ]
    assert not problems, "\n".join(problems)


def test_the_project_has_no_import_circle_outside_core() -> None:
    modules = {module_of(p): p for package in PACKAGES[1:] for p in files_of(package)}
    graph = {
        module: {m for _, m in imports(parsed(path), top_level_only=True) if m in modules}
        for module, path in modules.items()
    }
    circles = []
    done: set[str] = set()

    def visit(module: str, trail: list[str]) -> None:
        if module in trail:
            circles.append(trail[trail.index(module) :] + [module])
            return
        if module in done:
            return
        for imported in sorted(graph[module]):
            if imported != module:
                visit(imported, [*trail, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
    assert not circles, "\n".join(" -> ".join(c) for c in circles)


def test_only_the_one_way_out_stores_a_message_sent_out_of_turn() -> None:
    callers = [
        name(path)
        for package in PACKAGES
        for path in files_of(package)
        for node in ast.walk(parsed(path))
        if isinstance(node, ast.Attribute) and node.attr == "store_out_of_turn"
    ]
    assert callers == ["hub/outbound.py"]
