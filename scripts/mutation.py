#!/usr/bin/env python
"""Mutation testing (issue 15 item 10) with mutmut, one target at a time, outside CI.

    make mutation                       every target (hours on 2 cores)
    make mutation TARGETS="means_test"  one or more targets by name

Each target mutates only its modules and runs only its own tests (mutmut first records
which of those tests reach each function, then runs just those per mutant). A target
runs in a scratch copy of the project (``.mutation/<target>/``, git-ignored), so the
working tree is never touched. The summary line per target ("killed / total = score")
is what docs/testing.md records; ``--show`` lists the survivors with their diffs.

Frugal on a shared machine: one mutmut child by default, run under ``nice -n 5``. Each
mutant's pytest reuses one SQLite test database built once per target (``--reuse-db``
on a file in the scratch copy) instead of migrating a fresh one, and skips the
PostgreSQL, Celery-worker and browser tests. A timeout is reported apart from a kill:
it is not evidence that a test noticed the change. A mutant that makes a test hang fails
that test at the per-test limit (pytest-timeout, ``MUTANT_TEST_TIMEOUT``): a kill, as the
suite's own limit would fail it, listed apart in ``hangs.txt`` and confirmed by
``--recheck`` under the suite's limit. ``--sample N --seed S`` checks a
random sample of a target's mutants when the whole set cannot be checked in time.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutation"
MUTMUT = Path(sys.executable).parent / "mutmut"

# target -> (modules mutated, tests run)
TARGETS: dict[str, tuple[list[str], list[str]]] = {
    "means_test": (
        ["workflows/finance_check/means_test/*.py"],
        ["tests/finance_check/test_means_test__rules.py", "tests/finance_check/test_means_test__rigid_expenses.py",
         "tests/finance_check/test_means_test__single_person.py", "tests/low_income/test_categories.py",
         "tests/finance_check/test_means_test__mutants.py"],
    ),
    "working_days": (
        ["workflows/core/working_days.py"],
        ["tests/core/test_working_days.py", "tests/core/test_calendar_horizon.py", "tests/core/test_working_days__mutants.py"],
    ),
    "deadlines": (
        ["workflows/dibao/services/acceptance.py"],
        ["tests/dibao/test_deadlines.py", "tests/core/test_calendar_horizon.py",
         "tests/dibao/test_amount_rules.py", "tests/dibao/test_acceptance__mutants.py"],
    ),
    "sampling_draw": (
        ["workflows/sampling/draw.py"],
        ["tests/sampling/test_services__draw.py", "tests/sampling/test_draw__mutants.py"],
    ),
    "funds": (
        ["workflows/funds/services.py"],
        ["tests/funds"],  # the PostgreSQL concurrency tests are deselected by MARKERS
    ),
    "separation": (
        ["workflows/core/separation.py"],
        ["tests/core/test_permissions_separation.py", "tests/core/test_separation_memo.py",
         "tests/sampling/test_separation__queue.py", "tests/core/test_standins.py",
         "tests/core/test_separation_rule_table.py", "tests/core/test_separation__mutants.py"],
    ),
}  # fmt: skip
# Slow tests (Hypothesis properties: 20 s and more) are left out of the per-mutant run and
# run by --recheck against its survivors only.
# The means test's properties sit in a file of fast tests: they are deselected per mutant
# (and in mutmut's stats run, where tracing every call made them outlast the per-test limit).
MEANS_TEST_PROPERTIES = [
    f"tests/finance_check/test_means_test__rules.py::{name}"
    for name in (
        "test_money_is_never_negative_and_amount_is_gap_times_size",
        "test_excluded_income_never_changes_the_outcome_or_amount",
        "test_more_counted_income_never_raises_the_amount",
    )
]
SLOW_TESTS: dict[str, list[str]] = {
    "sampling_draw": ["tests/sampling/test_draw__properties.py"],
    "means_test": MEANS_TEST_PROPERTIES,
}
# Slow tests inside a target's test files, left out of the per-mutant runs (pytest --deselect).
DESELECTED: dict[str, list[str]] = {"means_test": MEANS_TEST_PROPERTIES}

# A test the mutant makes hang fails at this per-test limit (pytest-timeout) instead of the
# suite's generous one (pyproject's ``timeout``): tests reached by a mutant take well under
# a second, so 20 s is tens of times the normal run even at load 10. A test failed by it
# is a kill (the suite's own limit fails the same hang); the mutant is listed in
# ``hangs.txt`` so that --recheck can confirm it under the suite's limit.
MUTANT_TEST_TIMEOUT = 20
# mutmut stops a mutant after (estimated test time + constant) x multiplier wall-clock
# seconds (and twice that in CPU seconds) and scores it "timeout". The constant lets the
# per-test limit above fire first, and leaves a loaded machine room for a slow run.
TIMEOUT_CONSTANT = 15.0
TIMEOUT_MULTIPLIER = 2.0
# Tests that need PostgreSQL, a Celery worker or a browser never run per mutant.
MARKERS = "not postgres and not worker and not browser"
# -p no:unraisableexception: its end-of-session gc.collect() runs cost ~2 s per mutant; it
# only turns unraisable exceptions into warnings, which never fail a test here.
PYTEST_ARGS = [
    *("-p", "no:randomly", "-p", "no:unraisableexception", "-q", "-x", "--ds=project.settings.mutation"),
    *("--reuse-db", "-m", MARKERS),
]
NICE = ["nice", "-n", "5"]
# Issue 15 item 10: at least this share of each target's mutants killed.
TARGET_SCORE = 90.0
# Per target, the survivors judged equivalent (no person, stored record or other process can
# tell them from the code): scripts/mutation_equivalents/<target>.txt, one mutant name a
# line, each group under a "# why" comment. The score leaves them out (see ``score``).
EQUIVALENTS = ROOT / "scripts" / "mutation_equivalents"
# --recheck runs one whole pytest (start-up included) per mutant.
RECHECK_TIMEOUT = 300

# The scratch copy's settings: the test settings with a file-based SQLite test database,
# built once per target (``build_test_db``) and used as it is by every mutant's pytest
# (migrating a fresh one per mutant cost ~13 s; even --reuse-db's migration check ~2.5 s).
# Hypothesis does not shrink a failing example there: shrinking can take longer than the
# timeout and would turn a kill into a timeout.
SETTINGS = """from hypothesis import Phase, settings

