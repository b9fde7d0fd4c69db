"""The staff pages are Jinja2 templates: no markup is written in backoffice's Python code,
and every template of backoffice/templates/ compiles with autoescape on."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from backoffice.views import TEMPLATES_DIR, environment, render

BACKOFFICE = Path(__file__).resolve().parents[2] / "backoffice"
# An opening or closing tag of an HTML element, as markup built by hand would write it.
ELEMENTS = (
    "a|article|aside|body|br|button|code|div|fieldset|footer|form|h[1-6]|head|header|html|img"
    "|input|label|legend|li|link|main|meta|meter|nav|ol|optgroup|option|p|pre|rect|script"
    "|section|select|span|strong|style|svg|table|tbody|td|text|textarea|th|thead|title|tr|ul"
)
MARKUP = re.compile(rf"</?(?:{ELEMENTS})(?:[\s>/]|$)", re.IGNORECASE)


def _strings_with_markup(path: Path, root: Path = BACKOFFICE.parent) -> list[str]:
    """The string literals (f-string parts included) of `path` that hold an HTML tag;
    docstrings are prose and may name an element."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = [
        f"{path.relative_to(root)}:{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and MARKUP.search(node.value)
    ]
    # a tag whose name is a value: f"<{name} ...>", as a home-made tag() helper writes it
    found += [
        f"{path.relative_to(root)}:{node.lineno}: f-string opening a tag"
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        and any(
            isinstance(part, ast.Constant)
            and isinstance(nxt, ast.FormattedValue)
            and str(part.value).endswith(("<", "</"))
            for part, nxt in zip(node.values, node.values[1:], strict=False)
        )
    ]
    return found


def test_no_python_module_of_backoffice_writes_markup() -> None:
    found = [hit for path in sorted(BACKOFFICE.rglob("*.py")) for hit in _strings_with_markup(path)]
    assert found == [], "markup belongs in backoffice/templates/:\n" + "\n".join(found)


def test_the_markup_check_catches_a_tag_written_in_python(tmp_path: Path) -> None:
    module = tmp_path / "page.py"
    module.write_text(
        '"""A page: <p> in a docstring is prose."""\n'
        'name = "x"\n'
        "row = f'<td class=\"ref\">{name}</td>'\n"
        'token_hint = "Authorization: Bearer <token>"\n'
        "def tag(name): return f'<{name}></{name}>'\n",
        encoding="utf-8",
    )
    hits = _strings_with_markup(module, tmp_path)
    assert hits == [
        "page.py:3: '<td class=\"ref\">'",
        "page.py:3: '</td>'",
        "page.py:5: f-string opening a tag",
    ]


def test_every_template_compiles_with_autoescape_on() -> None:
    env = environment()
    names = sorted(str(p.relative_to(TEMPLATES_DIR)) for p in TEMPLATES_DIR.rglob("*.html"))
    assert "base.html" in names and "partials/bar.html" in names
    for name in names:
        template = env.get_template(name)
        assert template.environment.autoescape is True, name


def test_a_value_is_escaped_as_the_pages_always_escaped_it() -> None:
    page = render(
        "error.html",
        lang="fr",
        t={"brand": "Console", "back": "Retour"},
        title="Erreur",
        message='<script>alert("x")</script> l\'agence',
    )
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; l&#x27;agence" in page
    assert "<script>" not in page
