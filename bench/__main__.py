"""Run the whole benchmark suite: ``.venv/bin/python -m bench [--size small|full]``.

    .venv/bin/python -m bench                         # small: seconds, SQLite or PostgreSQL (CI)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_full \\
        .venv/bin/python -m bench --size full --json-out bench-full.json

Every benchmark module runs in its own subprocess (``python -m bench.<name>``
with the arguments of the chosen size); the runner collects each module's
figures (its ``BENCH-JSON`` line, or the JSON document the module prints),
prints one combined table in which every figure has its same-run baseline and
the ratio, and with ``--json-out`` writes them all to a file. It also measures
the PostgreSQL commit rate with ``pgbench`` (a scratch database, created and
dropped) as the physical reference for the machine.

``--size full`` needs PostgreSQL: point DATABASE_URL at a dedicated database;
the province dataset (``bench.generate``, 1 M cases) is generated first if it
is not there. Without DATABASE_URL the small suite runs on a throwaway SQLite
database (modules that need PostgreSQL say so and are skipped).

Ratios: for throughput ours/baseline, for latency and durations
baseline/ours; so in both cases < 1 means "slower than the baseline".
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent

# name -> (needs PostgreSQL, small args, full args)
SUITE: dict[str, tuple[bool, list[str], list[str]]] = {
    "lifecycle": (False, ["--cases", "5"], ["--cases", "200"]),
    "throughput": (False, ["--tasks", "8", "--clients", "1,2,4"], ["--tasks", "200", "--clients", "1,2,4"]),
    "latency": (True, ["--cases", "2000", "--requests", "20"], ["--requests", "200"]),
    "finance_check": (False, ["--latency-ms", "200", "--runs", "1"], ["--latency-ms", "200", "--runs", "5"]),
    "documents": (False, ["--n", "3"], ["--n", "50"]),
    "sampling": (False, ["2000"], ["100000"]),
    "history": (False, ["--chains", "50", "--per-chain", "5", "--case-events", "200"], []),
    "funds": (True, ["--clients", "10", "--per-client", "2"], ["--clients", "50", "--per-client", "10"]),
    "payroll": (False, ["--benefits", "500"], ["--benefits", "5000"]),
    "rechecks": (True, ["--sizes", "2000"], ["--sizes", "100000,1000000"]),
    "pages": (False, ["--requests", "10"], ["--requests", "50"]),
}
FULL_CASES = 1_000_000


def _result(name, value, unit, baseline_name, baseline, higher_is_better=True, **notes) -> dict:
    ratio = float("nan")
    if value and baseline:
        ratio = value / baseline if higher_is_better else baseline / value
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "baseline_name": baseline_name,
        "baseline": baseline,
        "higher_is_better": higher_is_better,
        "notes": notes,
        "ratio": round(ratio, 4),
    }


def _documents(doc: dict) -> list[dict]:
    return [
        _result(
            "notice PDF pages/s",
            doc["notice"]["pages_per_second"],
            "pages/s",
            "one-line ASCII page, same renderer",
            doc["baseline_trivial_ascii_page"]["pages_per_second"],
            n=doc["n"],
        )
    ]


def _history(doc: dict) -> list[dict]:
    return [
        _result(
            "replay of a 200-event case",
            doc["replay_200_ms"],
            "ms",
            "SELECT of the same 200 rows",
            doc["baseline_select_200_ms"],
            higher_is_better=False,
        ),
        _result(
            "chain verification",
            doc["verify_events_per_s"],
            "events/s",
            "streaming SELECT of the same rows",
            doc["baseline_scan_events_per_s"],
            events=doc["events"],
        ),
        _result(
            "chain verification vs hashing alone",
            doc["verify_events_per_s"],
            "events/s",
            "sha256 over the same canonical bytes",
            doc["baseline_sha256_events_per_s"],
            events=doc["events"],
        ),
    ]


def _sampling(doc: dict) -> list[dict]:
    return [
        _result(
            f"sampling draw over {doc['n']} approvals",
            doc["pure_draw_s"] * 1000,
            "ms",
            "random.sample over the same ids",
            doc["baseline_random_sample_s"] * 1000,
            higher_is_better=False,
        ),
        _result(
            f"draw_run incl. persistence ({doc['n']})",
            doc["draw_run_with_persistence_s"] * 1000,
            "ms",
            "SQL ORDER BY random() LIMIT k",
            doc["baseline_sql_order_by_random_s"] * 1000,
            higher_is_better=False,
        ),
    ]


ADAPTERS = {"documents": _documents, "history": _history, "sampling": _sampling}


def _json_documents(text: str):
    """Every top-level JSON object printed at the start of a line."""
    decoder = json.JSONDecoder()
    for match in re.finditer(r"^\{", text, flags=re.MULTILINE):
        try:
            obj, _end = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError:
            continue
        yield obj


def collect(name: str, stdout: str) -> list[dict]:
    """The figures of one module's output, each with baseline and ratio."""
    results = []
    for line in stdout.splitlines():
        if line.startswith("BENCH-JSON "):
            payload = json.loads(line[len("BENCH-JSON ") :])
            results += payload["results"]
    if results or name not in ADAPTERS:
        return results
    for doc in _json_documents(stdout):
        try:
            return ADAPTERS[name](doc)
        except KeyError:
            continue
    return []


def run_module(name: str, args: list[str], env: dict, timeout: int) -> dict:
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", f"bench.{name}", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"module": name, "status": f"timeout after {timeout}s", "results": [], "seconds": timeout}
    seconds = round(time.perf_counter() - started, 1)
    results = collect(name, proc.stdout)
    if proc.returncode:
        status = f"failed (exit {proc.returncode}): {proc.stderr.strip().splitlines()[-1:]}"
    elif not results:
        status = "no figures: " + (proc.stdout.strip().splitlines() or ["(no output)"])[-1][:200]
    else:
        status = "ok"
    return {"module": name, "status": status, "results": results, "seconds": seconds, "args": args}


