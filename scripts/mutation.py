#!/usr/bin/env python
"""Mutation testing (issue 15 item 10) with mutmut, one target at a time, outside CI.

    make mutation                       every target (hours on 2 cores)
    make mutation TARGETS="means_test"  one or more targets by name

Each target mutates only its modules and runs only its own tests (mutmut first records
which of those tests reach each function, then runs just those per mutant). A target
runs in a scratch copy of the project (``.mutation/<target>/``, git-ignored), so the
working tree is never touched. The summary line per target ("killed / total = score")
is what docs/testing.md records; ``--show`` lists the survivors with their diffs.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutation"
MUTMUT = Path(sys.executable).parent / "mutmut"

# target -> (modules mutated, tests run)
TARGETS: dict[str, tuple[list[str], list[str]]] = {
    "means_test": (
        ["workflows/finance_check/means_test/*.py"],
        ["tests/finance_check/test_means_test__rules.py", "tests/finance_check/test_means_test__rigid_expenses.py",
         "tests/finance_check/test_means_test__single_person.py"],
    ),
    "working_days": (
        ["workflows/core/working_days.py"],
        ["tests/core/test_working_days.py", "tests/core/test_calendar_horizon.py"],
    ),
    "deadlines": (
        ["workflows/dibao/services/acceptance.py"],
        ["tests/dibao/test_deadlines.py"],
    ),
    "sampling_draw": (
        ["workflows/sampling/draw.py"],
        ["tests/sampling/test_draw__properties.py", "tests/sampling/test_services__draw.py"],
    ),
    "funds": (
        ["workflows/funds/services.py"],
        ["tests/funds"],
    ),
    "separation": (
        ["workflows/core/separation.py"],
        ["tests/core/test_permissions_separation.py", "tests/core/test_separation_memo.py",
         "tests/sampling/test_separation__queue.py"],
    ),
}  # fmt: skip

COPIED = ["workflows", "project", "templates", "locale", "static", "tests", "manage.py", "pyproject.toml"]
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "node_modules", "mutants")


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{i}"' for i in items) + "]"


def prepare(target: str) -> Path:
    """A fresh copy of the project with the target's mutmut configuration."""
    modules, tests = TARGETS[target]
    where = WORK / target
    if where.exists():
        shutil.rmtree(where)
    where.mkdir(parents=True)
    for name in COPIED:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, where / name, ignore=IGNORED, symlinks=True)
        elif src.exists():
            shutil.copy2(src, where / name)
    tests = [t for t in tests if (ROOT / t).exists()]
    config = (
        "\n[tool.mutmut]\n"
        'source_paths = ["workflows"]\n'
        f"only_mutate = {_toml_list(modules)}\n"
        f"pytest_add_cli_args_test_selection = {_toml_list(tests)}\n"
        'pytest_add_cli_args = ["-p", "no:randomly", "-q", "-x"]\n'
        f"also_copy = {_toml_list([n for n in COPIED if n not in ('workflows', 'tests', 'pyproject.toml')])}\n"
    )
    pyproject = where / "pyproject.toml"
    pyproject.write_text(pyproject.read_text("utf-8") + config, "utf-8")
    return where


def summary(where: Path) -> dict[str, int]:
    """Counts per mutmut status (killed, survived, timeout, no tests, ...)."""
    out = subprocess.run([str(MUTMUT), "results", "--all", "true"], cwd=where, capture_output=True, text=True)
    counts: dict[str, int] = {}
    for line in out.stdout.splitlines():
        match = re.match(r"\s*(\S+): (.+)$", line)
        if match:
            counts[match.group(2).strip()] = counts.get(match.group(2).strip(), 0) + 1
    return counts


def run(target: str, *, children: int) -> tuple[int, int]:
    where = prepare(target)
    subprocess.run([str(MUTMUT), "run", "--max-children", str(children)], cwd=where, check=False)
    counts = summary(where)
    killed = counts.get("killed", 0) + counts.get("timeout", 0)
    total = sum(counts.values())
    score = 100 * killed / total if total else 0.0
    print(f"{target}: killed {killed} / {total} = {score:.1f} %  {counts}")
    return killed, total


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="*", default=list(TARGETS), help=f"any of: {' '.join(TARGETS)}")
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--show", action="store_true", help="list the survivors of the targets' last run")
    args = parser.parse_args(argv)
    unknown = [t for t in args.targets if t not in TARGETS]
    if unknown:
        parser.error(f"unknown target(s): {' '.join(unknown)}")
    if args.show:
        for target in args.targets:
            where = WORK / target
            subprocess.run([str(MUTMUT), "results"], cwd=where, check=False)
        return 0
    results = [run(t, children=args.max_children) for t in args.targets]
    killed, total = sum(k for k, _ in results), sum(t for _, t in results)
    print(f"all: killed {killed} / {total} = {100 * killed / total if total else 0:.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
