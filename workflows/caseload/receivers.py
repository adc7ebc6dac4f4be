"""Signal receivers: a finance check run for a re-check hands its result to the re-check."""

from __future__ import annotations

CHECK_REF_PREFIX = "recheck:"


def on_finance_check_finished(sender, check, **kwargs) -> None:
    ref = getattr(check, "case_ref", "") or ""
    if not ref.startswith(CHECK_REF_PREFIX):
        return
    try:
        recheck_id = int(ref[len(CHECK_REF_PREFIX) :])
    except ValueError:
        return
    from .services import recheck_record_check_result

    recheck_record_check_result(
        recheck_id=recheck_id, check_id=check.pk, outcome=str(check.outcome), result=dict(check.result or {})
    )