def pgbench(database_url: str, seconds: int) -> dict:
    """PostgreSQL commit rate: pgbench -N (simple updates) on a scratch database."""
    if not shutil.which("pgbench"):
        return {"status": "pgbench not found (apt-get install postgresql-client / postgresql-contrib)"}
    parts = urlsplit(database_url)
    scratch = f"bench_pgbench_{os.getpid()}"
    env = dict(os.environ)
    if parts.password:
        env["PGPASSWORD"] = parts.password
    conn = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]
    admin = urlunsplit(parts._replace(path="/postgres"))
    try:
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {scratch}"], check=True, capture_output=True, env=env)
        subprocess.run(["pgbench", *conn, "-i", "-s", "1", "-q", scratch], check=True, capture_output=True, env=env)
        out = subprocess.run(
            ["pgbench", *conn, "-N", "-c", "4", "-j", "2", "-T", str(seconds), scratch],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stdout
    except (subprocess.CalledProcessError, OSError) as exc:
        return {"status": f"pgbench failed: {exc}"}
    finally:
        subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {scratch}"], capture_output=True, env=env)
    tps = re.search(r"tps = ([\d.]+) \((?:without|excluding)", out)
    latency = re.search(r"latency average = ([\d.]+) ms", out)
    return {
        "status": "ok",
        "tps": float(tps.group(1)) if tps else None,
        "latency_ms": float(latency.group(1)) if latency else None,
        "command": f"pgbench -N -c 4 -j 2 -T {seconds} (scale 1)",
    }


def machine() -> dict:
    import platform

    info = {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    try:
        with open("/proc/meminfo") as fh:
            info["memory_gb"] = round(int(fh.readline().split()[1]) / 1024 / 1024, 1)
        with open("/proc/cpuinfo") as fh:
            model = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), None)
            info["cpu"] = model
        info["loadavg_start"] = os.getloadavg()
    except OSError:
        pass
    return info


def print_table(modules: list[dict]) -> None:
    header = f"{'module':13} {'measure':46} {'ours':>11} {'baseline':>11} {'ratio':>7}  unit / baseline"
    print("\n" + header)
    print("-" * len(header))
    for module in modules:
        if module["status"] != "ok":
            print(f"{module['module']:13} ({module['status']})")
        for r in module["results"]:
            print(
                f"{module['module']:13} {r['name'][:46]:46} {r['value']:11.3f} {r['baseline']:11.3f} "
                f"{r['ratio']:7.3f}  {r['unit']} / {r['baseline_name']}"
            )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=["small", "full"], default="small")
    parser.add_argument("--only", help="comma-separated modules: " + ",".join(SUITE))
    parser.add_argument("--json-out", type=Path)
    parser.add_argument("--no-pgbench", action="store_true")
    parser.add_argument("--cases", type=int, default=FULL_CASES, help="generated cases for --size full")
    args = parser.parse_args(argv)

    names = args.only.split(",") if args.only else list(SUITE)
    unknown = set(names) - set(SUITE)
    if unknown:
        parser.error(f"unknown modules: {', '.join(sorted(unknown))}")
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    database_url = os.environ.get("DATABASE_URL", "")
    postgres = database_url.startswith(("postgres://", "postgresql://"))
    if args.size == "full" and not postgres:
        parser.error("--size full needs PostgreSQL: set DATABASE_URL to a dedicated database")
    scratch_dir = None
    if not database_url:
        # One throwaway SQLite database for the whole run, never the demo one.
        scratch_dir = tempfile.mkdtemp(prefix="bench-")
        env["DATA_DIR"] = scratch_dir
    env.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.local")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)

    meta = {"size": args.size, "database": "postgresql" if postgres else "sqlite", "machine": machine()}
    if postgres and not args.no_pgbench:
        meta["pgbench"] = pgbench(database_url, 10 if args.size == "full" else 3)
        print(f"PostgreSQL commit rate (physical reference): {meta['pgbench']}")
    if args.size == "full" and "latency" in names:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bench.generate", "--cases", str(args.cases)], cwd=ROOT, env=env, check=True
        )
        meta["generate_s"] = round(time.perf_counter() - started, 1)

    modules = []
    for name in names:
        needs_postgres, small, full = SUITE[name]
        if needs_postgres and not postgres:
            modules.append({"module": name, "status": "skipped (needs PostgreSQL)", "results": []})
            continue
        print(f"running bench.{name} ...", flush=True)
        module = run_module(name, small if args.size == "small" else full, env, 300 if args.size == "small" else 3600)
        modules.append(module)
        print(f"  {module['status']} in {module.get('seconds')}s", flush=True)
    meta["machine"]["loadavg_end"] = os.getloadavg()
    print_table(modules)
    if meta.get("pgbench", {}).get("tps"):
        print(f"\npgbench commit rate: {meta['pgbench']['tps']:.0f} tps ({meta['pgbench']['command']})")
    payload = {"meta": meta, "modules": modules}
    print("BENCH-JSON " + json.dumps({"suite": "all", **payload}, ensure_ascii=False, default=str))
    if args.json_out:
        args.json_out.write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    if scratch_dir:
        shutil.rmtree(scratch_dir, ignore_errors=True)
    return 0 if all(m["status"].startswith(("ok", "skipped")) for m in modules) else 1


if __name__ == "__main__":
    raise SystemExit(main())
