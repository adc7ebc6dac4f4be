"""Celery jobs of temporary assistance: no business logic, only orchestration."""

from celery import shared_task
from viewflow.fsm import TransitionNotAllowed
from viewflow.workflow.status import STATUS

from workflows.core.tasks import periodic


@shared_task(acks_late=True)
def advance_after_finance_check(process_pk: int, check_ref: str, outcome: str) -> str:
    """Advance the case's waiting Handle with the check's result (idempotent): ``await_finance_check``
    (spending shock, before the decision) or ``await_after_check`` (assist first, after the payment)."""
    from workflows.core.cases import CaseTask

    from .flows import TemporaryAssistanceFlow

    waiting = (TemporaryAssistanceFlow.await_finance_check, TemporaryAssistanceFlow.await_after_check)
    task = CaseTask.objects.filter(process_id=process_pk, flow_task__in=waiting, status=STATUS.NEW).first()
    if task is None:
        return "skipped"  # not waiting (already advanced, or never asked)
    try:
        task.flow_task.run(task, check_ref=check_ref, outcome=outcome)
    except TransitionNotAllowed:
        return "skipped"
    return "done"


@shared_task(acks_late=True)
def issue_decision_letter(process_pk: int) -> str:
    """Render and store the decision or refusal letter after the decision committed (idempotent)."""
    from .services import case_issue_letter

    return "done" if case_issue_letter(process_id=process_pk) is not None else "skipped"


LETTER_SWEEP_GRACE = 600  # seconds: leave the job queued on commit time to run first
LETTER_SWEEP_BATCH = 200


@periodic
@shared_task(acks_late=True)
def issue_missing_letters() -> int:
    """Periodic: queue the letter job for decided cases whose letter was never issued (lost message)."""
    import datetime

    from django.utils import timezone

    from .selectors import decided_without_letter

    before = timezone.now() - datetime.timedelta(seconds=LETTER_SWEEP_GRACE)
    pks = list(decided_without_letter(decided_before=before)[:LETTER_SWEEP_BATCH])
    for pk in pks:
        issue_decision_letter.delay(pk)
    return len(pks)
