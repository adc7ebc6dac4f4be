"""Economic-status check latency: ``.venv/bin/python -m bench.finance_check [--latency-ms 200] [--runs 5]``.

Starts the sandbox registries with the same latency on every source, then in
the same run measures

- baseline: one source's query through its adapter (HTTP to the sandbox);
- ours: a full check (consent gate, start, all 11 sources, evidence, means
  test, end) from ``finance_check_request`` until the check is DONE.

Celery runs eagerly (no worker): the check's fan-out then queries the sources
in a thread pool, so the figure shows the parallelism the design promises
(full check well under 2x one source). With a real worker, the parallelism is
the worker's concurrency (see docs/flows/finance-check.md). A throwaway SQLite
database is used unless DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import time
from decimal import Decimal

from bench.common import Result, machine_meta, report, setup_django, timed


def _fixtures():
    from django.contrib.auth import get_user_model

    from workflows.core.models import AssetLimit, County, DibaoStandard, Township, Village
    from workflows.core.models.rules import Area, Period
    from workflows.finance_check.sandbox.records import make_id
    from workflows.households.models import Consent, DeclaredIncome, Household, HouseholdMember

    county, _ = County.objects.get_or_create(code="990199", defaults={"name": "基准县"})
    township, _ = Township.objects.get_or_create(code="990199001", defaults={"name": "基准镇", "county": county})
    village, _ = Village.objects.get_or_create(code="990199001001", defaults={"name": "基准村", "township": township})
    since = datetime.date(2025, 1, 1)
    DibaoStandard.objects.get_or_create(
        county=county,
        area=Area.RURAL,
        effective_from=since,
        defaults={"period": Period.YEARLY, "amount": Decimal("4800")},
    )
    AssetLimit.objects.get_or_create(
        county=county, effective_from=since, defaults={"financial_assets_per_capita": Decimal("14400")}
    )
    user, _ = get_user_model().objects.get_or_create(username="bench_worker")
    household = Household.objects.create(
        county=county, township=township, village=village, area=Area.RURAL, address="基准路 1 号"
    )
    for i, (age, relation) in enumerate([(40, "applicant"), (38, "spouse"), (10, "minor_child")]):
        member = HouseholdMember.objects.create(
            household=household,
            name=f"基准{i}",
            id_number=make_id(datetime.date(datetime.date.today().year - age, 2, 2), 900 + i, area="990199"),
            relation=relation,
        )
        if age >= 18:
            Consent.objects.create(member=member, kind=Consent.Kind.CHECK_AUTHORISATION, signed_on=since)
            DeclaredIncome.objects.create(member=member, kind="wage", monthly_amount=Decimal("375"))
    return household, user


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    setup_django("project.settings.test")
    from bench.common import ensure_schema

    ensure_schema()
    from django.conf import settings
    from django.db import connection

    from workflows.finance_check.adapters import get_adapter
    from workflows.finance_check.models import FinanceCheckProcess
    from workflows.finance_check.sandbox.server import SandboxServer
    from workflows.finance_check.services import finance_check_request
    from workflows.finance_check.sources import ALL_SOURCES, Source

    server = SandboxServer("127.0.0.1", 0).start()
    settings.FINANCE_CHECK_SANDBOX_URL = server.url
    settings.CELERY_TASK_ALWAYS_EAGER = True
    try:
        server.set_mode("*", latency_ms=args.latency_ms)
        household, user = _fixtures()
        ids = list(household.members.values_list("id_number", flat=True))
        adapter = get_adapter(Source.TAX)
        adapter.query(ids, request_id="warm-up")
        one_source = [timed(lambda: adapter.query(ids, request_id="bench")) for _ in range(args.runs)]

        # Record when the fan-out's HTTP work starts and ends, to separate the
        # parallel query phase from the fixed database/flow work around it.
        from workflows.finance_check import dispatch

        windows: list[tuple[float, float]] = []
        original = dispatch.query_with_retries

        def query_with_retries(*a, **kw):
            start = time.perf_counter()
            try:
                return original(*a, **kw)
            finally:
                windows.append((start, time.perf_counter()))

        dispatch.query_with_retries = query_with_retries
        # SQL statements (round trips) of one check: the load-independent part of
        # the fixed work. Only this thread touches the database.
        statements = [0]

        def count(execute, sql, params, many, context):
            statements[0] += 1
            return execute(sql, params, many, context)

        checks, full, phases, per_check = [], [], [], []
        load_before = os.getloadavg()
        for i in range(args.runs):
            windows.clear()
            statements[0] = 0

            def run(i=i):
                checks.append(
                    finance_check_request(household=household, purpose="dibao", case_ref=f"bench:{i}", actor=user)
                )

            with connection.execute_wrapper(count):
                full.append(timed(run))  # autocommit: the queries run when the request commits
            phases.append(max(b for _, b in windows) - min(a for a, _ in windows))
            per_check.append(statements[0])
        load_after = os.getloadavg()
        dispatch.query_with_retries = original
        outcomes = {FinanceCheckProcess.objects.get(pk=c.pk).status for c in checks}
        if outcomes != {"DONE"}:
            raise SystemExit(f"a benchmark check did not finish: {outcomes}")
    finally:
        server.stop()

    base, ours, phase = statistics.median(one_source), statistics.median(full), statistics.median(phases)
    ratio = ours / base
    result = Result(
        name=f"full check, {len(ALL_SOURCES)} sources (median s)",
        value=ours,
        unit="s",
        baseline_name="one source (median s)",
        baseline=base,
        higher_is_better=False,
        notes={
            "full_over_one_source": round(ratio, 3),
            "query_phase_s": round(phase, 4),
            "query_phase_over_one_source": round(phase / base, 3),
            "fixed_overhead_s": round(ours - phase, 4),
            "sequential_estimate_s": round(base * len(ALL_SOURCES), 3),
            "runs": args.runs,
            "latency_ms_per_source": args.latency_ms,
            "one_source_s": [round(x, 4) for x in one_source],
            "full_check_s": [round(x, 4) for x in full],
            "sql_statements_per_check": max(per_check),
            "loadavg_1m_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
            "celery": "eager; fan-out in a thread pool",
        },
    )
    report("finance_check", [result], meta=machine_meta())
    print(f"{'one source (baseline)':38} {base * 1000:8.0f} ms")
    print(f"{'all sources, query phase':38} {phase * 1000:8.0f} ms   {phase / base:5.2f} x one source")
    print(f"{'full check, end to end':38} {ours * 1000:8.0f} ms   {ratio:5.2f} x one source")
    print(f"{'  of which database/flow work':38} {(ours - phase) * 1000:8.0f} ms   (independent of registry latency)")
    print(f"{'sequential queries would take':38} {len(ALL_SOURCES) * base * 1000:8.0f} ms")
    print(f"{'SQL statements per check':38} {max(per_check):8d}")
    print(f"{'load average (1 min) before / after':38} {load_before[0]:8.2f} / {load_after[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
