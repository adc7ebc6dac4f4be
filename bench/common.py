"""Shared helpers for benchmarks: Django setup, timing, JSON + table output.

Every benchmark measures a *baseline in the same run* (bare viewflow, raw SQL,
a trivial render) and reports the ratio, so figures from different machines
can be compared. Results are printed as a table and as one JSON line.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field


def setup_django(settings_module: str = "project.settings.local") -> None:
    """Configure Django; benchmarks use DATABASE_URL like everything else."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    if not os.environ.get("DATABASE_URL"):
        # Never touch the demo database: a throwaway SQLite file per run.
        import tempfile

        os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="bench-"))
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import django

    django.setup()


def ensure_schema() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


@contextmanager
def bare_viewflow() -> Iterator[None]:
    """Run the baseline as bare viewflow: our receivers are detached meanwhile.

    The project's receivers on viewflow's flow/task signals and on every model's
    ``pre_save``/``post_save``/``post_init`` (the audit history, the workspace case
    index, notifications) fire for *any* viewflow task, including the baseline's. Left
    attached, the "bare" flow would write audit rows and index refreshes too and the
    ratio would understate our overhead. Only receivers defined in ``workflows.*`` are
    detached; Django's and viewflow's own stay. Restored on exit, even on error.
    """
    from django.db.models import signals as model_signals
    from viewflow.workflow import signals as vf_signals

    chosen = [
        model_signals.pre_save,
        model_signals.post_save,
        model_signals.post_init,
        model_signals.pre_delete,
        model_signals.post_delete,
        *(v for v in vars(vf_signals).values() if hasattr(v, "receivers") and hasattr(v, "send")),
    ]

    def ours(entry) -> bool:
        receiver = entry[1]
        if isinstance(receiver, weakref.ReferenceType):
            receiver = receiver()
        module = getattr(receiver, "__module__", "") or ""
        return module == "workflows" or module.startswith("workflows.")

    saved = {}
    for signal in chosen:
        with signal.lock:
            saved[signal] = signal.receivers
            signal.receivers = [entry for entry in signal.receivers if not ours(entry)]
            signal.sender_receivers_cache.clear()
    try:
        yield
    finally:
        for signal, receivers in saved.items():
            with signal.lock:
                signal.receivers = receivers
                signal.sender_receivers_cache.clear()


@contextmanager
def counting_statements() -> Iterator[list[int]]:
    """Count the SQL statements sent on the default connection inside the block (savepoints
    included): ``with counting_statements() as n: …; n[0]``. Deterministic, so comparable
    across loaded runs where wall-clock time is not."""
    from django.db import connection

    count = [0]
    # BENCH_STATEMENT_LOG=<file>: also append each statement (SQL text, then the call site in
    # workflows/ or viewflow/) to that file, to see which statements a change removes.
    log_path = os.environ.get("BENCH_STATEMENT_LOG")

    def counter(execute, sql, params, many, context):
        count[0] += 1
        if log_path:
            _log_statement(log_path, sql)
        return execute(sql, params, many, context)

    if log_path:
        with open(log_path, "a", encoding="utf-8") as out:
            out.write("=== counting_statements block\n")
    with connection.execute_wrapper(counter):
        yield count


def _log_statement(path: str, sql: str) -> None:
    import traceback

    sites = [
        f"{f.filename.split('/site-packages/')[-1].split('/workflows/', 1)[-1]}:{f.lineno} {f.name}"
        for f in traceback.extract_stack()[:-3]
        if f.name != "flush_before_audit_sql" and ("/workflows/" in f.filename or "/viewflow/" in f.filename)
    ]
    with open(path, "a", encoding="utf-8") as out:
        out.write(" ".join(sql.split()) + "\n")
        out.write("    <- " + " | ".join(sites[-7:]) + "\n")


@dataclass
class Result:
    name: str
    value: float
    unit: str
    baseline_name: str
    baseline: float
    higher_is_better: bool = True
    notes: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        """ours / baseline for throughput; baseline / ours for latency (so < 1 means slower)."""
        if not self.baseline or not self.value:
            return float("nan")
        return self.value / self.baseline if self.higher_is_better else self.baseline / self.value


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def percentiles(samples_s: list[float]) -> dict[str, float]:
    """p50/p95/p99 in milliseconds."""
    ordered = sorted(samples_s)

    def pick(p):
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000

    return {
        "p50_ms": round(pick(50), 3),
        "p95_ms": round(pick(95), 3),
        "p99_ms": round(pick(99), 3),
        "mean_ms": round(statistics.mean(ordered) * 1000, 3),
    }


def report(suite: str, results: list[Result], meta: dict | None = None) -> None:
    """Print a readable table and one JSON line (prefixed BENCH-JSON) for tooling."""
    print(f"\n== {suite} ==")
    header = f"{'measure':44} {'ours':>12} {'baseline':>12} {'ratio':>8}  unit / baseline"
    print(header)
    print("-" * len(header))
    for r in results:
        print(f"{r.name:44} {r.value:12.3f} {r.baseline:12.3f} {r.ratio:8.3f}  {r.unit} / {r.baseline_name}")
    payload = {
        "suite": suite,
        "meta": meta or {},
        "results": [{**asdict(r), "ratio": round(r.ratio, 4)} for r in results],
    }
    print("BENCH-JSON " + json.dumps(payload, ensure_ascii=False, default=str))


def machine_meta() -> dict:
    from django.db import connection

    return {
        "cpus": os.cpu_count(),
        "db": connection.vendor,
        "python": sys.version.split()[0],
    }
