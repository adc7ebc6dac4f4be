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
from collections.abc import Callable
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
