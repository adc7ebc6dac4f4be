"""Signal receivers: the finance check's result advances the waiting case."""

from __future__ import annotations

from django.db import transaction

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
    transaction.on_commit(lambda: advance_after_finance_check.delay(*args))
