"""Celery jobs of the dibao flows: orchestration only, idempotent, acks_late."""

import logging

from celery import shared_task
from viewflow.fsm import TransitionNotAllowed
from viewflow.workflow.status import STATUS

from workflows.core.tasks import periodic

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def advance_after_finance_check(process_pk: int, check_id: int, outcome: str, result: dict) -> str:
    """Advance ``await_finance_check`` of the case with the finished check."""
    from workflows.core.cases import CaseTask

    from .models import DibaoProcess

    process = DibaoProcess.objects.filter(pk=process_pk).first()
    if process is None:
        return "skipped"
    node = process.flow_class.await_finance_check
    task = CaseTask.objects.filter(process_id=process_pk, flow_task=node, status=STATUS.NEW).first()
    if task is None:
        if process.recheck_pending and process.finance_check_id == check_id:
            # the re-check after an objection (MSL 18): the flow is past the wait; record the result
            from .services import dibao_record_check

            dibao_record_check(process=process, check_id=check_id, outcome=outcome, result=result)
            return "rechecked"
        return "skipped"  # already advanced (redelivery), or not waiting
    # The case just read names the lock the run takes (no read of the base row for it); under
    # the lock the run works on the lock's own instance (``CaseTask.refresh_from_db``).
    task.process = process
    try:
        node.run(task, check_id=check_id, outcome=outcome, result=result)
    except TransitionNotAllowed:
        return "skipped"
    logger.info("finance check %s recorded on case %s", check_id, process_pk)
    return "done"


@periodic
@shared_task(acks_late=True)
def alert_overdue_cases() -> int:
    """Daily: raise an alert for each open case past its deadline (MSL 22)."""
    from .services import overdue_alerts_raise

    return overdue_alerts_raise()
