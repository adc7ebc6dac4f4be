"""Signal receivers: the finance check's result advances the waiting case; a county
revocation in sampling review stops the benefit."""

from __future__ import annotations

from workflows.core.queueing import enqueue_on_commit

CASE_REF_PREFIX = "dibao:"


def on_finance_check_finished(sender, check, **kwargs) -> None:
    """Queue (after commit) the job that advances ``await_finance_check``."""
    ref = getattr(check, "case_ref", "") or ""
    if not ref.startswith(CASE_REF_PREFIX):
        return
    try:
        process_pk = int(ref[len(CASE_REF_PREFIX) :])
    except ValueError:
        return
    from .tasks import advance_after_finance_check

    args = (process_pk, check.pk, str(check.outcome), dict(check.result or {}))
    enqueue_on_commit(advance_after_finance_check, *args)


def on_benefit_revoked(sender, record, stop_from, recovery, **kwargs) -> None:
    """The county revoked a dibao / 特困 approval: stop the benefit, in the same transaction."""
    from .models import DibaoProcess
    from .services import dibao_benefit_stop

    process = DibaoProcess.objects.filter(pk=record.process_id).first()
    if process is None:  # another programme's approval (temporary assistance)
        return
    dibao_benefit_stop(process=process, stop_from=stop_from, reason=recovery.reason, actor=recovery.created_by)


def on_calendar_changed(sender, calendar, since, actor=None, reason="", **kwargs) -> int:
    """The official calendar changed: move the stored deadlines, in the same transaction."""
    from .services import dibao_recompute_deadlines

    return dibao_recompute_deadlines(calendar=calendar, since=since, actor=actor, reason=reason)
