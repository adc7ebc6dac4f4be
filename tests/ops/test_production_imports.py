"""The product imports nothing that only the development requirements install: production is
installed from requirements.txt alone (scripts/bootstrap.sh prod), so such an import fails there
at start-up, or worse on the first request that reaches the module."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# top-level module names of the packages in requirements-dev.txt that requirements.txt lacks
DEV_ONLY = {
    "pytest", "pytest_django", "xdist", "randomly", "factory", "hypothesis", "ruff", "importlinter",
    "playwright", "pdfplumber", "schemathesis", "mutmut", "mypy", "django_stubs_ext", "mypy_django_plugin",
}  # fmt: skip
# settings used only by pytest and by the mutation runner
TEST_ONLY = {"project/settings/test.py", "project/settings/mutation.py"}


def _runtime_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """Imported top-level names outside ``if TYPE_CHECKING:`` blocks."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for other in node.orelse:
                visit(other)
            return
        if isinstance(node, ast.Import):
            found.extend((node.lineno, a.name.split(".")[0]) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module.split(".")[0]))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def test_product_modules_import_no_development_package():
    """Every module of workflows/ and project/ (test settings aside) imports at run time only
    what requirements.txt installs; typing helpers belong under TYPE_CHECKING."""
    offenders = []
    for path in sorted([*ROOT.glob("workflows/**/*.py"), *ROOT.glob("project/**/*.py")]):
        rel = path.relative_to(ROOT).as_posix()
        if rel in TEST_ONLY:
            continue
        for line, name in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if name in DEV_ONLY:
                offenders.append(f"{rel}:{line} imports {name}")
    assert not offenders, "\n".join(offenders)


def test_the_check_sees_a_development_import():
    """The scan itself notices a runtime import and ignores one under TYPE_CHECKING."""
    source = (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import mypy\nelse:\n    import x\nimport pytest\n"
    )
    names = [name for _, name in _runtime_imports(ast.parse(source))]
    assert "pytest" in names and "mypy" not in names and "x" in names
