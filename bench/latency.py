"""Staff list and status-lookup latency on the generated province dataset (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_full \\
        .venv/bin/python -m bench.latency [--requests 200] [--cases N] [--explain]

Needs the dataset of ``bench.generate`` (``--cases N`` generates it first if
missing). Measures, for a township case worker and approver of the first
generated township, p50/p95/p99 over ``--requests`` runs of what each page
runs, i.e. the queryset of the real view class (``workflows.core.viewsets``)
for the first page of 20 rows plus the paginator's count, with the user
loaded afresh per request (guardian's and viewflow's permission caches live
on the user object, so each request pays its permission queries):

- inbox (``ScopedInboxView``: tasks assigned to the user, newest first);
- queue (``ScopedQueueView``: claimable NEW tasks of the user's township,
  separation of duties applied);
- archive (``ScopedArchiveView``: tasks the user finished);
- case list (``ScopedProcessListView``: the township's cases, newest first,
  with the open-task count);
- status lookup (``workflows.portal.selectors.case_for_client`` and
  ``public_status``; a case number drawn at random each request);
- the staff workspace (``/workspace/``, where staff land; cross-flow, joined to
  the ``CaseIndex`` read model): inbox, queue and archive as
  ``workflows.workspace.views.task_list_context`` reads them (default sort,
  first page, count, rows, filter form), and the county dashboard's figures
  (``workflows.workspace.dashboard.county_figures``, county 970101, year 2024).

The baseline of each is a hand-written SQL read of the same rows (same
filters, same order, LIMIT 20 and the count) through the same connection.
``--explain`` prints EXPLAIN ANALYZE of the ORM queries. Each p50 result's notes
carry where "ours" spends its time: ``queries`` (statements per request) and
``sql_ms`` (median time inside the driver's execute, from five extra requests
outside the timed samples); the rest of the request is Python.
"""

from __future__ import annotations

import argparse
import random
import time
from types import SimpleNamespace

from bench.common import Result, machine_meta, percentiles, report, setup_django

PAGE = 20


def _sample(fn, requests: int) -> list[float]:
    fn()  # warm: plan cache, buffers
    samples = []
    for _ in range(requests):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def _view(view_class, flow_class, user):
    view = view_class(flow_class=flow_class, viewset=None)
    view.request = SimpleNamespace(user=user, GET={}, META={})
    view.args, view.kwargs = (), {}
    return view


def _page(queryset, view=None) -> tuple[int, list]:
    """What a list page runs: the paginator's count and the first 20 rows, through the view's
    own paginator class where it has one (the per-flow task lists pick a page's ids first)."""
    if view is not None:
        paginator = view.get_paginator(queryset, PAGE)
        return paginator.count, list(paginator.page(1))
    return queryset.count(), list(queryset[:PAGE])


def _raw(sql: str, params: list, count_sql: str, count_params: list):
    from django.db import connection

    def run():
        with connection.cursor() as cursor:
            cursor.execute(count_sql, count_params)
            total = cursor.fetchone()[0]
            cursor.execute(sql, params)
            return total, cursor.fetchall()

    return run


