"""Nothing outside a network's own package names a network in its logic: what the rest
of parvis needs comes from the package's NetworkInfo (see test_network_contract.py).

Docstrings and comments may name networks as examples; so may the few help texts in
ALLOWED. A key in any other string, or a network class in a template, stylesheet or
script, is a special case: move it into the network's NetworkInfo instead."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from parvis.networks import registry

ROOT = Path(registry.__file__).resolve().parents[1]  # the parvis package
# Each network's own package, tests, migrations, the loopback servers and canned data
# for tests, and the vendored libraries may name networks.
SKIPPED_PARTS = {"tests", "migrations", "testing", "vendor", "locale"}
SKIPPED_FILES = {"networks/registry.py"}  # the one place networks are listed
# API documentation showing a network key as an example value (help texts, not logic):
# a string of that file containing that fragment is allowed.
ALLOWED = {
    ("api/serializers.py", '`{"bluesky": "…"}`'),
    ("api/serializers.py", "`variants.bluesky`"),
    ("api/inbox_rules.py", "like `mastodon`"),
    ("api/mcp/server.py", '({"bluesky": "…"})'),
    # "threads" is also an English word: the web server's and the worker's threads.
    ("cli.py", "--threads"), ("cli.py", "web server threads"), ("cli.py", "publishing threads"),
    ("cli.py", " threads"),
}
KEYS = sorted(registry.NETWORKS)
NAMED = re.compile(r"\b(?:" + "|".join(KEYS) + r")\b", re.IGNORECASE)
COMMENTS = re.compile(r"/\*.*?\*/|(?<![:\w])//[^\n]*|\{#.*?#\}|<!--.*?-->|\{% comment %\}.*?\{% endcomment %\}",
                      re.DOTALL)


def _ours(suffix: str) -> list[Path]:
    own = [ROOT / "networks" / key for key in KEYS]
    return [path for path in sorted(ROOT.rglob(f"*{suffix}"))
            if not any(path.is_relative_to(package) for package in own)
            and not SKIPPED_PARTS & set(path.relative_to(ROOT).parts)
            and str(path.relative_to(ROOT)) not in SKIPPED_FILES]


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def _named_in_python(name: str, source: str) -> list[str]:
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    return [f"{name}:{node.lineno}: {node.value!r}" for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
            and NAMED.search(node.value) and not any(name == where and fragment in node.value
                                                     for where, fragment in ALLOWED)]


def test_python_outside_the_network_packages_names_no_network():
    hits = [hit for path in _ours(".py")
            for hit in _named_in_python(str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))]
    assert hits == []


def test_templates_styles_and_scripts_name_no_network():
    hits = []
    for suffix in (".html", ".css", ".js", ".txt"):
        for path in _ours(suffix):
            text = COMMENTS.sub("", path.read_text(encoding="utf-8"))
            hits += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in NAMED.finditer(text)]
    assert hits == []


def test_the_check_sees_a_special_case_and_lets_docstrings_be():
    source = '"""Mastodon, as an example."""\nif network == "mastodon":\n    pass\n'
    assert _named_in_python("sample.py", source) == ["sample.py:2: 'mastodon'"]
    assert _named_in_python("api/inbox_rules.py", 'HELP = "Network keys, like `mastodon`."') == []
