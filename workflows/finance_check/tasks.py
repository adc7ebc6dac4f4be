"""Celery jobs of the economic-status check: orchestration only, rules live in services.

``run_queries`` is the job of the flow's ``run_queries`` node; it fans out one
``query_source`` per registry. Both are idempotent (``acks_late``: a message
redelivered after a worker died re-runs harmlessly): a source with final
evidence is never queried or recorded again.
"""

from __future__ import annotations

import logging

from celery import shared_task
from viewflow.workflow.exceptions import FlowLockFailed

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, bind=True, max_retries=None)
def run_queries(self, task_pk: int) -> str:
    from .services import queries_fan_out

    return queries_fan_out(task_pk)


@shared_task(acks_late=True, bind=True, max_retries=None)
def query_source(self, check_pk: int, source: str) -> str:
    """Query one registry; retry timeouts and 5xx with exponential backoff, then record the outcome."""
    from .adapters import RegistryError, get_adapter
    from .models import FinanceCheckProcess
    from .services import (
        evidence_record_query,
        final_sources,
        member_id_numbers,
        queries_advance,
        query_authorisations,
        retry_delay,
    )

    check = FinanceCheckProcess.objects.filter(pk=check_pk).first()
    if check is None:
        return "skipped"
    if source not in final_sources(check):
        authorisations = query_authorisations(check)
        if authorisations is None:
            return "halted"  # an authorisation was withdrawn (MSL 9); the check says so
        attempt = self.request.retries
        try:
            result = get_adapter(source).query(
                member_id_numbers(check), request_id=f"{check.case_number}:{source}:{attempt + 1}"
            )
        except RegistryError as exc:
            delay = retry_delay(attempt) if exc.retryable else None
            if delay is not None:
                logger.info(
                    "check %s source %s attempt %s failed (%s); retry in %ss", check_pk, source, attempt + 1, exc, delay
                )
                raise self.retry(countdown=delay, exc=exc) from None
            result = exc
        evidence_record_query(
            check=check, source=source, result=result, attempts=attempt + 1, authorisations=authorisations
        )
    try:
        queries_advance(check_pk)
    except FlowLockFailed:
        # Another source task holds the lock; our evidence is stored, so the
        # retry only re-checks and advances.
        raise self.retry(countdown=1) from None
    return "done"
