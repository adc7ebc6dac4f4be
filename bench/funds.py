"""Reserve-fund payments under contention: ``.venv/bin/python -m bench.funds [--clients 50 --per-client 10] [--processes]``.

PostgreSQL only (on SQLite the row lock is a no-op and writers serialise on the
file, so the figure means nothing): prints a message and exits.

Ours: ``clients`` threads, each with its own connection, call ``fund_pay`` on
ONE fund ``per-client`` times (row lock, balance check, ledger entry, audit
event, one transaction each). Baseline in the same run: the same threads run
the bare minimum a correct payment needs, a single
``UPDATE ... SET balance = balance - x WHERE id = ? AND balance >= x`` in
autocommit on a scratch table. Prints a table and one BENCH-JSON line:
payments/s for both and the ratio.

Clients are threads of this one process by default (the figure the docs track).
``--processes``: each client is a forked process with its own connection instead, for
ours and the baseline alike, as gunicorn's sync workers would be in production: threads
share one GIL, so a thread holding the fund's lock can wait for the interpreter between
its statements while other threads run Python, which processes do not (they compete for
the CPUs instead).

Writes a throwaway county/township (random code) and drops the scratch table;
point DATABASE_URL at a scratch database.
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from decimal import Decimal

from bench.common import Result, machine_meta, report, setup_django


def _hammer(clients: int, per_client: int, work, *, processes: bool = False) -> tuple[float, int, list[str]]:
    """Run ``work(i, j)`` for ``j < per_client`` in each of ``clients`` clients released
    together: wall time from the release to the last client's end, payments done, errors."""
    if processes:
        return _hammer_processes(clients, per_client, work)
    from django.db import connection

    barrier = threading.Barrier(clients + 1)
    done, errors = [0], []
    lock = threading.Lock()

    def runner(i):
        try:
            barrier.wait()
            n = 0
            for j in range(per_client):
                work(i, j)
                n += 1
            with lock:
                done[0] += n
        except Exception as exc:  # report, don't hide
            with lock:
                errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - start, done[0], errors


def _hammer_processes(clients: int, per_client: int, work) -> tuple[float, int, list[str]]:
    """``_hammer`` with forked processes, one connection each. Each records when it finished
    (``time.monotonic`` is one clock for every process), so process start-up and exit are
    not timed. The parent's connections are closed first: a child must not share them."""
    import multiprocessing

    from django.db import connection, connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(clients + 1)
    results = context.Queue()

    def runner(i):
        n, error = 0, None
        try:
            barrier.wait()
            for j in range(per_client):
                work(i, j)
                n += 1
        except Exception as exc:  # report, don't hide
            error = repr(exc)
        finally:
            end = time.monotonic()
            connection.close()
            results.put((n, error, end))

    children = [context.Process(target=runner, args=(i,)) for i in range(clients)]
    for child in children:
        child.start()
    barrier.wait()
    start = time.monotonic()
    reports = [results.get() for _child in children]
    for child in children:
        child.join()
    errors = [error for _n, error, _end in reports if error]
    return max(end for _n, _error, end in reports) - start, sum(n for n, _error, _end in reports), errors


def run(clients: int, per_client: int, *, processes: bool = False) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from tests.factories import configure_rules
    from workflows.core.models import County, Township
    from workflows.core.models.staff import Role
    from workflows.core.permissions import assignment_grant
    from workflows.funds import services

    tag = f"{random.randint(0, 9999):04d}"
    county = County.objects.create(code=f"97{tag}", name=f"压测县{tag}")
    township = Township.objects.create(county=county, code=f"97{tag}001", name=f"压测镇{tag}")
    configure_rules(county)
    users = get_user_model().objects
    officer = users.create(username=f"bench_officer_{tag}")
    approver = users.create(username=f"bench_approver_{tag}")
    assignment_grant(user=officer, role=Role.COUNTY_OFFICER, region=county, actor=None)
    assignment_grant(user=approver, role=Role.APPROVER, region=township, actor=None)
    total = clients * per_client
    amount = Decimal("10.00")
    fund = services.fund_allocate(
        township=township, budget_year=2099, amount=amount * total, reason="压测", actor=officer
    ).fund

    def ours(i, j):
        actor = get_user_model().objects.get(pk=approver.pk) if j == 0 else ours.users[i]
        ours.users[i] = actor
        services.fund_pay(fund=fund, amount=amount, reason=f"压测{i}-{j}", actor=actor)

    ours.users = {}
    ours_s, ours_n, ours_err = _hammer(clients, per_client, ours, processes=processes)
    services.fund_verify(fund)

    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_fund_baseline")
        cur.execute("CREATE TABLE bench_fund_baseline (id int primary key, balance numeric(14,2) not null)")
        cur.execute("INSERT INTO bench_fund_baseline VALUES (1, %s)", [amount * total])

    def baseline(i, j):
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE bench_fund_baseline SET balance = balance - %s WHERE id = 1 AND balance >= %s",
                [amount, amount],
            )
            if cur.rowcount != 1:
                raise RuntimeError("baseline overdraft refused")

    base_s, base_n, base_err = _hammer(clients, per_client, baseline, processes=processes)
    with connection.cursor() as cur:
        cur.execute("SELECT balance FROM bench_fund_baseline WHERE id = 1")
        base_left = cur.fetchone()[0]
        cur.execute("DROP TABLE bench_fund_baseline")
    fund.refresh_from_db()

    report(
        "funds: payments on one fund under contention",
        [
            Result(
                name=f"fund_pay, {clients} {'processes' if processes else 'clients'}",
                value=ours_n / ours_s,
                unit="payments/s",
                baseline_name="raw UPDATE ... WHERE balance >= x",
                baseline=base_n / base_s,
                notes={
                    "payments": ours_n,
                    "seconds": round(ours_s, 3),
                    "errors": ours_err[:3],
                    "fund_balance_left": str(fund.balance),
                    "baseline_payments": base_n,
                    "baseline_seconds": round(base_s, 3),
                    "baseline_errors": base_err[:3],
                    "baseline_balance_left": str(base_left),
                },
            )
        ],
        meta={**machine_meta(), "clients": clients, "per_client": per_client, "processes": processes},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--per-client", type=int, default=10)
    parser.add_argument(
        "--processes",
        action="store_true",
        help="one forked process per client (ours and the baseline); default threads",
    )
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("bench.funds: PostgreSQL only (row locks); set DATABASE_URL=postgres://... -- skipped")
        return
    from bench.common import ensure_schema

    ensure_schema()
    run(args.clients, args.per_client, processes=args.processes)


if __name__ == "__main__":
    main()
