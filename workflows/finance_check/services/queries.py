"""Querying the registries: retries, the fan-out over a thread pool."""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import transaction

from ..adapters import QueryOutcome, RegistryError, get_adapter
from ..models import FinanceCheckProcess
from ..sources import ALL_SOURCES
from .config import retry_delay
from .errors import QueriesPending
from .evidence import evidence_record_queries, member_id_numbers, pending_sources
from .request import query_authorisations


def query_with_retries(adapter, id_numbers: list[str], request_id: str) -> tuple[QueryOutcome | RegistryError, int]:
    """Query until success, a non-retryable error or the last retry (for the thread-pool path).

    Returns (outcome or last error, attempts). The Celery path does the same
    with ``self.retry(countdown=retry_delay(n))`` so no worker sleeps.
    """
    attempt = 0
    while True:
        try:
            return adapter.query(id_numbers, request_id=f"{request_id}:{attempt + 1}"), attempt + 1
        except RegistryError as exc:
            delay = retry_delay(attempt) if exc.retryable else None
            if delay is None:
                return exc, attempt + 1
            time.sleep(delay)
            attempt += 1


_POOL: ThreadPoolExecutor | None = None
_POOL_PID: int | None = None
_POOL_LOCK = threading.Lock()


def _query_pool() -> ThreadPoolExecutor:
    """The eager path's HTTP threads, started once per process (not 11 new threads per check).

    Sized for a few concurrent checks (demo server threads); a check queued
    behind another one's backoff sleeps only waits longer, nothing is lost.
    Threads never touch the database.
    """
    global _POOL, _POOL_PID
    with _POOL_LOCK:
        if _POOL is None or os.getpid() != _POOL_PID:  # a forked child has no threads: new pool
            _POOL = ThreadPoolExecutor(max_workers=4 * len(ALL_SOURCES), thread_name_prefix="finance-check")
            _POOL_PID = os.getpid()
        return _POOL


def queries_fan_out(task_pk: int) -> str:
    """The run_queries job: query every source that has no final evidence yet.

    With a real broker: one ``query_source`` Celery task per source (they run
    in parallel on the workers; each retries on its own and the last one to
    finish advances the node). With eager Celery (demo, tests, benchmark) a
    group would run one source after the other, so the queries run in a
    thread pool instead: HTTP in the threads; the evidence rows, their audit
    events and the advance are written here, in one transaction, once the
    last source answered (bulk inserts, no per-source round trips).
    Re-running the job (redelivery, ``requeue_stale_handles``) only queries
    what is still missing, and advances the node if nothing is.
    """
    from viewflow.workflow.status import STATUS

    from ..flows import FinanceCheckFlow
    from ..tasks import query_source

    task = FinanceCheckFlow.task_class._default_manager.filter(pk=task_pk).values("status", "process_id").first()
    if task is None or task["status"] != STATUS.NEW:
        return "skipped"
    check = FinanceCheckProcess.objects.get(pk=task["process_id"])
    pending = pending_sources(check)
    if not pending:
        queries_advance(check.pk)
        return "advanced"
    # No query without every adult's authorisation in force (MSL 9); each source task checks again.
    authorisations = query_authorisations(check)
    if authorisations is None:
        return "halted"
    if not query_source.app.conf.task_always_eager:
        queue = getattr(settings, "FINANCE_CHECK_QUEUE", None)
        for source in pending:
            query_source.apply_async((check.pk, source), queue=queue)
        return "queued"
    ids = member_id_numbers(check)
    adapters = {s: get_adapter(s) for s in pending}
    pool = _query_pool()
    futures = {s: pool.submit(query_with_retries, adapters[s], ids, f"{check.case_number}:{s}") for s in pending}
    results = {s: f.result() for s, f in futures.items()}
    # One transaction for all the rows and the advance: one commit instead of a dozen.
    with transaction.atomic():
        evidence_record_queries(check=check, results=results, authorisations=authorisations)
        # Every source of the check is final now (recorded here, or by a racing job
        # if the batch fell back): skip the unlocked pre-check, the flow re-counts
        # under its lock anyway.
        _advance_run_queries(check.pk)
    return "done"


def queries_advance(check_pk: int) -> bool:
    """Advance run_queries once every source is final. Safe to call from every source task.

    Checked twice: cheaply here, and again under the flow lock
    (``FinanceCheckFlow.queries_done``), so of several tasks finishing at
    once exactly one advances the node and none advances it early.
    """
    check = FinanceCheckProcess.objects.get(pk=check_pk)
    if pending_sources(check):
        return False
    return _advance_run_queries(check_pk)


def _advance_run_queries(check_pk: int) -> bool:
    from viewflow.fsm import TransitionNotAllowed
    from viewflow.workflow.status import STATUS

    from ..flows import FinanceCheckFlow

    task = (
        FinanceCheckFlow.task_class._default_manager.filter(
            process_id=check_pk, flow_task=FinanceCheckFlow.run_queries, status=STATUS.NEW
        )
        .order_by("pk")
        .first()
    )
    if task is None:
        return False
    try:
        FinanceCheckFlow.run_queries.run(task)
    except (TransitionNotAllowed, QueriesPending):
        return False
    return True
