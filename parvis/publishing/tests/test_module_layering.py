"""The checking modules import each other at the top, in one direction: `types` at the
bottom, `validation` on top of the library, the charter and UTM tagging. A function-level
import was how a cycle between them used to be patched; it must not come back."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import parvis.publishing

PACKAGE = Path(parvis.publishing.__file__).parent
LAYERED = ["types", "schedule", "media_types", "utm", "charter", "library", "validation", "post_input", "actions",
           "importer.read", "importer.media", "importer.check", "importer.run", "importer"]


def _path(name: str) -> Path:
    package = PACKAGE / name.replace(".", "/")
    return package / "__init__.py" if package.is_dir() else package.with_suffix(".py")


def _late_imports(path: Path) -> list[str]:
    """`from parvis.publishing… import` statements that are not at the module's top level
    (inside a function, a class or an `if TYPE_CHECKING:` block)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    return [f"{path.relative_to(PACKAGE)}:{node.lineno}" for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("parvis.publishing")
            and id(node) not in top]


def test_the_checking_modules_import_publishing_modules_only_at_the_top() -> None:
    late = [where for name in LAYERED for where in _late_imports(_path(name))]
    assert late == []


def test_the_shared_types_depend_on_no_other_publishing_module() -> None:
    tree = ast.parse((PACKAGE / "types.py").read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert {m for m in imported if m and m.startswith("parvis.publishing")} == {"parvis.publishing.models"}


@pytest.mark.parametrize("name", LAYERED)
def test_each_checking_module_imports_on_its_own_in_a_fresh_interpreter(name: str, tmp_path: Path) -> None:
    # Whatever module is imported first, no cycle leaves another half-initialised.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "parvis.test_settings", "PARVIS_DATA_DIR": str(tmp_path)}
    code = f"import django; django.setup(); import parvis.publishing.{name}"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                            cwd=PACKAGE.parent.parent, check=False)
    assert result.returncode == 0, result.stderr
