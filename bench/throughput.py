"""Task completions per second with 1, 2 and 4 concurrent clients.

    .venv/bin/python -m bench.throughput [--tasks 100] [--clients 1,2,4]

Each client is a separate process with its own database connection. Before
the clock starts, ``--tasks`` cases per client count are opened (the review
task is waiting); then the clients complete them concurrently:

- ours: ``workflows.core.driving.complete_task`` on ``SkeletonFlow.review``
  (claim, region scope and separation-of-duty checks, ``case_review``
  service with its audit row, flow lock, the Handle job run eagerly on
  commit: the next node's work is part of completing the task);
- baseline: the same on ``workflows.skeleton.baseline.BareFlow`` (bare
  viewflow activation API: assign, start, execute, then ``receipt.run``).

Completions per second = tasks / wall time from the first client's start to
the last client's end. On SQLite (throwaway file) only one client runs:
SQLite serialises writers, so concurrency means nothing there.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import time
from types import SimpleNamespace

from bench.common import Result, bare_viewflow, counting_statements, machine_meta, report, setup_django


def _region():
    from tests import factories
    from workflows.core.models.staff import Role
    from workflows.core.permissions import assignment_grant

    code = f"99{random.randint(2000, 9999)}"
    county = factories.CountyFactory(code=code, name="吞吐基准县")
    township = factories.TownshipFactory(county=county, code=f"{code}001")
    village = factories.VillageFactory(township=township, code=f"{code}001001")
    worker = factories.UserFactory(username=f"tp_worker_{code}")
    approver = factories.UserFactory(username=f"tp_approver_{code}")
    assignment_grant(user=worker, role=Role.CASE_WORKER, region=township)
    assignment_grant(user=approver, role=Role.APPROVER, region=township)
    return SimpleNamespace(village=village, worker=worker, approver=approver)


def open_ours(region, n: int) -> list[int]:
    from workflows.core.driving import open_tasks, start_case
    from workflows.skeleton import services
    from workflows.skeleton.flows import SkeletonFlow

    pks = []
    for _ in range(n):
        process = start_case(
            SkeletonFlow.start,
            user=region.worker,
            perform=lambda p: services.case_open(
                process=p, village=region.village, summary="吞吐", actor=region.worker
            ),
        )
        pks.append(open_tasks(process, SkeletonFlow.review).get().pk)
    return pks


def open_bare(region, n: int) -> list[int]:
    from django.db import transaction

    from workflows.skeleton.baseline import BareFlow

    pks = []
    for _ in range(n):
        with transaction.atomic():
            act = BareFlow.start.activation_class.create(BareFlow.start, None, None)
            act.start(SimpleNamespace(user=region.approver))
            act.execute()
        pks.append(BareFlow.task_class.objects.get(process=act.process, flow_task=BareFlow.review).pk)
    return pks


def complete_ours(task_pks, user_pk) -> None:
    from django.contrib.auth import get_user_model

    from workflows.core.driving import complete_task
    from workflows.skeleton import services
    from workflows.skeleton.flows import SkeletonFlow

    user = get_user_model().objects.get(pk=user_pk)
    manager = SkeletonFlow.task_class._default_manager
    for pk in task_pks:
        complete_task(
            manager.get(pk=pk),
            user=user,
            perform=lambda p: services.case_review(process=p, approved=True, note="", actor=user),
        )


def complete_bare(task_pks, user_pk) -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(pk=user_pk)
    request = SimpleNamespace(user=user)
    with bare_viewflow():  # the baseline without our audit/index receivers
        _complete_bare(task_pks, user, request)


def _complete_bare(task_pks, user, request) -> None:
    from django.db import transaction
    from viewflow.workflow.status import STATUS

    from workflows.skeleton.baseline import BareFlow

    for pk in task_pks:
        task = BareFlow.task_class.objects.get(pk=pk)
        with BareFlow.lock(task.process_id), transaction.atomic():
            task.refresh_from_db()
            activation = task.flow_task.activation_class(task)
            activation.assign(user)
            activation.start(request)
            activation.execute()
        handle = BareFlow.task_class.objects.get(
            process_id=task.process_id, flow_task=BareFlow.receipt, status=STATUS.NEW
        )
        BareFlow.receipt.run(handle, receipt="x")


def _client(kind, task_pks, user_pk, barrier, out) -> None:
    from django.db import connection

    work = complete_ours if kind == "ours" else complete_bare
    connection.ensure_connection()
    barrier.wait()
    start = time.perf_counter()
    work(task_pks, user_pk)
    out.put((start, time.perf_counter()))
    connection.close()


def _run_clients(kind, task_pks, user_pk, clients: int) -> float:
    """Completions/s of ``clients`` processes sharing ``task_pks``."""
    from django.db import connections

    if clients == 1:
        start = time.perf_counter()
        (complete_ours if kind == "ours" else complete_bare)(task_pks, user_pk)
        return len(task_pks) / (time.perf_counter() - start)
    connections.close_all()  # children must not share the parent's socket
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(clients)
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_client, args=(kind, task_pks[i::clients], user_pk, barrier, out)) for i in range(clients)
    ]
    for p in procs:
        p.start()
    spans = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
        if p.exitcode:
            raise RuntimeError(f"client exited with {p.exitcode}")
    wall = max(end for _, end in spans) - min(start for start, _ in spans)
    return len(task_pks) / wall


def run(tasks: int, client_counts: list[int]) -> list[Result]:
    from django.db import connection

    if connection.vendor != "postgresql":
        client_counts = [1]
    region = _region()
    results = []
    for clients in client_counts:
        ours_pks = open_ours(region, tasks)
        bare_pks = open_bare(region, tasks)
        notes = {"tasks": tasks, "clients": clients}
        with counting_statements() as ours_statements:  # counts this process only: 1 client
            ours = _run_clients("ours", ours_pks, region.approver.pk, clients)
        with counting_statements() as bare_statements:
            bare = _run_clients("bare", bare_pks, region.approver.pk, clients)
        if clients == 1:
            notes["statements_per_task"] = round(ours_statements[0] / tasks, 1)
            notes["bare_statements_per_task"] = round(bare_statements[0] / tasks, 1)
            print(f"SQL statements per task completion: {notes['statements_per_task']} "
                  f"(bare viewflow: {notes['bare_statements_per_task']})")  # fmt: skip
        results.append(
            Result(
                name=f"task completions, {clients} client{'s' if clients > 1 else ''}",
                value=ours,
                unit="tasks/s",
                baseline_name=f"bare viewflow flow, {clients} client{'s' if clients > 1 else ''}",
                baseline=bare,
                notes=notes,
            )
        )
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=100, help="tasks completed per client count")
    parser.add_argument("--clients", default="1,2,4")
    args = parser.parse_args(argv)
    setup_django()
    import logging

    logging.getLogger("celery").setLevel(logging.WARNING)
    logging.getLogger("workflows").setLevel(logging.WARNING)
    from bench.common import ensure_schema

    ensure_schema()
    report("throughput", run(args.tasks, [int(c) for c in args.clients.split(",")]), machine_meta())


if __name__ == "__main__":
    main()