def scenarios(rng: random.Random) -> list[dict]:
    """(name, ORM callable, raw SQL callable) for each measured read."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from workflows.core.viewsets import ScopedArchiveView, ScopedInboxView, ScopedProcessListView, ScopedQueueView
    from workflows.dibao.flows import DibaoFlow
    from workflows.dibao.models import DibaoProcess

    user_model = get_user_model()
    worker = user_model.objects.get(username="bw_970101001")
    approver = user_model.objects.get(username="ba_970101001")
    township_id = DibaoProcess._meta.get_field("township").related_model.objects.get(code="970101001").pk
    flow_ref = "dibao/flows.DibaoFlow"

    def orm_list(view_class, user, order="-created"):
        def run():
            # A fresh user per request, as the auth middleware loads it: the
            # permission caches on the user object do not outlive a request.
            view = _view(view_class, DibaoFlow, user_model.objects.get(pk=user.pk))
            qs = view.get_queryset() if view_class is ScopedProcessListView else view.queryset
            return _page(qs.order_by(order), view)

        return run

    task_cols = "t.id, t.flow_task, t.status, t.created, t.owner_id, t.process_id, d.case_number"
    join = "FROM viewflow_task t JOIN dibao_dibaoprocess d ON d.process_ptr_id = t.process_id"
    out = [
        {
            "name": "inbox (case worker)",
            "orm": orm_list(ScopedInboxView, worker),
            "raw": _raw(
                f"SELECT {task_cols} {join} WHERE t.owner_id = %s AND t.status = 'ASSIGNED'"
                " ORDER BY t.created DESC LIMIT 20",
                [worker.pk],
                "SELECT count(*) FROM viewflow_task t WHERE t.owner_id = %s AND t.status = 'ASSIGNED'",
                [worker.pk],
            ),
            "sql": "owner_id = ? AND status = 'ASSIGNED' ORDER BY created DESC",
        },
        {
            "name": "queue (township approver)",
            "orm": orm_list(ScopedQueueView, approver),
            "raw": _raw(
                f"SELECT {task_cols} {join} WHERE t.status = 'NEW' AND t.owner_permission = 'core.act_approver'"
                " AND t.owner_permission_obj_pk = %s ORDER BY t.created DESC LIMIT 20",
                [str(township_id)],
                "SELECT count(*) FROM viewflow_task t WHERE t.status = 'NEW'"
                " AND t.owner_permission = 'core.act_approver' AND t.owner_permission_obj_pk = %s",
                [str(township_id)],
            ),
            "sql": "status = 'NEW' AND owner_permission = ? AND owner_permission_obj_pk = ?",
        },
        {
            "name": "queue (township case worker)",
            "orm": orm_list(ScopedQueueView, worker),
            "raw": _raw(
                f"SELECT {task_cols} {join} WHERE t.status = 'NEW' AND t.owner_permission = 'core.act_case_worker'"
                " AND t.owner_permission_obj_pk = %s ORDER BY t.created DESC LIMIT 20",
                [str(township_id)],
                "SELECT count(*) FROM viewflow_task t WHERE t.status = 'NEW'"
                " AND t.owner_permission = 'core.act_case_worker' AND t.owner_permission_obj_pk = %s",
                [str(township_id)],
            ),
            "sql": "status = 'NEW' AND owner_permission = ? AND owner_permission_obj_pk = ?",
        },
        {
            "name": "archive (case worker)",
            "orm": orm_list(ScopedArchiveView, worker),
            "raw": _raw(
                f"SELECT {task_cols} {join} WHERE t.owner_id = %s AND t.finished IS NOT NULL"
                " AND t.flow_task_type = 'HUMAN' ORDER BY t.created DESC LIMIT 20",
                [worker.pk],
                "SELECT count(*) FROM viewflow_task t WHERE t.owner_id = %s AND t.finished IS NOT NULL"
                " AND t.flow_task_type = 'HUMAN'",
                [worker.pk],
            ),
            "sql": "owner_id = ? AND finished IS NOT NULL ORDER BY created DESC",
        },
        {
            "name": "case list (township case worker)",
            "orm": orm_list(ScopedProcessListView, worker),
            "raw": _raw(
                "SELECT p.id, p.status, p.created, d.case_number, (SELECT count(*) FROM viewflow_task t"
                "  WHERE t.process_id = p.id AND t.finished IS NULL)"
                " FROM viewflow_process p JOIN dibao_dibaoprocess d ON d.process_ptr_id = p.id"
                " WHERE d.township_id = %s AND p.flow_class = %s ORDER BY p.created DESC LIMIT 20",
                [township_id, flow_ref],
                "SELECT count(*) FROM dibao_dibaoprocess d WHERE d.township_id = %s",
                [township_id],
            ),
            "sql": "township_id = ? ORDER BY created DESC",
        },
    ]

    out.extend(_workspace_scenarios(worker, approver, township_id))

    numbers = list(
        DibaoProcess.objects.filter(county__code="970101").order_by("?").values_list("case_number", flat=True)[:500]
    )
    client = SimpleNamespace(county_id=DibaoProcess.objects.filter(case_number=numbers[0]).get().county_id)
    try:
        from workflows.portal.selectors import case_for_client, public_status
    except ImportError:  # the portal is not there: the plain lookup by case number
        case_for_client = None

    def orm_status():
        number = rng.choice(numbers)
        if case_for_client is None:
            return DibaoProcess.objects.get(case_number=number, county_id=client.county_id)
        return public_status(case_for_client(client, number))

    def raw_status():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT d.*, p.status, p.created FROM dibao_dibaoprocess d JOIN viewflow_process p"
                " ON p.id = d.process_ptr_id WHERE d.case_number = %s AND d.county_id = %s",
                [rng.choice(numbers), client.county_id],
            )
            return cursor.fetchall()

    out.append(
        {
            "name": "status lookup (portal public_status)" if case_for_client else "status lookup (case number)",
            "orm": orm_status,
            "raw": raw_status,
            "sql": "case_number = ? AND county_id = ?",
        }
    )
    return out


def _workspace_scenarios(worker, approver, township_id) -> list[dict]:
    """The cross-flow staff workspace (``/workspace/…``, where staff land): what
    ``workflows.workspace.views.task_list`` reads for the first page with the default
    sort (filter form, paginator count, 20 rows with their case-index columns,
    township, village and owner, reassign targets), and the county dashboard's
    figures. The raw baselines read the same rows from ``viewflow_task`` joined to
    ``workspace_caseindex`` (and the region names), LIMIT 20 and the count."""
    from django.contrib.auth import get_user_model
    from django.http import QueryDict

    from workflows.core.models import County
    from workflows.workspace.dashboard import county_figures
    from workflows.workspace.views import task_list_context

    user_model = get_user_model()

    def orm_ws(kind, user):
        def run():
            context = task_list_context(user_model.objects.get(pk=user.pk), QueryDict(), kind)
            page = context["page"]  # the archive has no exact count (CountlessPage)
            total = page.paginator.count if page.paginator else len(page.object_list)
            return total, context["rows"], list(context["targets"])

        return run

    cols = (
        "t.id, t.flow_task, t.status, t.created, t.finished, t.owner_id, t.process_id, ci.case_number,"
        " ci.applicant_name, ci.due_on, ci.decided_on, ci.staff_relative, ci.assist_first_pending,"
        " tw.name, v.name, u.username"
    )
    join = (
        "FROM viewflow_task t JOIN workspace_caseindex ci ON ci.process_id = t.process_id"
        " JOIN core_township tw ON tw.id = ci.township_id JOIN core_village v ON v.id = ci.village_id"
        " LEFT JOIN auth_user u ON u.id = t.owner_id"
    )
    count_join = "FROM viewflow_task t JOIN workspace_caseindex ci ON ci.process_id = t.process_id"
    due = " ORDER BY ci.due_on ASC NULLS LAST, t.created DESC, t.id DESC LIMIT 20"

    def raw_ws(where, params, order=due):
        return _raw(
            f"SELECT {cols} {join} WHERE {where}{order}", params, f"SELECT count(*) {count_join} WHERE {where}", params
        )

    human = "t.flow_task_type = 'HUMAN' AND ci.township_id = %s AND "
    queue = human + "t.status = 'NEW' AND t.owner_permission = %s AND t.owner_permission_obj_pk = %s"
    out = [
        {
            "name": "workspace inbox (case worker)",
            "orm": orm_ws("inbox", worker),
            "raw": raw_ws(human + "t.status = 'ASSIGNED' AND t.owner_id = %s", [township_id, worker.pk]),
            "sql": "task ⋈ case index: owner_id = ?, ASSIGNED, ORDER BY due_on",
        },
        {
            "name": "workspace queue (township approver)",
            "orm": orm_ws("queue", approver),
            "raw": raw_ws(queue, [township_id, "core.act_approver", str(township_id)]),
            "sql": "task ⋈ case index: NEW, owner_permission = ?, obj_pk = ?, ORDER BY due_on",
        },
        {
            "name": "workspace queue (township case worker)",
            "orm": orm_ws("queue", worker),
            "raw": raw_ws(queue, [township_id, "core.act_case_worker", str(township_id)]),
            "sql": "task ⋈ case index: NEW, owner_permission = ?, obj_pk = ?, ORDER BY due_on",
        },
        {
            "name": "workspace archive (case worker)",
            "orm": orm_ws("archive", worker),
            "raw": raw_ws(
                human + "t.owner_id = %s AND t.finished IS NOT NULL",
                [township_id, worker.pk],
                order=" ORDER BY t.created DESC, t.id DESC LIMIT 20",
            ),
            "sql": "task ⋈ case index: owner_id = ?, finished IS NOT NULL, ORDER BY created DESC",
        },
    ]

    county = County.objects.get(code="970101")
    year = 2024  # the generated cases span 2023-01 .. 2025-11

    def raw_dashboard():
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT township_id, count(*) FILTER (WHERE status NOT IN ('DONE', 'CANCELED')),"
                " count(*) FILTER (WHERE status NOT IN ('DONE', 'CANCELED') AND decided_on IS NULL"
                "  AND due_on < current_date),"
                " count(*) FILTER (WHERE outcome = 'approved' AND decided_on BETWEEN %s AND %s),"
                " count(*) FILTER (WHERE outcome = 'refused' AND decided_on BETWEEN %s AND %s)"
                " FROM workspace_caseindex WHERE county_id = %s GROUP BY township_id",
                [f"{year}-01-01", f"{year}-12-31"] * 2 + [county.pk],
            )
            figures = cursor.fetchall()
            cursor.execute(
                "SELECT ci.township_id, t.flow_task, count(DISTINCT t.process_id) FROM viewflow_task t"
                " JOIN workspace_caseindex ci ON ci.process_id = t.process_id JOIN viewflow_process p"
                " ON p.id = t.process_id WHERE ci.county_id = %s AND t.status IN ('NEW', 'ASSIGNED', 'STARTED',"
                " 'ERROR', 'SCHEDULED') AND p.status NOT IN ('DONE', 'CANCELED') GROUP BY 1, 2",
                [county.pk],
            )
            return figures, cursor.fetchall()

    out.append(
        {
            "name": "workspace county dashboard (20 townships)",
            "orm": lambda: county_figures(county, year=year),
            "raw": raw_dashboard,
            "sql": "case index GROUP BY township (FILTER counts) + open tasks per stage",
        }
    )
    return out


def explain(fn) -> None:
    """EXPLAIN ANALYZE every query ``fn`` runs (PostgreSQL)."""
    from django.db import connection

    captured = []

    def capture(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        fn()
    with connection.cursor() as cursor:
        for sql, params in captured:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            print("\n".join(row[0] for row in cursor.fetchall()))
            print("-" * 40)


def _sql_share(fn, runs: int = 5) -> tuple[int, float]:
    """(statements, median ms spent inside the database driver's execute) of one request of
    ``fn``, from a few extra runs with an execute wrapper (kept out of the timed samples):
    the rest of the request's time is Python (building and compiling the queries, the rows
    into model instances, the page's own work)."""
    from django.db import connection

    totals, statements = [], 0
    for _ in range(runs):
        spent = []

        def timed(execute, sql, params, many, context, spent=spent):
            start = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent.append(time.perf_counter() - start)

        with connection.execute_wrapper(timed):
            fn()
        totals.append(sum(spent))
        statements = len(spent)
    totals.sort()
    return statements, round(totals[len(totals) // 2] * 1000, 2)


def run(requests: int, *, show_explain: bool = False, seed: int = 7, only: str = "") -> list[Result]:
    from django.db import connection

    from bench.generate import generated_cases

    with connection.cursor() as cursor:
        cases = generated_cases(cursor)
        cursor.execute("SELECT count(*) FROM viewflow_task")
        tasks = cursor.fetchone()[0]
    results = []
    for sc in scenarios(random.Random(seed)):
        if only and not any(word in sc["name"] for word in only.split(",")):
            continue
        ours = percentiles(_sample(sc["orm"], requests))
        queries, sql_ms = _sql_share(sc["orm"])
        raw = percentiles(_sample(sc["raw"], requests))
        if show_explain:
            print(f"\n### {sc['name']}")
            explain(sc["orm"])
        for p in ("p50_ms", "p95_ms", "p99_ms"):
            results.append(
                Result(
                    name=f"{sc['name']} {p[:3]}",
                    value=ours[p],
                    unit="ms",
                    baseline_name=f"raw SQL ({sc['sql']})",
                    baseline=raw[p],
                    higher_is_better=False,
                    notes=(
                        {"queries": queries, "sql_ms": sql_ms, "cases": cases, "tasks": tasks} if p == "p50_ms" else {}
                    ),
                )
            )
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--cases", type=int, default=0, help="generate this many cases first if missing")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--only", default="", help="comma-separated words: run matching scenarios only")
    args = parser.parse_args(argv)
    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("bench.latency needs PostgreSQL (the generated dataset): set DATABASE_URL; skipped")
        return
    from bench.common import ensure_schema

    ensure_schema()
    if args.cases:
        from bench.generate import generate

        generate(args.cases)
    results = run(args.requests, show_explain=args.explain, only=args.only)
    report("latency", results, {**machine_meta(), **results[0].notes})


if __name__ == "__main__":
    main()