from .test import *  # noqa: F403
from .test import DATABASES

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # else --recheck on PostgreSQL (DATABASE_URL)
    DATABASES["default"]["TEST"] = {{"NAME": {db!r}}}
    DATABASES["default"]["NAME"] = {db!r}
settings.register_profile("mutation", phases=[Phase.explicit, Phase.reuse, Phase.generate])
settings.load_profile("mutation")
"""

# The scratch copy's root conftest: it notes each mutant whose test failed at the per-test
# limit (pytest-timeout's failure says "Timeout (>20.0s) from pytest-timeout"), and leaves
# mutmut's stats run under the suite's own limit (one test past 20 s there, at load 7,
# stopped a whole run).
CONFTEST = """import os

import pytest


def pytest_collection_modifyitems(items):
    # mutmut's stats run (the unmutated code, every test once, recording which tests reach
    # each function) keeps the suite's own limit: a test slowed past the per-test limit on
    # a loaded machine there would abort the whole target ("failed to collect stats").
    if os.environ.get("MUTANT_UNDER_TEST") == "stats":
        for item in items:
            item.add_marker(pytest.mark.timeout({suite_limit}))


def pytest_runtest_logreport(report):
    if report.failed and "from pytest-timeout" in report.longreprtext:
        with open({hangs!r}, "a", encoding="utf-8") as hangs:
            hangs.write(os.environ.get("MUTANT_UNDER_TEST", "") + "\\n")
"""

# Appended to the scratch copy's tests/conftest.py (which has a ``django_db_setup`` of its own,
# and the fixture nearest the test wins: in the root conftest this override was shadowed,
# so every mutant's pytest migrated and wrote the one built database, and a second pytest
# beside a run failed on "database is locked", a false kill). Each pytest (each mutant's,
# forked by mutmut) works on its own copy of the built test database in /dev/shm
# (pytest-django's documented override of ``django_db_setup`` for an existing database): no
# migration check per mutant, no disk writes, and no "database is locked" between two
# pytests of one target (a --recheck beside a run), nor data a transactional test flushed
# leaking into the next mutant.
PRIVATE_DBS = Path("/dev/shm")  # noqa: S108 (memory-backed; names from mkstemp)
DB_SETUP_MARK = "# --- scripts/mutation.py: a private copy of the built test database per pytest ---"
DB_SETUP = """

