"""Celery jobs of the sampling review: orchestration only, idempotent."""

import logging

from celery import shared_task

from workflows.core.tasks import periodic

logger = logging.getLogger(__name__)


@periodic
@shared_task(acks_late=True)
def run_due_draws() -> list[int]:
    """Beat: draw every ended, undrawn sampling period of every county."""
    from .services import run_due_draws as run

    pks = run()
    if pks:
        logger.info("sampling draws made: %s", pks)
    return pks


@shared_task(acks_late=True)
def start_reviews(draw_pk: int) -> int:
    """Start one review case per drawn case that has none yet (safe to redeliver)."""
    from .selectors import drawn_cases_without_review
    from .services import review_start

    started = 0
    for drawn_case_pk in drawn_cases_without_review(draw_pk):
        if review_start(drawn_case_pk=drawn_case_pk) is not None:
            started += 1
    return started


@periodic
@shared_task(acks_late=True)
def escalate_overdue_corrections() -> int:
    """Beat: flag corrections past their deadline (idempotent: each is flagged once)."""
    from .services import corrections_escalate_overdue

    return corrections_escalate_overdue()
