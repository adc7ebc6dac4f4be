"""Re-checks over a whole caseload (MSL 31): ``.venv/bin/python -m bench.rechecks [--sizes 100000,1000000]``.

Issue 17 acceptance: the re-check scheduling for 1,000,000 benefits runs in bounded
memory. PostgreSQL only. For each size, a throwaway county (random code) gets that many
households, each with one member (a third of them able to work at working age, so both
cadences occur) and a monthly benefit in force, loaded with COPY; then it times

- ``recheck_schedule_caseload`` (ours: chunks of 5,000 benefits read as tuples, the
  cadence per household, one INSERT per chunk, the benefits' due dates, an audit row
  per chunk) and the peak memory it adds to the process (``ru_maxrss`` after minus
  before; the seeding streams its rows, so the peak before is small);
- ``recheck_open_due`` (ours: one UPDATE) with every re-check coming due;
- baseline in the same run, on the same rows: one raw ``INSERT … SELECT`` computing the
  cadence in SQL (plus the UPDATE of the benefits), and the same raw UPDATE for opening.

Both ways must schedule the same re-checks (checked). Prints a table and one BENCH-JSON
line; ratios are baseline/ours (< 1 = slower).
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import resource
import time

from bench.common import Result, machine_meta, report, setup_django

AFTER = datetime.date(2027, 1, 1)


def _id_number(n: int, able: bool) -> str:
    # able members are 40 (working age), the others 70
    born = 19870101 if able else 19570101
    body = f"990101{born + n % 28:08d}{n % 1000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def seed(size: int):
    """A county of ``size`` households / members / benefits, loaded with COPY (streamed)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from workflows.core.models import County, Township, Village

    code = f"{random.randint(100000, 999999)}"
    county = County.objects.create(code=code, name=f"复核基准县{code}")
    township = Township.objects.create(county=county, code=f"{code}001", name=f"复核基准镇{code}")
    village = Village.objects.create(township=township, code=f"{code}001001", name="基准村")
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM households_household")
        first = cur.fetchone()[0] + 1
        ids = range(first, first + size)
        _copy(cur.cursor, "households_household",
              ["id", "county_id", "township_id", "village_id", "area", "address", "phone", "bank_account", "created_at"],
              ((h, county.pk, township.pk, village.pk, "urban", "基准路", "", "", now) for h in ids))  # fmt: skip
        cur.execute("SELECT setval(pg_get_serial_sequence('households_household', 'id'), %s)", [first + size])
        _copy(cur.cursor, "households_householdmember",
              ["household_id", "name", "id_number", "relation", "is_student", "is_disabled", "has_serious_illness",
               "can_work"],
              ((h, f"户主{h}", _id_number(h, h % 3 == 0), "applicant", False, False, False, h % 3 == 0)
               for h in ids))  # fmt: skip
        _copy(cur.cursor, "caseload_benefit",
              ["household_id", "programme", "kind", "monthly_amount", "starts", "status", "case_number", "county_id",
               "township_id", "opened_at"],
              ((h, "dibao", "monthly", "500.00", datetime.date(2026, 1, 1), "in_force", "", county.pk, township.pk, now)
               for h in ids))  # fmt: skip
        cur.execute("ANALYZE households_household; ANALYZE households_householdmember; ANALYZE caseload_benefit")
    return county


BASELINE_INSERT = """
INSERT INTO caseload_recheck (benefit_id, county_id, township_id, reason, due_on, finance_outcome, finance_result,
                              visit_findings, outcome, created_at)
SELECT b.id, b.county_id, b.township_id, 'scheduled',
       CASE WHEN u.household_id IS NULL THEN %(stable)s ELSE %(unstable)s END, '', '{}', '', '', now()
FROM caseload_benefit b
LEFT JOIN (
    SELECT DISTINCT m.household_id FROM households_householdmember m
    WHERE (m.can_work AND NOT m.is_disabled AND NOT m.is_student
           AND date_part('year', age(%(after)s::date, to_date(substr(m.id_number, 7, 8), 'YYYYMMDD'))) >= 16
           AND date_part('year', age(%(after)s::date, to_date(substr(m.id_number, 7, 8), 'YYYYMMDD'))) < 60)
       OR EXISTS (SELECT 1 FROM households_declaredincome i WHERE i.member_id = m.id
                  AND i.kind IN ('wage', 'business') AND i.monthly_amount > 0)
) u ON u.household_id = b.household_id
WHERE b.county_id = %(county)s AND b.status <> 'stopped'
  AND NOT EXISTS (SELECT 1 FROM caseload_recheck r WHERE r.benefit_id = b.id AND r.outcome = '')
"""
BASELINE_UPDATE = """
UPDATE caseload_benefit b SET next_recheck_due = r.due_on,
       recheck_months = CASE WHEN r.due_on = %(stable)s THEN %(stable_months)s ELSE %(unstable_months)s END
FROM caseload_recheck r WHERE r.benefit_id = b.id AND r.outcome = '' AND b.county_id = %(county)s
"""
OPEN_SQL = "UPDATE caseload_recheck SET opened_on = %s WHERE outcome = '' AND opened_on IS NULL AND due_on <= %s"


