"""Celery jobs of the skeleton flow: no business logic, only orchestration."""

import logging

from celery import shared_task
from viewflow.fsm import TransitionNotAllowed
from viewflow.workflow.status import STATUS

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, bind=True, max_retries=5, default_retry_delay=5)
def fetch_registry_receipt(self, task_pk: int) -> str:
    from workflows.core.cases import CaseTask

    from .flows import SkeletonFlow
    from .services import compute_receipt

    task = CaseTask.objects.select_related("process").filter(pk=task_pk).first()
    if task is None or task.status != STATUS.NEW:
        return "skipped"  # already advanced (redelivery) or gone
    process = task.process.coerced
    receipt = compute_receipt(process.pk, process.case_number)
    try:
        SkeletonFlow.registry_receipt.run(task, receipt=receipt)
    except TransitionNotAllowed:
        return "skipped"  # a concurrent delivery advanced it first
    logger.info("registry receipt recorded for task %s", task_pk)
    return "done"
