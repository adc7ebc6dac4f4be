"""Benchmark: the county sampling draw over 100,000 township approvals.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sampling_bench .venv/bin/python bench/sampling.py [N]

Bulk-creates N approvals (default 100,000; 10 townships, 1% staff-relative,
50 complaints) inside a transaction that is rolled back at the end, then
measures, in the same run:

- pure draw: ``workflows.sampling.draw.draw`` over the pool (seeded, forced-in, township minimum);
- full ``draw_run``: pool query + draw + storing the draw (pool snapshot, composition),
  the drawn cases and marking the pool (review cases are started afterwards by a Celery job
  and are not part of this number);
- baseline 1: ``random.sample`` over the same ids (no forced cases, no township minimum);
- baseline 2: ``SELECT id ... ORDER BY random() LIMIT k`` in the database (not reproducible).

Prints a JSON document and a table with the ratios against the baselines.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.local")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from workflows.core.models import County, SamplingRule, Township, Village  # noqa: E402
from workflows.sampling import draw as draw_algo  # noqa: E402
from workflows.sampling import services  # noqa: E402
from workflows.sampling.models import ApprovalRecord, Complaint, DrawnCase  # noqa: E402

PERIOD = (datetime.date(2020, 3, 1), datetime.date(2020, 3, 31))


class Rollback(Exception):
    pass


def best_of(fn, repeat=3):
    times = []
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main(n: int) -> dict:
    out: dict = {"n": n, "database": connection.vendor}
    try:
        with transaction.atomic():
            code = next(f"98{i:04d}" for i in range(10000) if not County.objects.filter(code=f"98{i:04d}").exists())
            county = County.objects.create(code=code, name="基准县")
            townships = [
                Township.objects.create(county=county, code=f"{code}{i:03d}", name=f"镇{i}") for i in range(10)
            ]
            villages = [Village.objects.create(township=t, code=f"{t.code}001", name=f"{t.name}村") for t in townships]
            SamplingRule.objects.create(county=county, effective_from=datetime.date(2019, 1, 1))
            user, _ = get_user_model().objects.get_or_create(username="bench_sampling_approver")
            rng = random.Random(1)
            t0 = time.perf_counter()
            ApprovalRecord.objects.bulk_create(
                (
                    ApprovalRecord(
                        process_id=10**9 + i,
                        programme="dibao",
                        county=county,
                        township=villages[i % 10].township,
                        village=villages[i % 10],
                        case_number=f"B-{i}",
                        approved_on=PERIOD[0] + datetime.timedelta(days=i % 28),
                        approved_by=user,
                        monthly_amount=Decimal("450.00"),
                        payment_starts=datetime.date(2020, 4, 1),
                        staff_relative=rng.random() < 0.01,
                    )
                    for i in range(n)
                ),
                batch_size=5000,
            )
            Complaint.objects.bulk_create(
                Complaint(process_id=10**9 + rng.randrange(n), received_on=PERIOD[0], summary="基准") for _ in range(50)
            )
            out["setup_s"] = round(time.perf_counter() - t0, 3)

            entries, _complaints = services._pool_for(county.pk, PERIOD[1])
            ratio = Decimal("0.300")
            ids = [e.record_id for e in entries]
            k = draw_algo.random_part_size(ratio, len(entries))
            seed = 2**127 + 12345

            out["pure_draw_s"], selection = best_of(lambda: draw_algo.draw(entries, ratio, seed))
            out["baseline_random_sample_s"], _ = best_of(lambda: random.Random(seed).sample(ids, k))

            def sql_random():
                with connection.cursor() as cur:
                    order = "random()" if connection.vendor in {"postgresql", "sqlite"} else "RAND()"
                    cur.execute(
                        f"SELECT id FROM {ApprovalRecord._meta.db_table} WHERE county_id = %s ORDER BY {order} LIMIT %s",
                        [county.pk, k],
                    )
                    return cur.fetchall()

            out["baseline_sql_order_by_random_s"], _ = best_of(sql_random)

            t0 = time.perf_counter()
            draw = services.draw_run(
                county=county, period_start=PERIOD[0], period_end=PERIOD[1], seed=seed, start_reviews=False
            )
            out["draw_run_with_persistence_s"] = round(time.perf_counter() - t0, 3)
            t0 = time.perf_counter()
            ok, _m, _u = services.verify_draw(draw)
            out["verify_s"] = round(time.perf_counter() - t0, 3)
            out.update(
                {
                    "pool_size": draw.pool_size,
                    "random_part": k,
                    "drawn": draw.drawn_count,
                    "drawn_rows": DrawnCase.objects.filter(draw=draw).count(),
                    "by_reason": draw.composition["by_reason"],
                    "verified": ok,
                    "pure_selection_equals_stored": len(selection) == draw.drawn_count,
                }
            )
            raise Rollback
    except Rollback:
        pass
    for key in ("pure_draw_s", "baseline_random_sample_s", "baseline_sql_order_by_random_s"):
        out[key] = round(out[key], 4)
    out["ratio_pure_vs_random_sample"] = round(out["pure_draw_s"] / out["baseline_random_sample_s"], 2)
    out["ratio_draw_run_vs_sql_random"] = round(
        out["draw_run_with_persistence_s"] / out["baseline_sql_order_by_random_s"], 2
    )
    return out


def table(r: dict) -> str:
    rows = [
        ("pure draw (seeded, forced, township min)", r["pure_draw_s"]),
        ("baseline: random.sample same ids", r["baseline_random_sample_s"]),
        ("baseline: SQL ORDER BY random() LIMIT k", r["baseline_sql_order_by_random_s"]),
        ("draw_run incl. persistence", r["draw_run_with_persistence_s"]),
        ("verify_draw (recompute + compare)", r["verify_s"]),
    ]
    lines = [f"{'step':<45} {'seconds':>10}", "-" * 56]
    lines += [f"{name:<45} {secs:>10.4f}" for name, secs in rows]
    lines.append(f"pure / random.sample = {r['ratio_pure_vs_random_sample']}x;")
    lines.append(f"draw_run / SQL random = {r['ratio_draw_run_vs_sql_random']}x")
    lines.append(f"pool {r['pool_size']}, random part {r['random_part']}, drawn {r['drawn']} {r['by_reason']}")
    return "\n".join(lines)


if __name__ == "__main__":
    result = main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    print(table(result))
