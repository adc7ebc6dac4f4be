"""Smoke test of the benchmark runner (issue 11): ``python -m bench`` at the small
size prints every figure with its same-run baseline and ratio.

No timed assertions: the numbers are not checked, only that they are there.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import collect

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(960)  # above the subprocess's own 900 s bound, so that bound decides
def test_small_suite_prints_every_figure_with_a_ratio(tmp_path):
    """The small suite runs end to end on a throwaway SQLite database (DATABASE_URL is
    removed so a developer's database is never written); every module that ran
    reports figures, each with a baseline and a finite, positive ratio; modules
    that need PostgreSQL say they were skipped; --json-out holds the same figures."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DATA_DIR", "CELERY_BROKER_URL"}}
    out_file = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--size", "small", "--only", "lifecycle,latency", "--json-out", str(out_file)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        # Most of the run is `migrate` of the throwaway database (~25 s of CPU): at a load of 10 on
        # 2 cores it took past 170 s. The bound catches a hang, not slowness.
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    payload = json.loads(out_file.read_text())
    modules = {m["module"]: m for m in payload["modules"]}
    assert modules["latency"]["status"] == "skipped (needs PostgreSQL)"
    results = modules["lifecycle"]["results"]
    assert {r["name"] for r in results} == {
        "case lifecycle (start, review, handle, end)",
        "dibao application -> decision (refusal path)",
        "dibao case, SQL statements",  # issue 19: statements per case against bare viewflow's
    }
    for r in results:
        assert r["value"] > 0 and r["baseline"] > 0 and r["baseline_name"]
        assert math.isfinite(r["ratio"]) and r["ratio"] > 0
        assert f"{r['ratio']:7.3f}" in proc.stdout  # printed in the combined table
    assert "BENCH-JSON " in proc.stdout


def test_collect_reads_bench_json_lines_and_module_documents():
    """Figures come from BENCH-JSON lines, or from the JSON document a module prints
    (documents, history, sampling), converted to value/baseline/ratio."""
    line = 'BENCH-JSON {"suite": "x", "results": [{"name": "a", "value": 2, "baseline": 4, "ratio": 0.5}]}'
    assert collect("funds", "table\n" + line + "\n") == [{"name": "a", "value": 2, "baseline": 4, "ratio": 0.5}]

    documents = json.dumps(
        {"n": 3, "notice": {"pages_per_second": 5.0}, "baseline_trivial_ascii_page": {"pages_per_second": 20.0}},
        indent=2,
    )
    (notice,) = collect("documents", documents + "\n\nseries  pages\n")
    assert (notice["value"], notice["baseline"], notice["ratio"]) == (5.0, 20.0, 0.25)

    history = {"replay_200_ms": 10.0, "baseline_select_200_ms": 2.0, "verify_events_per_s": 1000,
               "baseline_scan_events_per_s": 4000, "baseline_sha256_events_per_s": 10000, "events": 5000}  # fmt: skip
    replay, verify, sha = collect("history", "events  5000\n" + json.dumps(history) + "\n")
    assert replay["ratio"] == 0.2  # latency: baseline / ours
    assert verify["ratio"] == 0.25 and sha["ratio"] == 0.1

    assert collect("documents", "no json here\n") == []