{mark}
import os as _mutation_os  # noqa: E402
import shutil as _mutation_shutil  # noqa: E402
import tempfile as _mutation_tempfile  # noqa: E402

if not _mutation_os.environ.get("DATABASE_URL", "").startswith("postgres"):
    # (On PostgreSQL, --recheck keeps pytest-django's own set-up: --reuse-db.)

    @pytest.fixture(scope="session")
    def django_db_setup():  # noqa: F811
        from django.db import connections

        fd, private = _mutation_tempfile.mkstemp(prefix={prefix!r}, suffix=".sqlite3", dir={shm!r})
        _mutation_os.close(fd)
        _mutation_shutil.copyfile({built!r}, private)
        connections.close_all()  # a connection inherited from mutmut's process points at the built one
        connections["default"].settings_dict["NAME"] = private
        yield
        connections.close_all()
        connections["default"].settings_dict["NAME"] = {built!r}
        _mutation_os.remove(private)
"""

DB_TEST = """import pytest


@pytest.mark.django_db
def test_the_database_is_built():
    pass
"""

COPIED = ["workflows", "project", "templates", "locale", "static", "tests", "manage.py", "pyproject.toml"]
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "node_modules", "mutants")


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{i}"' for i in items) + "]"


def undecorate(path: Path) -> int:
    """mutmut 3 leaves a decorated function unmutated (its trampoline cannot sit under a
    decorator), and here the decorated ones are the services (``@transaction.atomic``) and
    the signal receivers, the very functions whose guards must be tested. In the scratch
    copy only, ``@d def f`` becomes ``def f`` followed by ``f = d(f)`` (what the decorator
    syntax means), so mutmut mutates them too. Returns how many functions were rewritten."""
    source = path.read_text("utf-8")
    lines = source.splitlines(keepends=True)
    rewritten = 0
    for node in reversed(ast.parse(source).body):  # from the bottom: line numbers stay valid
        if not isinstance(node, ast.FunctionDef) or not node.decorator_list:
            continue
        decorators = [ast.get_source_segment(source, d) for d in node.decorator_list]
        applied = "".join(f"{node.name} = {d}({node.name})\n" for d in reversed(decorators))
        lines[node.end_lineno : node.end_lineno] = [applied]
        del lines[node.decorator_list[0].lineno - 1 : node.lineno - 1]
        rewritten += 1
    path.write_text("".join(lines), "utf-8")
    return rewritten


def write_settings(where: Path) -> None:
    """The scratch copy's settings and conftests (after its tests are copied)."""
    built = str((where / "test-db.sqlite3").resolve())
    for root in (where, where / "mutants"):
        if root.exists():
            (root / "conftest.py").write_text(
                CONFTEST.format(hangs=str((where / "hangs.txt").resolve()), suite_limit=suite_timeout()), "utf-8"
            )
            tests_conftest = root / "tests" / "conftest.py"
            if tests_conftest.exists() and DB_SETUP_MARK not in tests_conftest.read_text("utf-8"):
                setup = DB_SETUP.format(
                    mark=DB_SETUP_MARK, built=built, prefix=f"mutation-{where.name}-", shm=str(PRIVATE_DBS)
                )
                with open(tests_conftest, "a", encoding="utf-8") as conftest:
                    conftest.write(setup)
    for settings in (where / "project" / "settings", where / "mutants" / "project" / "settings"):
        if settings.exists():
            (settings / "mutation.py").write_text(
                SETTINGS.format(db=str((where / "test-db.sqlite3").resolve())), "utf-8"
            )


