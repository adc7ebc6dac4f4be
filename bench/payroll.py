"""The monthly payment roll at township size: ``.venv/bin/python -m bench.payroll [--benefits 5000]``.

Issue 17 acceptance: the payment-roll export for a township with 5,000 benefits takes
under 5 s. Creates a throwaway county/township (random code) with ``--benefits``
households, each a member and a monthly benefit in force; then times

- ``roll_generate`` (ours: benefits, history, arrears, deductions, lines, audit);
- the finance-bureau export as CSV and as XLSX of the frozen roll (ours);
- baseline in the same run: one raw SQL SELECT of the same rows written with the csv
  module (the least an export can do).

Prints a table and one BENCH-JSON line; ratios are baseline/ours (< 1 = slower).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import random
import time
from decimal import Decimal

from bench.common import Result, machine_meta, report, setup_django


def _id_number(n: int) -> str:
    body = f"990101{19600101 + n % 9000:08d}"[:14] + f"{n % 1000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
    return body + check


def seed(benefits: int):
    from django.contrib.auth import get_user_model

    from workflows.caseload.models import Benefit, BenefitChange, BenefitKind, BenefitStatus, ChangeKind, Ground
    from workflows.core.models import County, Role, Township, Village
    from workflows.core.models.rules import Area
    from workflows.core.permissions import assignment_grant
    from workflows.households.models import Household, HouseholdMember

    code = f"{random.randint(100000, 999999)}"
    county = County.objects.create(code=code, name=f"基准县{code}")
    township = Township.objects.create(county=county, code=f"{code}001", name=f"基准镇{code}")
    village = Village.objects.create(township=township, code=f"{code}001001", name="基准村")
    users = get_user_model().objects
    worker = users.create(username=f"bench_worker_{code}", first_name="经办")
    assignment_grant(user=worker, role=Role.CASE_WORKER, region=township)
    households = Household.objects.bulk_create(
        [
            Household(
                county=county,
                township=township,
                village=village,
                area=Area.URBAN,
                address="基准路",
                bank_account=f"62284800{n:011d}",
            )
            for n in range(benefits)
        ],
        batch_size=2000,
    )
    HouseholdMember.objects.bulk_create(
        [
            HouseholdMember(
                household=h, name=f"户主{n}", id_number=_id_number(n), relation=HouseholdMember.Relation.APPLICANT
            )
            for n, h in enumerate(households)
        ],
        batch_size=2000,
    )
    starts = datetime.date(2026, 12, 1)
    rows = Benefit.objects.bulk_create(
        [
            Benefit(
                household=h,
                programme="dibao",
                kind=BenefitKind.MONTHLY,
                monthly_amount=Decimal("612.50"),
                starts=starts,
                status=BenefitStatus.IN_FORCE,
                county=county,
                township=township,
            )
            for h in households
        ],
        batch_size=2000,
    )
    BenefitChange.objects.bulk_create(
        [
            BenefitChange(
                benefit=b,
                kind=ChangeKind.OPEN,
                ground=Ground.APPROVED,
                reasons="基准",
                new_amount=b.monthly_amount,
                new_status=BenefitStatus.IN_FORCE,
                decided_on=starts,
                effective_month=starts,
            )
            for b in rows
        ],
        batch_size=2000,
    )
    return township, worker, starts


def run(benefits: int) -> None:
    from django.db import connection

    from workflows.payroll import exports, services
    from workflows.payroll.models import PaymentRoll, RollStatus

    township, worker, month = seed(benefits)
    services._today = lambda: month  # the roll of the seeded month is "this month"
    t0 = time.perf_counter()
    roll = services.roll_generate(township=township, month=month, actor=worker)
    generate_s = time.perf_counter() - t0
    PaymentRoll.objects.filter(pk=roll.pk).update(status=RollStatus.FROZEN)
    roll.refresh_from_db()
    t0 = time.perf_counter()
    csv_bytes = exports.roll_csv(roll)
    csv_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    xlsx_bytes = exports.roll_xlsx(roll)
    xlsx_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    out = io.StringIO()
    writer = csv.writer(out)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT payee_name, payee_id_number, bank_account, amount, programme FROM payroll_paymentrollline "
            "WHERE roll_id = %s ORDER BY id",
            [roll.pk],
        )
        for row in cursor.fetchall():
            writer.writerow(row)
    baseline_s = time.perf_counter() - t0
    notes = {"benefits": benefits, "lines": roll.line_count, "csv_bytes": len(csv_bytes), "xlsx_bytes": len(xlsx_bytes)}
    report(
        "payroll",
        [
            Result(
                f"roll_generate, {benefits} benefits", generate_s, "s", "raw SELECT + csv", baseline_s, False, notes
            ),
            Result(f"export CSV, {benefits} lines", csv_s, "s", "raw SELECT + csv", baseline_s, False, notes),
            Result(f"export XLSX, {benefits} lines", xlsx_s, "s", "raw SELECT + csv", baseline_s, False, notes),
        ],
        machine_meta(),
    )
    if max(csv_s, xlsx_s) >= 5:
        print(f"bench.payroll: export took {max(csv_s, xlsx_s):.2f} s (budget 5 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benefits", type=int, default=5000)
    args = parser.parse_args()
    setup_django()
    from bench.common import ensure_schema

    ensure_schema()
    run(args.benefits)


if __name__ == "__main__":
    main()
