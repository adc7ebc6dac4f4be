"""Reaction to the household-finance check finishing (workflows.finance_check contract).

The signal ``finance_check_finished(check=...)`` carries ``check.case_ref``
("temporary_assistance:<process pk>"), ``check.outcome`` and ``check.pk``.
The case is advanced by a Celery job queued after the check's transaction
commits, never inside it.
"""

from workflows.core.queueing import enqueue_on_commit

PREFIX = "temporary_assistance:"


def on_finance_check_finished(sender=None, check=None, **kwargs) -> bool:
    case_ref = getattr(check, "case_ref", "") or ""
    if not case_ref.startswith(PREFIX):
        return False
    from .tasks import advance_after_finance_check

    process_pk = int(case_ref.removeprefix(PREFIX))
    check_ref = str(getattr(check, "case_number", None) or getattr(check, "pk", ""))
    outcome = str(getattr(check, "outcome", ""))
    enqueue_on_commit(advance_after_finance_check, process_pk, check_ref, outcome)
    return True