def prepare(target: str, *, resume: bool = False) -> Path:
    """A fresh copy of the project with the target's mutmut configuration (with ``resume``,
    the last run's copy, so mutmut checks only the mutants it has no result for)."""
    modules, tests = TARGETS[target]
    where = WORK / target
    if resume and where.exists():
        return where
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
    for pattern in modules:
        for module in where.glob(pattern):
            undecorate(module)
    write_settings(where)
    pytest_args = [*PYTEST_ARGS, f"--timeout={MUTANT_TEST_TIMEOUT}"]
    pytest_args += [arg for test in DESELECTED.get(target, ()) for arg in ("--deselect", test)]
    config = (
        "\n[tool.mutmut]\n"
        'source_paths = ["workflows"]\n'
        f"only_mutate = {_toml_list(modules)}\n"
        f"pytest_add_cli_args_test_selection = {_toml_list(tests)}\n"
        f"pytest_add_cli_args = {_toml_list(pytest_args)}\n"
        f"timeout_constant = {TIMEOUT_CONSTANT}\n"
        f"timeout_multiplier = {TIMEOUT_MULTIPLIER}\n"
        f"also_copy = {_toml_list([*(n for n in COPIED if n not in ('workflows', 'tests', 'pyproject.toml')), 'conftest.py'])}\n"
    )
    pyproject = where / "pyproject.toml"
    pyproject.write_text(pyproject.read_text("utf-8") + config, "utf-8")
    build_test_db(where)
    return where


def build_test_db(where: Path) -> None:
    """Migrate the shared SQLite test database once, before any timed test (pytest-timeout
    would count the set-up in the first test's time), without the scratch conftest that
    skips the set-up."""
    (where / "test_mutation_db.py").write_text(DB_TEST, "utf-8")
    subprocess.run(
        [*NICE, sys.executable, "-m", "pytest", *PYTEST_ARGS, "--timeout=0", "--noconftest", "test_mutation_db.py"],
        cwd=where,
        check=True,
        capture_output=True,
    )


def statuses(where: Path) -> dict[str, str]:
    """Every mutant's mutmut status (killed, survived, timeout, no tests, not checked, ...)."""
    out = subprocess.run([str(MUTMUT), "results", "--all", "true"], cwd=where, capture_output=True, text=True)
    found = (re.match(r"\s*(\S+): (.+)$", line) for line in out.stdout.splitlines())
    return {m.group(1): m.group(2).strip() for m in found if m}


def summary(where: Path, *, only: set[str] | None = None, names: bool = False):
    """Counts per status, of every mutant or of ``only`` (or, with ``names``, the names)."""
    found = statuses(where)
    if names:
        return list(found)
    counts: dict[str, int] = {}
    for name, status in found.items():
        if only is None or name in only:
            counts[status] = counts.get(status, 0) + 1
    return counts


def _mutmut(where: Path, *args: str) -> None:
    subprocess.run([*NICE, str(MUTMUT), *args], cwd=where, check=False)


def sample(where: Path, *, size: int, seed: int, children: int) -> list[str]:
    """A reproducible random sample of the target's mutant names.

    mutmut names its mutants only once it has generated them: a run restricted to a
    pattern that matches no mutant generates them all (and records which tests reach
    each function) without checking any.
    """
    _mutmut(where, "run", "--max-children", str(children), "no.such.mutant*")
    names = sorted(summary(where, names=True))
    return sorted(random.Random(seed).sample(names, min(size, len(names))))


def run(target: str, *, children: int, size: int | None = None, seed: int = 0, resume: bool = False) -> dict[str, int]:
    where = prepare(target, resume=resume)
    names: list[str] = []
    if size is not None:
        names = sample(where, size=size, seed=seed, children=children)
        (where / "sample.txt").write_text("\n".join(names) + "\n", "utf-8")
    _mutmut(where, "run", "--max-children", str(children), *names)
    forget_private_dbs(where)
    counts = summary(where, only=set(names) if names else None)
    print(f"{target}: {score_line(counts)}" + (f"  (random sample of {len(names)}, seed {seed})" if names else ""))
    found = statuses(where)
    hung = sorted(n for n in hangs(where) if found.get(n) == "killed" and (not names or n in names))
    if hung:
        print(f"{target}: {len(hung)} of the kills failed a test at the per-test limit: {' '.join(hung)}")
    return counts


