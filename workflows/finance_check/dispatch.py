"""How the registry queries of a check are run: the orchestration, not the rules.

``services.queries_fan_out`` decides *what* to query (the sources without final evidence,
the authorisations in force, MSL 9) and hands the sources here; this module decides *how*:

- with a real broker: one ``query_source`` Celery task per source (they run in parallel on
  the workers; each retries on its own and the last one to finish advances the node);
- with eager Celery (demo, tests, benchmark) a Celery group would run one source after the
  other, so the HTTP calls run in a process-wide thread pool instead, and the answers are
  recorded and the node advanced by the same service functions, in one transaction, once
  the last source answered.

The services never look at ``task_always_eager`` and own no threads.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import connections

from .adapters import QueryOutcome, RegistryError, get_adapter
from .models import FinanceCheckProcess
from .sources import ALL_SOURCES

#: What the thread-pool path hands back to the services: source -> (outcome or last error, attempts).
Answers = dict[str, tuple[QueryOutcome | RegistryError, int]]


def query_with_retries(adapter, id_numbers: list[str], request_id: str) -> tuple[QueryOutcome | RegistryError, int]:
    """Query until success, a non-retryable error or the last retry (for the thread-pool path).

    Returns (outcome or last error, attempts). The Celery path does the same
    with ``self.retry(countdown=retry_delay(n))`` so no worker sleeps.
    """
    from .services.config import retry_delay

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
    The queries need no database; a job that opens a connection anyway closes it
    (``_closing_connections``), since these threads outlive every check.
    """
    global _POOL, _POOL_PID
    with _POOL_LOCK:
        if _POOL is None or os.getpid() != _POOL_PID:  # a forked child has no threads: new pool
            _POOL = ThreadPoolExecutor(max_workers=4 * len(ALL_SOURCES), thread_name_prefix="finance-check")
            _POOL_PID = os.getpid()
        return _POOL


def _closing_connections(job: Callable[..., Any], *args: Any) -> Any:
    """Run ``job`` in a pool thread, then close the database connections it opened there: the
    thread lives as long as the process, and so would its session (on PostgreSQL a test
    database cannot be dropped while a session is open on it)."""
    try:
        return job(*args)
    finally:
        connections.close_all()


def queries_on_workers() -> bool:
    """True when a real broker carries the jobs (each source its own Celery task)."""
    from .tasks import query_source

    return not query_source.app.conf.task_always_eager


def dispatch_queries(
    check: FinanceCheckProcess,
    sources: Sequence[str],
    id_numbers: Callable[[], list[str]],
    record: Callable[[Answers], None],
) -> str:
    """Run the queries of ``sources`` for ``check``: queued to the workers ("queued"), or in
    the thread pool, then ``record(answers)`` in this thread ("done")."""
    if queries_on_workers():
        from .tasks import query_source

        queue = getattr(settings, "FINANCE_CHECK_QUEUE", None)
        for source in sources:
            query_source.apply_async((check.pk, source), queue=queue)
        return "queued"
    ids = id_numbers()
    adapters = {s: get_adapter(s) for s in sources}
    pool = _query_pool()
    futures = {
        s: pool.submit(_closing_connections, query_with_retries, adapters[s], ids, f"{check.case_number}:{s}")
        for s in sources
    }
    record({s: f.result() for s, f in futures.items()})
    return "done"
