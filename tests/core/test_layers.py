"""The layers hold (docs/architecture.md): core imports no app above it, programme apps
never import the UI apps (workspace, portal), funds/households/documents import no
programme. The contracts are ``[tool.importlinter]`` in pyproject.toml; a new back-edge
fails this test."""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", "pyproject.toml"], cwd=cwd, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip


def test_the_code_keeps_every_layer_contract():
    """``lint-imports`` over the real tree: every contract kept."""
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


def test_a_new_back_edge_breaks_the_contract(tmp_path):
    """The same contracts over a small tree whose core module imports the portal: broken,
    and the offending import is named (the contracts are not vacuous)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    modules = set()
    for contract in config["contracts"]:
        modules |= set(contract["source_modules"]) | set(contract["forbidden_modules"])
    for module in modules:
        package = tmp_path.joinpath(*module.split("."))
        package.mkdir(parents=True, exist_ok=True)
        (package / "__init__.py").touch()
    (tmp_path / "workflows" / "__init__.py").touch()
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    assert _lint(tmp_path).returncode == 0

    (tmp_path / "workflows" / "core" / "shortcut.py").write_text("from workflows.portal import views\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "core imports no app above it BROKEN" in result.stdout
    assert "workflows.core.shortcut -> workflows.portal" in result.stdout