def sampled(target: str) -> set[str] | None:
    """The names of the last run's random sample (``--sample``), or None for a whole run."""
    path = WORK / target / "sample.txt"
    return set(path.read_text("utf-8").split()) if path.exists() else None


def forget_private_dbs(where: Path) -> None:
    """The private database copies of the pytests mutmut killed at its time limit."""
    for leftover in PRIVATE_DBS.glob(f"mutation-{where.name}-*.sqlite3*"):
        leftover.unlink(missing_ok=True)


def hangs(where: Path) -> set[str]:
    """The mutants whose test failed at the per-test limit (see ``CONFTEST``)."""
    path = where / "hangs.txt"
    return set(path.read_text("utf-8").split()) if path.exists() else set()


def suite_timeout() -> int:
    """The suite's own per-test limit (pyproject's pytest ``timeout``)."""
    with open(ROOT / "pyproject.toml", "rb") as pyproject:
        return int(tomllib.load(pyproject)["tool"]["pytest"]["ini_options"]["timeout"])


def score_line(counts: dict[str, int]) -> str:
    """mutmut's own counts: killed and timed out apart, kills over the mutants checked."""
    killed, timeout = counts.get("killed", 0), counts.get("timeout", 0)
    checked = sum(n for status, n in counts.items() if status != "not checked")
    score = 100 * killed / checked if checked else 0.0
    return (
        f"{checked} checked of {sum(counts.values())}: killed {killed}, timeout {timeout}, "
        f"survived {counts.get('survived', 0)}, no tests {counts.get('no tests', 0)}; "
        f"score (killed / checked) {score:.1f} %, with timeouts {100 * (killed + timeout) / checked if checked else 0:.1f} %"
    )


def equivalents(target: str) -> set[str]:
    """The mutants of ``target`` judged equivalent (``EQUIVALENTS``; ``#`` starts a comment)."""
    path = EQUIVALENTS / f"{target}.txt"
    if not path.exists():
        return set()
    return {name for line in path.read_text("utf-8").splitlines() if (name := line.split("#", 1)[0].strip())}


def rechecked(where: Path) -> dict[str, str]:
    """The latest ``--recheck`` verdict per mutant (``recheck.txt``: "name: status -> verdict")."""
    path = where / "recheck.txt"
    lines = path.read_text("utf-8").splitlines() if path.exists() else []
    found = (re.match(r"(\S+): .* -> (.+)$", line) for line in lines)
    return {m.group(1): m.group(2).strip() for m in found if m}


def final_statuses(where: Path, *, only: set[str] | None = None) -> dict[str, str]:
    """Each mutant's status after the run and any ``--recheck``: the recheck ran the current
    tests (and, for a hang or a timeout, under the suite's own limit), so its verdict wins;
    "killed (hang)" counts as "killed"."""
    found = statuses(where)
    for name, verdict in rechecked(where).items():
        if name in found:
            found[name] = "killed" if verdict.startswith("killed") else verdict
    return {n: s for n, s in found.items() if only is None or n in only}


def score(target: str, where: Path, *, only: set[str] | None = None) -> tuple[float | None, list[str]]:
    """The target's score and the report's lines: killed / (mutants checked - survivors
    listed as equivalent - no tests). Timeouts and survivors not listed count against it;
    a listed mutant that a test kills is a kill (and the list is stale: said so)."""
    found = final_statuses(where, only=only)
    listed = equivalents(target)
    by_status: dict[str, set[str]] = {}
    for name, status in found.items():
        by_status.setdefault(status, set()).add(name)
    killed = by_status.get("killed", set())
    checked = {n for n, status in found.items() if status != "not checked"}
    equivalent = (listed & checked) - killed
    no_tests = by_status.get("no tests", set()) - equivalent
    denominator = len(checked - equivalent - no_tests)
    value = 100 * len(killed) / denominator if denominator else None
    alive = sorted(checked - killed - equivalent - no_tests, key=_in_order)
    verdict = (
        "no mutant checked"
        if value is None
        else f"{value:.1f} %: " + ("meets" if value >= TARGET_SCORE else "BELOW") + f" the {TARGET_SCORE:.0f} % target"
    )
    unchecked = len(found) - len(checked)
    lines = [
        f"{target}: killed {len(killed)} / ({len(checked)} mutants - {len(equivalent)} equivalent - "
        f"{len(no_tests)} no tests) = {verdict}" + (f" ({unchecked} not checked)" if unchecked else "")
    ]
    if alive:
        lines.append(f"{target}: {len(alive)} alive, not listed as equivalent:")
        lines += [f"    {name}: {found[name]}" for name in alive]
    if stale := sorted(listed & killed, key=_in_order):
        lines.append(f"{target}: listed as equivalent but killed (remove from the list): {' '.join(stale)}")
    if only is None and (unknown := sorted(listed - set(found), key=_in_order)):
        lines.append(f"{target}: listed as equivalent but no such mutant: {' '.join(unknown)}")
    return value, lines


