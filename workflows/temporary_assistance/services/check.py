"""The household-finance check of a spending-shock case (MSL 17 via workflows.finance_check)."""

from __future__ import annotations

import logging

from django.db import transaction

from workflows.core.audit import audit_record, diff
from workflows.core.programmes import Programme
from workflows.core.types import Actor

from ..models import TemporaryAssistanceProcess

logger = logging.getLogger(__name__)


# --- finance check (spending shock, MSL 17 via workflows.finance_check) ------------------


def finance_check_case_ref(process: TemporaryAssistanceProcess) -> str:
    return f"temporary_assistance:{process.pk}"


@transaction.atomic
def case_request_finance_check(*, process: TemporaryAssistanceProcess, actor: Actor = None) -> None:
    """Ask the county's finance check for this household; its completion advances the case."""
    try:
        from workflows.finance_check.services import finance_check_request
    except ImportError:
        # the app may be left out of a deployment: None means "no check service" below
        finance_check_request = None  # type: ignore[assignment]
    ref = finance_check_case_ref(process)
    check = None
    if finance_check_request is not None:
        check = finance_check_request(
            household=process.household,
            purpose=Programme.TEMPORARY_ASSISTANCE,
            case_ref=ref,
            actor=actor or process.opened_by,
        )
    else:  # the finance-check app is not deployed yet; the case waits at await_finance_check
        logger.warning("finance check service unavailable; case %s waits for a check result", process.pk)
    audit_record(
        action="case.finance_check_requested",
        target=process,
        actor=actor,
        process_id=process.pk,
        data={"case_ref": ref, "check": getattr(check, "pk", None), "service_available": check is not None},
    )


@transaction.atomic
def case_record_finance_check(
    *, process: TemporaryAssistanceProcess, check_ref: str, outcome: str
) -> TemporaryAssistanceProcess:
    old = {"finance_check_ref": process.finance_check_ref, "finance_check_outcome": process.finance_check_outcome}
    process.finance_check_ref, process.finance_check_outcome = check_ref, outcome
    process.save(update_fields=["finance_check_ref", "finance_check_outcome"])
    audit_record(
        action="case.finance_check_recorded",
        target=process,
        process_id=process.pk,
        changes=diff(old, {"finance_check_ref": check_ref, "finance_check_outcome": outcome}),
    )
    return process