def _shape(county) -> tuple[int, int, int]:
    """How many re-checks the county has, the sum of their due dates (as day numbers) and
    of the benefits' cadences: equal shapes mean the same schedule."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*), COALESCE(sum(due_on - DATE '2000-01-01'), 0), "
                    "(SELECT COALESCE(sum(recheck_months), 0) FROM caseload_benefit WHERE county_id = %s) "
                    "FROM caseload_recheck WHERE county_id = %s", [county.pk, county.pk])  # fmt: skip
        return tuple(cur.fetchone())


def _reset(county) -> tuple[int, int, int]:
    """Forget the county's re-checks (untimed); returns their ``_shape`` first."""
    from django.db import connection

    shape = _shape(county)
    with connection.cursor() as cur:
        cur.execute("UPDATE caseload_benefit SET next_recheck_due = NULL, recheck_months = NULL WHERE county_id = %s",
                    [county.pk])  # fmt: skip
        cur.execute("DELETE FROM caseload_recheck WHERE county_id = %s", [county.pk])
    return shape


def run(size: int, reuse: str = "") -> list[Result]:
    from django.db import connection, transaction

    from workflows.caseload.models import CaseloadRule
    from workflows.caseload.months import months_after
    from workflows.caseload.services import recheck_open_due, recheck_schedule_caseload
    from workflows.core.models import County

    t0 = time.perf_counter()
    if reuse:  # a county an earlier run seeded (seeding 1,000,000 takes minutes)
        county = County.objects.get(code=reuse)
        _reset(county)
    else:
        county = seed(size)
    seed_s = time.perf_counter() - t0

    rss0 = _maxrss_mb()
    t0 = time.perf_counter()
    scheduled = recheck_schedule_caseload(county=county, after=AFTER, actor=None)
    ours_s = time.perf_counter() - t0
    ours_rss = _maxrss_mb() - rss0
    assert scheduled == size, (scheduled, size)
    ours_shape = _reset(county)

    rule = CaseloadRule.for_county(county.pk, AFTER)
    params = {"county": county.pk, "after": AFTER, "stable": months_after(AFTER, rule.stable_recheck_months),
              "unstable": months_after(AFTER, rule.unstable_recheck_months),
              "stable_months": rule.stable_recheck_months, "unstable_months": rule.unstable_recheck_months}  # fmt: skip
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(BASELINE_INSERT, params)
        cur.execute(BASELINE_UPDATE, params)
    base_s = time.perf_counter() - t0
    base_shape = _shape(county)
    assert ours_shape == base_shape, (ours_shape, base_shape)  # the same re-checks, the same dates

    # opening, on the re-checks just scheduled (the same as ours): every one comes due
    today = months_after(AFTER, rule.stable_recheck_months)
    t0 = time.perf_counter()
    with transaction.atomic():
        opened = recheck_open_due(today=today)
    open_s = time.perf_counter() - t0
    with connection.cursor() as cur:
        cur.execute("UPDATE caseload_recheck SET opened_on = NULL WHERE county_id = %s", [county.pk])
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(OPEN_SQL, [today, today + datetime.timedelta(days=30)])
        base_opened = cur.rowcount
    open_base_s = time.perf_counter() - t0
    notes = {"benefits": size, "seed_s": round(seed_s, 1), "peak_rss_added_mb": round(ours_rss, 1),
             "opened": opened, "baseline_opened": base_opened}  # fmt: skip
    return [
        Result(f"recheck_schedule_caseload, {size} benefits", ours_s, "s", "raw INSERT…SELECT", base_s, False, notes),
        Result(f"recheck_open_due, {size} re-checks", open_s, "s", "raw UPDATE", open_base_s, False, notes),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated benefit counts")
    parser.add_argument("--reuse-county", default="", help="code of a county seeded by an earlier run (one size)")
    args = parser.parse_args()
    # as in production: with DEBUG on, Django keeps every statement's SQL (here inserts of
    # 5,000 rows each) in connection.queries, which is memory the service does not use
    os.environ.setdefault("DEBUG", "false")
    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("bench.rechecks: needs PostgreSQL (COPY); set DATABASE_URL")
        return
    from bench.common import ensure_schema

    ensure_schema()
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        results += run(size, args.reuse_county)
    report("rechecks", results, machine_meta())
    for r in results:
        if "peak_rss_added_mb" in r.notes and r.name.startswith("recheck_schedule"):
            print(f"{r.name}: peak memory added {r.notes['peak_rss_added_mb']} MB")


if __name__ == "__main__":
    main()