def _in_order(name: str) -> tuple[str, int]:
    """Sort key: a function's mutants by number (#2 before #10)."""
    function, _, number = name.rpartition("__mutmut_")
    return function, int(number) if number.isdigit() else 0


def report(target: str, *, only: set[str] | None = None) -> bool:
    """Print the target's score; True when it meets ``TARGET_SCORE``."""
    value, lines = score(target, WORK / target, only=only)
    print("\n".join(lines), flush=True)
    return value is not None and value >= TARGET_SCORE


def recheck(target: str, *, only: list[str] | None = None) -> dict[str, str]:
    """Run the current tests (new ``*__mutants.py`` files included) against each mutant the
    last run left alive, timed out or killed at the per-test limit, one pytest per mutant,
    without regenerating the mutants (``only``: just these mutants).

    mutmut's trampolines pick the active mutant from ``MUTANT_UNDER_TEST``; the tests are
    copied into the scratch copy first. A timed-out or hung mutant runs under the suite's
    own per-test limit: a test that still fails at it is a real hang ("killed (hang)"), one
    that now passes was only slow on a loaded machine. Returns mutant -> verdict.
    """
    where = WORK / target
    for dest in (where / "tests", where / "mutants" / "tests"):
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(ROOT / "tests", dest, ignore=IGNORED)
    write_settings(where)
    tests = [t for t in TARGETS[target][1] if (ROOT / t).exists()]
    stats = json.loads((where / "mutants" / "mutmut-stats.json").read_text("utf-8"))
    # A survivor outlived the target's per-mutant tests: only the new ones (the
    # ``*__mutants.py`` files, and a test file added to the target since the run) and the
    # slow ones can kill it now.
    ran = {node.split("::")[0].removeprefix("mutants/") for node in stats["duration_by_test"]}
    new_tests = [
        t for t in tests if t.endswith("__mutants.py") or not any(f == t or f.startswith(f"{t}/") for f in ran)
    ]
    # A timed-out or hung mutant reruns the tests mutmut found reaching its function (and
    # the new ones).
    reaching = stats["tests_by_mangled_function_name"]
    found = statuses(where)
    hung = hangs(where)
    done = {n for n, verdict in rechecked(where).items() if verdict.startswith("killed")}  # by an earlier recheck
    alive = [
        n
        for n in found
        if n not in done and (found[n] in ("survived", "timeout") or (found[n] == "killed" and n in hung))
    ]
    if only:
        alive = [n for n in alive if n in only] + [n for n in only if n in found and n not in alive]
    if on_postgres() and alive:
        build_postgres_test_db(where)
    if alive and new_tests:
        # The tests must pass on the code as it is (no mutant active) in the scratch copy, or
        # every mutant below would count as killed: a reused test database left without
        # its post_migrate rows (the separation rule table emptied by a test that ran on the
        # shared file) once made every recheck a false kill.
        baseline = _verdict(where, "none (the code as it is)", new_tests, suite_timeout())
        if baseline != "survived":
            raise SystemExit(
                f"{target}: the tests fail with no mutant active ({baseline}); rebuild "
                f"{where / 'test-db.sqlite3'} (delete it) or fix the tests, then --recheck again"
            )
    verdicts: dict[str, str] = {}
    for name in alive:
        status = "killed at the per-test limit" if found[name] == "killed" and name in hung else found[name]
        if found[name] in ("survived", "killed") and name not in hung:
            # The new tests first; the slow ones only if the new ones leave it alive.
            verdicts[name] = _verdict(where, name, new_tests, MUTANT_TEST_TIMEOUT)
            if verdicts[name] == "survived" and SLOW_TESTS.get(target):
                # (under the suite's own limit: a slow property on a loaded machine is no kill)
                verdicts[name] = _verdict(where, name, SLOW_TESTS[target], suite_timeout())
        else:
            tests = sorted(reaching.get(name.rsplit("__mutmut_", 1)[0], ()))
            verdicts[name] = _verdict(where, name, [*tests, *new_tests], suite_timeout())
        print(f"{name}: {status} -> {verdicts[name]}", flush=True)
        with open(where / "recheck.txt", "a", encoding="utf-8") as log:
            log.write(f"{name}: {status} -> {verdicts[name]}\n")
    forget_private_dbs(where)
    return verdicts


