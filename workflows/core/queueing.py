"""Publish a Celery job once the current transaction commits, without failing the caller.

By the time an on-commit callback runs, the caller's data is committed: a broker outage
at that moment must not turn the response into a 500 for work that was saved. So the
publish is ``robust`` and its failure is a logged warning naming the task only (its
arguments may carry case data and are never logged). What was not published is sent
again by the periodic sweeps: ``requeue_stale_handles`` (every minute, beat) for
``QueuedHandle`` jobs; see docs/operations.md "Broker outage".
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.db import transaction

if TYPE_CHECKING:
    from celery import Task

logger = logging.getLogger(__name__)


def enqueue_on_commit(celery_task: Task, *args: object) -> None:
    """``celery_task.delay(*args)`` after commit; a publish failure is logged, never raised."""

    def publish() -> None:
        try:
            celery_task.delay(*args)
        except Exception as exc:
            logger.warning(
                "could not queue %s after commit (%s): broker unreachable? It is sent again by the periodic sweep.",
                getattr(celery_task, "name", "a job"),
                type(exc).__name__,
            )

    # robust: even an error outside the try (e.g. in logging) cannot reach the caller.
    transaction.on_commit(publish, robust=True)