def on_postgres() -> bool:
    """A --recheck with ``DATABASE_URL`` set to PostgreSQL runs there (pytest-django's own
    test database, kept with --reuse-db): what SQLite cannot run (SQL only PostgreSQL has)."""
    return os.environ.get("DATABASE_URL", "").startswith("postgres")


def build_postgres_test_db(where: Path) -> None:
    """Create (or keep) the PostgreSQL test database with no mutant active, so that no
    mutant's code runs the migrations."""
    (where / "mutants" / "test_mutation_db.py").write_text(DB_TEST, "utf-8")
    subprocess.run(
        [*NICE, sys.executable, "-m", "pytest", *PYTEST_ARGS, "--timeout=0", "test_mutation_db.py"],
        cwd=where / "mutants",
        env={**os.environ, "MUTANT_UNDER_TEST": ""},
        check=True,
        capture_output=True,
    )


def _verdict(where: Path, name: str, tests: list[str], limit: int) -> str:
    """One pytest of ``tests`` against mutant ``name``, with a per-test limit of ``limit`` s."""
    command = [*NICE, sys.executable, "-m", "pytest", *PYTEST_ARGS, f"--timeout={limit}", *tests]
    try:
        done = subprocess.run(
            command,
            cwd=where / "mutants",
            env={**os.environ, "MUTANT_UNDER_TEST": name},
            capture_output=True,
            text=True,
            timeout=RECHECK_TIMEOUT + limit,
        )
    except subprocess.TimeoutExpired:
        return "timeout"
    if done.returncode == 1:
        return "killed (hang)" if "from pytest-timeout" in done.stdout else "killed"
    return "survived" if done.returncode == 0 else f"exit {done.returncode}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="*", default=list(TARGETS), help=f"any of: {' '.join(TARGETS)}")
    parser.add_argument("--max-children", type=int, default=1)
    parser.add_argument("--sample", type=int, metavar="N", help="check a random sample of N mutants per target")
    parser.add_argument("--seed", type=int, default=15, help="seed of the --sample draw")
    parser.add_argument("--resume", action="store_true", help="continue the targets' last run")
    parser.add_argument("--recheck", action="store_true", help="the current tests against the last run's survivors")
    parser.add_argument("--show", action="store_true", help="list the survivors of the targets' last run")
    parser.add_argument("--only", nargs="+", metavar="MUTANT", help="with --recheck: just these mutants")
    parser.add_argument("--score", action="store_true", help="only the targets' scores of their last run")
    args = parser.parse_args(argv)
    unknown = [t for t in args.targets if t not in TARGETS]
    if unknown:
        parser.error(f"unknown target(s): {' '.join(unknown)}")
    if args.show:
        for target in args.targets:
            subprocess.run([str(MUTMUT), "results"], cwd=WORK / target, check=False)
        return 0
    for target in args.targets:
        if args.recheck:
            recheck(target, only=args.only)
        elif not args.score:
            run(target, children=args.max_children, size=args.sample, seed=args.seed, resume=args.resume)
    # The per-target score (issue 15 item 10's acceptance), of the runs just made or kept.
    met = [report(t, only=sampled(t)) for t in args.targets if (WORK / t / "mutants").exists()]
    return 0 if all(met) else 1


if __name__ == "__main__":
    sys.exit(main())
